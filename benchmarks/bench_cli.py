"""Command-line start-up: the same ``cevnsjax predict`` (and ``cevnsjax fit
sin2_theta_w``) run twice in fresh processes sharing a fresh persistent
compilation cache — the first run compiles (cold), the second reads the
compiled programs back (warm) — and once more with the cache turned off
(``CEVNSJAX_NO_CACHE=1``) for comparison. The floor no command can go under,
a bare ``python -c "import jax"``, is timed in the same run.

    python benchmarks/bench_cli.py [--quick] [--out benchmarks/results/cli.json]
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

COMMAND = ["predict", "--experiment", "conus-plus", "--json"]
FIT_COMMAND = ["fit", "sin2_theta_w", "--experiment", "conus-plus", "--json"]


def import_floor(repeats: int) -> float:
    """Best wall time of a fresh ``python -c "import jax"`` [s]."""
    times = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import jax"], check=True, timeout=300)
        times.append(time.perf_counter() - t0)
    return min(times)


def run_cli(args, env) -> tuple[float, dict]:
    """Wall time of ``python -m cevnsjax ARGS`` in a new process, and its JSON output."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "cevnsjax", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"cevnsjax {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return seconds, json.loads(proc.stdout)


def cold_warm(args=COMMAND, repeats: int = 1) -> dict:
    """Cold (empty cache), warm (same cache) and uncached wall times [s]; the
    best of ``repeats`` for warm and uncached (cold is by nature once per cache)."""
    base = {k: v for k, v in os.environ.items() if k not in ("CEVNSJAX_NO_CACHE", "CEVNSJAX_CACHE_DIR")}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), base.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="cevnsjax-cache-") as cache:
        env = {**base, "CEVNSJAX_CACHE_DIR": cache}
        cold, first = run_cli(args, env)
        entries = sum(1 for p in Path(cache).rglob("*") if p.is_file())
        warm_runs = [run_cli(args, env) for _ in range(max(1, repeats))]
    off_runs = [run_cli(args, {**base, "CEVNSJAX_NO_CACHE": "1"}) for _ in range(max(1, repeats))]
    warm = min(t for t, _ in warm_runs)
    return {
        "command": "cevnsjax " + " ".join(args),
        "cold_seconds": cold,
        "warm_seconds": warm,
        "no_cache_seconds": min(t for t, _ in off_runs),
        "warm_over_cold": warm / cold,
        "cache_entries_written": entries,
        "same_output_warm_and_cold": all(out == first for _, out in warm_runs + off_runs),
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each (the default takes the best of three)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "cli.json"))
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 3
    result = cold_warm(repeats=repeats)
    result["import_jax_seconds"] = import_floor(repeats)
    result["fit"] = cold_warm(FIT_COMMAND, repeats=repeats)
    report = {"benchmark": "command-line start-up, persistent compilation cache", **machine(), **result}
    write_report(report, args.out)
    if not args.no_readme:
        write_table(
            "cli",
            [
                f"| device / JAX | {report['device']} / {report['jax_version']} ({report['cpu_count']} cores) |",
                f"| `{result['command']}`, cold cache | {result['cold_seconds']:.1f} s |",
                f"| … warm cache (second run) | {result['warm_seconds']:.1f} s "
                f"({100 * result['warm_over_cold']:.0f} % of cold) |",
                f"| … cache off (`CEVNSJAX_NO_CACHE=1`) | {result['no_cache_seconds']:.1f} s |",
                f"| `{result['fit']['command']}`, cold / warm cache | {result['fit']['cold_seconds']:.1f} s / "
                f"{result['fit']['warm_seconds']:.1f} s ({100 * result['fit']['warm_over_cold']:.0f} % of cold) |",
                f'| floor: `python -c "import jax"` | {result["import_jax_seconds"]:.2f} s |',
            ],
        )
    return report


if __name__ == "__main__":
    main()
