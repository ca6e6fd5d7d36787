"""Run every benchmark script and write one report.

    python benchmarks/run_all.py [--quick] [--only forward scale ...] [--out benchmarks/results/report.json]

(with ``--only``, the other scripts' runs are taken from the previous report)

Every ``benchmarks/bench_*.py`` runs in its own subprocess (``--out
results/<name>.json``, plus ``--quick``/``--no-readme`` when given), so each
starts from a fresh JAX runtime; the script's wall time and peak resident
memory (``os.wait4``'s ``ru_maxrss``: the largest of the script and of any
process it started) are recorded beside its own JSON report. A failing script
is recorded (return code, the tail of its output, its log kept as
``results/<name>.log``) and the others still run.

The headline figures (matmul peak, full evaluations/s with every parameter
varying, gradients/s, single-call latency, the factored 10⁷-point grid, cold
and warm command-line starts) go to ``benchmarks/results.json`` and are printed
as a table, also written to the README's speed section.

The combined report (``results/report.json``) holds the machine (device, JAX
version, float64 flag, cores), every run, and a summary: evaluations per
second, speed-up over the scipy reference, FLOPs per evaluation and fraction
of the measured peak, the 10⁶-point scan with its memory, Feldman–Cousins
toys per second and coverage. The summary table in ``benchmarks/README.md``
(between ``<!-- BEGIN summary -->`` and ``<!-- END summary -->``) is
rewritten; each script rewrites its own table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import ROOT, write_table  # noqa: E402

MiB = 1 << 20


def discover(bench_dir: Path, only) -> list[Path]:
    scripts = sorted(bench_dir.glob("bench_*.py"))
    if only:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in only}
        missing = wanted - {s.stem for s in scripts}
        if missing:
            raise SystemExit(f"run_all: no benchmark script {', '.join(sorted(missing))} in {bench_dir}")
        scripts = [s for s in scripts if s.stem in wanted]
    return scripts


def run_one(script: Path, results_dir: Path, quick: bool, no_readme: bool, timeout: float) -> dict:
    name = script.stem
    out = results_dir / f"{name.removeprefix('bench_')}.json"
    log = results_dir / f"{name.removeprefix('bench_')}.log"
    cmd = [sys.executable, str(script), "--out", str(out)]
    cmd += ["--quick"] if quick else []
    cmd += ["--no-readme"] if no_readme else []
    if out.exists():
        out.unlink()  # a stale report must not pass for this run's
    load_before = os.getloadavg()[0]  # other work on a shared machine skews timings: recorded
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)  # rusage of this child (and its children)
        except KeyboardInterrupt:
            proc.kill()
            raise
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    run = {
        "command": " ".join(cmd),
        "returncode": proc.returncode,
        "wall_seconds": wall,
        "peak_rss_bytes": usage.ru_maxrss * 1024,  # Linux reports KiB
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "load_average_1min_before_after": [load_before, os.getloadavg()[0]],
        "json": str(out),
        "log": str(log),
    }
    if proc.returncode == 0 and out.exists():
        run["report"] = json.loads(out.read_text())
        log.unlink()  # kept only for failures
        run.pop("log")
    else:
        run["output_tail"] = log.read_text()[-3000:]
    return run


def _get(d, *keys, default=None):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d


def summarise(runs: dict) -> dict:
    """Headline numbers from whichever reports are present."""
    rep = {k.removeprefix("bench_"): v.get("report", {}) for k, v in runs.items()}
    s: dict = {}
    roof = rep.get("roofline", {})
    fwd = rep.get("forward", {})
    t_ref = roof.get("reference_seconds_per_evaluation") or fwd.get("reference_seconds_per_evaluation")
    s["reference_seconds_per_evaluation"] = t_ref
    rates = {}
    for key, p in (roof.get("programs") or {}).items():
        rates[f"roofline:{key}"] = p["evaluations_per_second"]
    if fwd:
        rates["forward:best_batch"] = fwd.get("best_evaluations_per_second")
    scale = rep.get("scale", {})
    for plane, modes in (scale.get("batching") or {}).items():
        for mode, r in modes.items():
            rates[f"scale:{plane}:{mode}"] = r["points_per_second"]
    if scale.get("full_evaluations"):
        rates["scale:random_all_parameters"] = scale["full_evaluations"]["evaluations_per_second"]
    for g in scale.get("large_grids") or []:
        rates[f"scale:grid_{g['points']}"] = g["points_per_second"]
    s["evaluations_per_second"] = {k: v for k, v in rates.items() if v}
    if t_ref:
        s["speedup_vs_reference"] = {k: v * t_ref for k, v in s["evaluations_per_second"].items()}
    if roof:
        s["flops"] = {
            k: {
                "flops_per_evaluation": p["flops_per_evaluation"],
                "transcendentals_per_evaluation": p["transcendentals_per_evaluation"],
                "fraction_of_peak_float64": p["fraction_of_peak_float64"],
            }
            for k, p in roof["programs"].items()
        }
        s["peak_flops_per_second"] = {k: v["flops_per_second"] for k, v in roof["peak"].items()}
    full = _get(roof, "programs", "all_fields_batched", "evaluations_per_second") or _get(
        scale, "full_evaluations", "evaluations_per_second"
    )
    if full and t_ref:
        s["aims"] = {
            "speedup_1e4_per_full_evaluation": full * t_ref >= 1e4,
            "1e5_full_evaluations_per_second": full >= 1e5,
        }
    million = [g for g in scale.get("large_grids") or [] if g["points"] >= 10**6]
    if million:
        s["large_scans"] = [
            {
                k: g[k]
                for k in (
                    "points",
                    "seconds",
                    "points_per_second",
                    "peak_rss_bytes",
                    "bound_bytes",
                    "within_bound",
                    "max_memory_bytes",
                )
            }
            for g in million
        ]
    if scale.get("sharding"):
        s["sharding"] = scale["sharding"]
    speed = rep.get("speed", {})
    if speed:
        s["headline"] = {
            "matmul_peak_float64_flops_per_second": speed["matmul_peak_float64"]["flops_per_second"],
            "full_evaluations_per_second": speed["full_evaluations"]["per_second"],
            **(
                {
                    "integrated_evaluations_per_second": speed["integrated_response"]["full_evaluations"]["per_second"],
                    "integrated_gradients_per_second": speed["integrated_response"]["gradients"]["per_second"],
                }
                if "integrated_response" in speed
                else {}
            ),
            "full_evaluations_per_gflops_of_peak": speed["full_evaluations"]["per_gflops_of_peak"],
            "gradients_per_second": speed["gradients"]["per_second"],
            "single_call_seconds": speed["single_call_seconds"],
            "factored_grid_points": speed["factored_grid"]["points"],
            "factored_grid_seconds": speed["factored_grid"]["seconds_warm"],
            "factored_grid_within_memory_bound": speed["factored_grid"]["within_bound"],
            "aims": speed["aims"],
        }
    cli = rep.get("cli", {})
    if cli:
        s["cli"] = {
            k: cli[k] for k in ("command", "cold_seconds", "warm_seconds", "no_cache_seconds", "warm_over_cold")
        }
        s["cli"]["aim_warm_below_half_of_cold"] = cli["warm_over_cold"] < 0.5
        if "fit" in cli:
            s["cli"]["fit"] = {k: cli["fit"][k] for k in ("command", "cold_seconds", "warm_seconds", "warm_over_cold")}
        if "import_jax_seconds" in cli:
            s["cli"]["import_jax_seconds"] = cli["import_jax_seconds"]
    rep_run = rep.get("reproduce", {})
    if rep_run:
        s["reproduce"] = {k: rep_run[k] for k in ("command", "cold_seconds", "warm_seconds", "same_summary")}
    ney = rep.get("neyman", {})
    if ney:
        s["feldman_cousins"] = {
            "toys_per_second": {poi: b["toys_per_second"] for poi, b in ney["belts"].items()},
            "coverage_within_1_percent": ney["fc_within_1_percent"],
        }
    return s


def summary_rows(report: dict) -> list[str]:
    m = report["machine"]
    rows = [
        f"| device / JAX / float64 | {m['device']} / {m['jax_version']} / {m['float64']} ({m['cpu_count']} cores) |"
    ]
    for name, run in report["runs"].items():
        status = "ok" if run["returncode"] == 0 else f"FAILED ({run['returncode']})"
        status += " (previous run)" if run.get("reused_from_previous_report") else ""
        load = run.get("load_average_1min_before_after", [float("nan")] * 2)
        rows.append(
            f"| `{name}.py` | {status}; {run['wall_seconds']:.0f} s wall, {run.get('cpu_seconds', 0):.0f} s CPU; "
            f"peak memory {run['peak_rss_bytes'] / MiB:,.0f} MiB; load average {load[0]:.1f} → {load[1]:.1f} |"
        )
    s = report["summary"]
    t_ref = s.get("reference_seconds_per_evaluation")
    if t_ref:
        rows.append(f"| scipy reference, one evaluation | {t_ref:.2f} s |")
    labels = {
        "roofline:all_fields_batched": "full evaluation, every field batched",
        "scale:random_all_parameters": "random scan, every parameter varying",
        "roofline:scanned_nsi": "only (ε^u, ε^d) batched",
        "scale:nsi:grid": "(ε^u, ε^d) 201² grid, nested vmap",
        "scale:sin2_quench:grid": "(sin²θW, k) 201² grid, nested vmap",
    }
    for key, label in labels.items():
        rate = s.get("evaluations_per_second", {}).get(key)
        if rate:
            sp = s.get("speedup_vs_reference", {}).get(key)
            rows.append(
                f"| {label} | {rate:,.0f} evaluations/s" + (f" ({sp:,.0f} × the reference)" if sp else "") + " |"
            )
    for g in s.get("large_scans", []):
        rows.append(
            f"| {g['points']:,}-point (sin²θW, k) grid | {g['seconds']:.2f} s; peak memory "
            f"{g['peak_rss_bytes'] / MiB:,.0f} MiB ≤ {g['bound_bytes'] / MiB:,.0f} MiB: {g['within_bound']} |"
        )
    if "flops" in s:
        f = s["flops"]["all_fields_batched"]
        rows.append(
            f"| FLOPs per full evaluation (XLA) / fraction of float64 peak | {f['flops_per_evaluation']:,.0f} "
            f"(+ {f['transcendentals_per_evaluation']:,.0f} transcendentals) / "
            f"{100 * f['fraction_of_peak_float64']:.1f} % "
            f"of {s['peak_flops_per_second']['float64'] / 1e9:.1f} GFLOP/s |"
        )
    if "sharding" in s:
        sh = s["sharding"]
        rows.append(f"| sharded scan, 2 forced host devices | values identical to one device: {sh['identical']} |")
    if "feldman_cousins" in s:
        fc = s["feldman_cousins"]
        rates = ", ".join(f"{k} {v:,.0f}" for k, v in fc["toys_per_second"].items())
        rows.append(f"| Feldman–Cousins toys/s; coverage within 1 % | {rates}; {fc['coverage_within_1_percent']} |")
    if "aims" in s:
        a = s["aims"]
        rows.append(
            f"| aims: ≥ 10⁴ × reference per full evaluation / ≥ 10⁵ full evaluations/s | "
            f"{'met' if a['speedup_1e4_per_full_evaluation'] else 'not met'} / "
            f"{'met' if a['1e5_full_evaluations_per_second'] else 'not met'} |"
        )
    return rows


def speed_rows(summary: dict) -> list[str]:
    """The headline table (README's speed section): one run, ratios to the matmul peak of that run."""
    rows = []
    h, c, r = summary.get("headline"), summary.get("cli"), summary.get("reproduce")
    if h:
        rows += [
            f"| float64 matmul peak (yardstick, same run) | {h['matmul_peak_float64_flops_per_second'] / 1e9:.1f} "
            "GFLOP/s |",
            f"| full evaluations/s, batched, every parameter varying (tabulated response, its four nuisances at the "
            f"table's values) | {h['full_evaluations_per_second']:,.0f} "
            f"({h['full_evaluations_per_gflops_of_peak']:,.0f} per GFLOP/s of peak) |",
            f"| gradients/s (every field), batched, tabulated response | {h['gradients_per_second']:,.0f} |",
            *(
                [
                    f"| the same with the response integrated (every field varying) | "
                    f"{h['integrated_evaluations_per_second']:,.0f} evaluations/s, "
                    f"{h['integrated_gradients_per_second']:,.0f} gradients/s |"
                ]
                if "integrated_evaluations_per_second" in h
                else []
            ),
            f"| single-call latency | {1e6 * h['single_call_seconds']:,.0f} µs |",
            f"| factored {h['factored_grid_points']:,}-point NSI χ² grid | {h['factored_grid_seconds']:.3f} s "
            f"(within its memory bound: {'yes' if h['factored_grid_within_memory_bound'] else 'NO'}) |",
        ]
    if c:
        rows.append(
            f"| `{c['command']}` cold / warm cache / cache off | {c['cold_seconds']:.1f} s / {c['warm_seconds']:.1f} "
            "s / "
            f"{c['no_cache_seconds']:.1f} s (warm = {100 * c['warm_over_cold']:.0f} % of cold) |"
        )
        if "fit" in c:
            f = c["fit"]
            rows.append(
                f"| `{f['command']}` cold / warm cache | {f['cold_seconds']:.1f} s / {f['warm_seconds']:.1f} s "
                f"(warm = {100 * f['warm_over_cold']:.0f} % of cold) |"
            )
        if "import_jax_seconds" in c:
            rows.append(f'| floor of any command: bare `python -c "import jax"` | {c["import_jax_seconds"]:.2f} s |')
    if r:
        rows.append(
            f"| `{r['command']}` wall time, cold / warm cache | {r['cold_seconds']:.0f} s / {r['warm_seconds']:.0f} s |"
        )
    return rows


def write_readme_speed(rows: list[str], readme: Path = ROOT / "README.md") -> bool:
    """Replace the table between ``<!-- BEGIN speed -->`` and ``<!-- END speed -->`` in the README."""
    text = readme.read_text()
    begin, end = "<!-- BEGIN speed -->", "<!-- END speed -->"
    if begin not in text or end not in text or not rows:
        return False
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    table = "\n".join(["| quantity | value |", "|---|---|", *rows])
    readme.write_text(f"{head}{begin}\n{table}\n{end}{tail}")
    return True


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to every script")
    parser.add_argument("--only", nargs="+", help="run only these scripts (e.g. forward scale)")
    parser.add_argument("--bench-dir", default=str(HERE))
    parser.add_argument("--results-dir", default=str(HERE / "results"))
    parser.add_argument("--out", default=None, help="combined report (default: RESULTS_DIR/report.json)")
    parser.add_argument("--no-readme", action="store_true", help="no script rewrites benchmarks/README.md or README.md")
    parser.add_argument(
        "--results-json",
        default=None,
        help="the headline figures (default: results.json beside RESULTS_DIR, i.e. benchmarks/results.json)",
    )
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args(argv)

    results_dir = Path(args.results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    out = Path(args.out) if args.out else results_dir / "report.json"
    runs = {}
    if args.only and out.exists():  # keep the other scripts' previous runs in the summary
        previous = json.loads(out.read_text()).get("runs", {})
        runs.update({name: {**run, "reused_from_previous_report": True} for name, run in previous.items()})
    for script in discover(Path(args.bench_dir), args.only):
        print(f"run_all: {script.name} …", file=sys.stderr, flush=True)
        runs[script.stem] = run_one(script, results_dir, args.quick, args.no_readme, args.timeout)
        r = runs[script.stem]
        print(
            f"run_all: {script.name}: rc={r['returncode']}, {r['wall_seconds']:.1f} s, "
            f"peak {r['peak_rss_bytes'] / MiB:,.0f} MiB",
            file=sys.stderr,
            flush=True,
        )

    from _common import machine

    import cevnsjax as cj  # the machine as the benchmarks see it (float64, as they enable it)

    cj.enable_x64()
    report = {"benchmark": "all", "quick": args.quick, "machine": machine(), "runs": runs, "summary": summarise(runs)}
    runs = dict(sorted(runs.items()))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["summary"], indent=2))
    headline = {
        "machine": report["machine"],
        "quick": args.quick,
        **{k: report["summary"][k] for k in ("headline", "cli", "reproduce") if k in report["summary"]},
    }
    results = Path(args.results_json) if args.results_json else results_dir.parent / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(headline, indent=2) + "\n")
    rows = speed_rows(report["summary"])
    print("\n".join(["| quantity | value |", "|---|---|", *rows]))
    if not args.no_readme:
        write_table("summary", summary_rows(report))
        write_readme_speed(rows)
    failed = [n for n, r in runs.items() if r["returncode"] != 0]
    if failed:
        print(f"run_all: failed: {', '.join(failed)}", file=sys.stderr)
    return report


if __name__ == "__main__":
    sys.exit(1 if any(r["returncode"] for r in main()["runs"].values()) else 0)
