"""Forward-model benchmark: CONUS+ totals, gradient, vmapped batches, and the
independent scipy reference on the same configuration, timed in one run.

    python benchmarks/bench_forward.py [--quick] [--out benchmarks/results/forward.json]

Writes a JSON report and rewrites the results table in benchmarks/README.md
(between the BEGIN/END markers). Every timing is taken after a warm-up call,
with ``block_until_ready``; the figure reported is the best of several repeats.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jax
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, best_time, machine, write_report, write_table

import cevnsjax as cj


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches, fewer repeats")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "forward.json"))
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite benchmarks/README.md")
    args = parser.parse_args(argv)

    cj.enable_x64()
    experiment = cj.load_experiment("conus-plus")
    params = cj.nominal_params(experiment)
    repeats = 3 if args.quick else 20

    forward = jax.jit(cj.total_counts)
    t_forward = best_time(lambda: forward(params, experiment), repeats * 10)
    gradient = jax.jit(jax.grad(cj.total_counts))
    t_grad = best_time(lambda: gradient(params, experiment), repeats * 10)

    batched = jax.jit(jax.vmap(cj.total_counts, in_axes=(0, None)))
    chunk = 10_000

    @jax.jit
    def chunked(batch):  # bounded memory: lax.map over chunks of vmapped evaluations
        return jax.lax.map(lambda p: cj.total_counts(p, experiment), batch, batch_size=chunk)

    sizes = [10**3, 10**4] if args.quick else [10**3, 10**4, 10**5, 10**6]
    batches = {}
    for n in sizes:
        rng = np.random.default_rng(0)
        batch = cj.params_grid(params, sin2_theta_w=rng.uniform(0.2, 0.3, n), quench_k=rng.uniform(0.14, 0.2, n))
        fn = (lambda b=batch: batched(b, experiment)) if n <= chunk else (lambda b=batch: chunked(b))
        t = best_time(fn, max(1, repeats // (1 if n <= 10**4 else 10)))
        batches[str(n)] = {
            "seconds": t,
            "evaluations_per_second": n / t,
            "method": "vmap" if n <= chunk else f"lax.map(batch_size={chunk}) of vmap",
        }

    from reference_model import reference_total_counts  # independent scipy/numpy implementation

    spec_path = str(cj.experiment.resolve_experiment_path("conus-plus"))
    t0 = time.perf_counter()
    ref = reference_total_counts(spec_path)
    t_ref = time.perf_counter() - t0
    model_total = float(forward(params, experiment))
    best_rate = max(b["evaluations_per_second"] for b in batches.values())

    report = {
        "benchmark": "forward model, conus-plus totals",
        **machine(),
        "quadrature": {"recoil_nodes": int(experiment.recoil.size), "response_nodes": experiment.response_nodes},
        "single_evaluation_seconds": t_forward,
        "gradient_seconds": t_grad,
        "gradient_to_forward_ratio": t_grad / t_forward,
        "batches": batches,
        "best_evaluations_per_second": best_rate,
        "reference_seconds_per_evaluation": t_ref,
        "speedup_single_vs_reference": t_ref / t_forward,
        "speedup_batched_vs_reference": t_ref * best_rate,
        "model_total": model_total,
        "reference_total": ref["total"],
        "relative_difference_to_reference": abs(model_total - ref["total"]) / ref["total"],
    }
    write_report(report, args.out)
    if not args.no_readme:
        write_table("forward", table_rows(report))
    return report


def table_rows(report: dict) -> list[str]:
    rows = [
        f"| device / JAX / float64 | {report['device']} / {report['jax_version']} / {report['float64']} "
        f"({report['cpu_count']} cores) |",
        f"| quadrature (recoil × response nodes) | {report['quadrature']['recoil_nodes']} × "
        f"{report['quadrature']['response_nodes']} |",
        f"| one jitted evaluation | {report['single_evaluation_seconds'] * 1e6:.1f} µs |",
        f"| gradient (all parameters) | {report['gradient_seconds'] * 1e6:.1f} µs "
        f"({report['gradient_to_forward_ratio']:.2f} × forward) |",
    ]
    for n, b in report["batches"].items():
        rows.append(f"| batch of {int(n):,} ({b['method']}) | {b['evaluations_per_second']:,.0f} evaluations/s |")
    rows += [
        f"| scipy reference, one evaluation | {report['reference_seconds_per_evaluation']:.2f} s |",
        f"| speed-up over reference | {report['speedup_single_vs_reference']:,.0f} × single, "
        f"{report['speedup_batched_vs_reference']:,.0f} × batched |",
        f"| model vs reference total | {report['model_total']:.4f} vs {report['reference_total']:.4f} (rel. diff "
        f"{report['relative_difference_to_reference']:.1e}) |",
    ]
    return rows


if __name__ == "__main__":
    main()
