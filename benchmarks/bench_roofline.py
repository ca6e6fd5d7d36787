"""Roofline benchmark: the cost of one CONUS+ evaluation in floating-point
operations (XLA's cost analysis of the compiled program), the evaluations per
second of each way of batching, the fraction of the machine's peak FLOP/s, and
the speed-up per evaluation over the independent scipy reference.

    python benchmarks/bench_roofline.py [--quick] [--out benchmarks/results/roofline.json]

* An *evaluation* is the counting χ² of the CONUS+ analysis at one parameter
  point (forward model → total counts → χ²), as the scans compute it.
* FLOPs: ``jax.jit(f).lower(...).compile().cost_analysis()["flops"]`` divided
  by the points in the program. XLA counts transcendental functions (exp, log,
  erf, pow) apart, in ``"transcendentals"``, not in ``"flops"``; both are
  reported. The CPU backend's counts are estimates of the HLO, not hardware
  counters.
* Peak FLOP/s: a float64 (and float32) n × n matrix product timed in the same
  run, 2n³ operations, best of several repeats: the practical peak of this
  machine for dense work as the same XLA build reaches it (not a data-sheet
  number).
* Reference: ``tests/reference_model.py::reference_total_counts`` on the same
  configuration, one call = one evaluation, timed in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, best_time, conus_plus_counting, machine, write_report, write_table

import cevnsjax as cj


def _cost(compiled) -> dict:
    cost = compiled.cost_analysis()
    if isinstance(cost, (list, tuple)):  # older JAX: one dict per program
        cost = cost[0]
    return {k: float(cost.get(k, 0.0)) for k in ("flops", "transcendentals", "bytes accessed")}


def peak_flops(n: int, dtype, repeats: int) -> dict:
    a = jnp.asarray(np.random.default_rng(0).standard_normal((n, n)), dtype=dtype)
    b = jnp.asarray(np.random.default_rng(1).standard_normal((n, n)), dtype=dtype)
    mm = jax.jit(jnp.dot)
    t = best_time(lambda: mm(a, b), repeats)
    return {"n": n, "dtype": str(jnp.dtype(dtype)), "seconds": t, "flops_per_second": 2.0 * n**3 / t}


def program(fn, args, points: int, repeats: int) -> dict:
    compiled = jax.jit(fn).lower(*args).compile()
    cost = _cost(compiled)
    t = best_time(lambda: compiled(*args), repeats)
    return {
        "points": points,
        "seconds": t,
        "evaluations_per_second": points / t,
        "flops_per_evaluation": cost["flops"] / points,
        "transcendentals_per_evaluation": cost["transcendentals"] / points,
        "bytes_accessed_per_evaluation": cost["bytes accessed"] / points,
        "flops_per_second": cost["flops"] / t,
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches, fewer repeats")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "roofline.json"))
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)

    experiment, params, analysis = conus_plus_counting()
    repeats = 2 if args.quick else 5
    batch = 1024 if args.quick else 4096
    side = 64 if args.quick else 256

    rng = np.random.default_rng(0)
    s2 = jnp.asarray(rng.uniform(0.2, 0.3, batch))
    k = jnp.asarray(rng.uniform(0.14, 0.2, batch))
    eu = jnp.asarray(rng.uniform(-0.5, 0.5, batch))
    ed = jnp.asarray(rng.uniform(-0.5, 0.5, batch))

    def all_batched(s2, k):
        full = jax.tree.map(lambda v: jnp.broadcast_to(v, (s2.shape[0], *jnp.shape(v))), params)
        return jax.vmap(analysis)(full.replace(sin2_theta_w=s2, quench_k=k))

    def scanned(name_a, name_b):
        return lambda a, b: jax.vmap(lambda x, y: analysis(params.replace(**{name_a: x, name_b: y})))(a, b)

    def grid(a, b):
        inner = jax.vmap(lambda x, y: analysis(params.replace(sin2_theta_w=x, quench_k=y)), in_axes=(0, None))
        return jax.vmap(inner, in_axes=(None, 0))(a, b)

    programs = {
        "single": program(lambda p: analysis(p), (params,), 1, repeats * 20),
        "all_fields_batched": program(all_batched, (s2, k), batch, repeats),
        "scanned_sin2_quench": program(scanned("sin2_theta_w", "quench_k"), (s2, k), batch, repeats),
        "scanned_nsi": program(scanned("eps_ee_uV", "eps_ee_dV"), (eu, ed), batch, repeats),
        "grid_sin2_quench": program(
            grid, (jnp.linspace(0.1, 0.4, side), jnp.linspace(0.12, 0.22, side)), side * side, repeats
        ),
    }
    n_mm = 1024 if args.quick else 2048
    peaks = {"float64": peak_flops(n_mm, jnp.float64, repeats), "float32": peak_flops(n_mm, jnp.float32, repeats)}
    peak64 = peaks["float64"]["flops_per_second"]

    from reference_model import reference_total_counts

    spec_path = str(cj.experiment.resolve_experiment_path("conus-plus"))
    times = []
    for _ in range(1 if args.quick else 3):
        t0 = time.perf_counter()
        ref = reference_total_counts(spec_path)
        times.append(time.perf_counter() - t0)
    t_ref = min(times)
    for p in programs.values():
        p["fraction_of_peak_float64"] = p["flops_per_second"] / peak64
        p["speedup_vs_reference"] = t_ref * p["evaluations_per_second"]
    full = programs["all_fields_batched"]
    report = {
        "benchmark": "roofline: FLOPs per evaluation, fraction of peak, speed-up over the reference",
        **machine(),
        "programs": programs,
        "peak": peaks,
        "reference_seconds_per_evaluation": t_ref,
        "reference_total": ref["total"],
        "model_total": float(cj.total_counts(params, experiment)),
        "aims": {
            "speedup_1e4_per_evaluation_fully_batched": full["speedup_vs_reference"] >= 1e4,
            "1e5_full_evaluations_per_second": full["evaluations_per_second"] >= 1e5,
        },
    }
    write_report(report, args.out)
    if not args.no_readme:
        write_table("roofline", table_rows(report))
    return report


LABELS = {
    "single": "one point (jit, no batch)",
    "all_fields_batched": "every field batched (vmap)",
    "scanned_sin2_quench": "only (sin²θW, k) batched",
    "scanned_nsi": "only (ε^u, ε^d) batched",
    "grid_sin2_quench": "(sin²θW, k) grid, nested vmap",
}


def table_rows(report: dict) -> list[str]:
    p64, p32 = report["peak"]["float64"], report["peak"]["float32"]
    rows = [
        f"| device / JAX / float64 | {report['device']} / {report['jax_version']} / {report['float64']} "
        f"({report['cpu_count']} cores) |",
        f"| peak (matmul {p64['n']}², same run) | {p64['flops_per_second'] / 1e9:.1f} GFLOP/s float64, "
        f"{p32['flops_per_second'] / 1e9:.1f} GFLOP/s float32 |",
        f"| scipy reference, one evaluation | {report['reference_seconds_per_evaluation']:.2f} s |",
    ]
    for key, p in report["programs"].items():
        rows.append(
            f"| {LABELS[key]} ({p['points']:,} points) | {p['evaluations_per_second']:,.0f} evaluations/s; "
            f"{p['flops_per_evaluation']:,.0f} FLOP + {p['transcendentals_per_evaluation']:,.0f} transcendentals per "
            f"evaluation; {p['flops_per_second'] / 1e9:.2f} GFLOP/s = {100 * p['fraction_of_peak_float64']:.1f} % of "
            "peak; "
            f"{p['speedup_vs_reference']:,.0f} × the reference |"
        )
    aims = report["aims"]
    rows.append(
        f"| aims (fully batched): ≥ 10⁴ × reference / ≥ 10⁵ evaluations/s | "
        f"{'met' if aims['speedup_1e4_per_evaluation_fully_batched'] else 'not met'} / "
        f"{'met' if aims['1e5_full_evaluations_per_second'] else 'not met'} |"
    )
    return rows


if __name__ == "__main__":
    main()
