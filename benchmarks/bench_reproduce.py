"""Wall time of the main job, ``cevnsjax reproduce``, in fresh processes: once
with an empty persistent compilation cache (cold) and once more reading it
back (warm), each writing into its own temporary folder. The total of the
printed summary must be the same in both runs.

    python benchmarks/bench_reproduce.py [--quick] [--out benchmarks/results/reproduce.json]

``--quick`` times ``cevnsjax reproduce --quick`` (coarser grids, fewer samples);
the default times the full run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine, write_report, write_table


def run_reproduce(quick: bool, env: dict) -> tuple[float, dict]:
    """Wall time [s] of one ``cevnsjax reproduce --json`` and its results."""
    with tempfile.TemporaryDirectory(prefix="cevnsjax-reproduce-") as out:
        cmd = [sys.executable, "-m", "cevnsjax", "reproduce", "--out", str(Path(out) / "results"), "--json"]
        cmd += ["--quick"] if quick else []
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=3600)
        seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"cevnsjax reproduce failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return seconds, json.loads(proc.stdout)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time `reproduce --quick`")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "reproduce.json"))
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    base = {k: v for k, v in os.environ.items() if k not in ("CEVNSJAX_NO_CACHE", "CEVNSJAX_CACHE_DIR")}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), base.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="cevnsjax-cache-") as cache:
        env = {**base, "CEVNSJAX_CACHE_DIR": cache}
        cold, first = run_reproduce(args.quick, env)
        warm, second = run_reproduce(args.quick, env)
    command = "cevnsjax reproduce" + (" --quick" if args.quick else "")
    report = {
        "benchmark": "main job wall time",
        **machine(),
        "command": command,
        "cold_seconds": cold,
        "warm_seconds": warm,
        "same_summary": first.get("summary") == second.get("summary"),
        "load_average": os.getloadavg()[0],
    }
    write_report(report, args.out)
    if not args.no_readme:
        write_table(
            "reproduce",
            [
                f"| device / JAX | {report['device']} / {report['jax_version']} ({report['cpu_count']} cores) |",
                f"| `{command}`, cold compilation cache | {cold:.0f} s |",
                f"| … warm cache (second run) | {warm:.0f} s |",
            ],
        )
    return report


if __name__ == "__main__":
    main()
