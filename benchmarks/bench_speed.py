"""Headline speed figures of one run, all against the float64 matrix-product
peak measured in the same process: full evaluations per second (batched, every
parameter varying), gradients per second, single-call latency, and the
factored 10⁷-point (ε^u_ee, ε^d_ee) χ² grid in bounded memory.

    python benchmarks/bench_speed.py [--quick] [--out benchmarks/results/speed.json]

* An *evaluation* is the counting χ² of the CONUS+ analysis at one parameter
  point (forward model → total counts → χ²), on the default path: the detector
  response tabulated (:func:`cevnsjax.rates.tabulate_response`).
* *Every parameter varying*: each field of :class:`~cevnsjax.Params` is drawn
  independently per point, within ±5 % of its nominal value (fields that are
  zero at nominal: within 10⁻⁴ of their allowed range, on the allowed side), so
  no stage of the model can be computed once per batch. On the tabulated path
  the four nuisances the table is built for (``TABLE_NUISANCES``: res_scale,
  fano, eff_shift_eVee, eff_width_scale) stay at the table's values, as in every
  fit or scan that does not vary them; energy_scale and quench_k vary. The
  integrated response, every field varying, is timed in the same run.
* *Gradient*: ∂χ²/∂(every field), one reverse-mode pass per point, batched
  (the best of several block sizes: small blocks keep the reverse pass in cache).
* *Factored grid*: :func:`cevnsjax.infer.grid_scan_nd` on a 3163 × 3163 grid
  (10⁷ points) with ``max_memory_bytes`` = 64 MiB; it factors the counts
  automatically (:mod:`cevnsjax.infer.factored`). Timed warm (second call:
  the quadratic form is rebuilt, its programs are not recompiled) and cold.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import fields
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, best_time, conus_plus_counting, machine, write_report, write_table
from bench_roofline import peak_flops

from cevnsjax import infer
from cevnsjax.parameters import PARAMETERS
from cevnsjax.rates import TABLE_NUISANCES

MiB = 1 << 20


def varied_params(params, n: int, seed: int = 0):
    """A batch of ``n`` parameter points with every field varying (see the module docstring)."""
    rng = np.random.default_rng(seed)
    values = {}
    for f in fields(params):
        spec = PARAMETERS[f.name]
        c = float(getattr(params, f.name))
        if c != 0.0:
            lo, hi = c - 0.05 * abs(c), c + 0.05 * abs(c)
        else:
            span = 1e-4 * (spec.upper - spec.lower)
            lo, hi = max(spec.lower, -span), min(spec.upper, span)
        lo, hi = max(lo, spec.lower), min(hi, spec.upper)
        values[f.name] = jnp.asarray(rng.uniform(lo, hi, n))
    return type(params)(**values)


def batched_rate(fn, batch, block: int, repeats: int) -> dict:
    """Points per second of ``fn`` (vmapped over a block) over the whole batch, block after block."""
    n = jax.tree.leaves(batch)[0].shape[0]
    blocks = [jax.tree.map(lambda v, i=i: v[i : i + block], batch) for i in range(0, n - block + 1, block)]
    step = jax.jit(jax.vmap(fn))

    def run():
        return [step(b) for b in blocks]

    t = best_time(run, repeats)
    return {"points": block * len(blocks), "block": block, "seconds": t, "per_second": block * len(blocks) / t}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches, fewer repeats, 10⁶-point grid")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "speed.json"))
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)

    _, params, analysis = conus_plus_counting()
    _, _, integrated = conus_plus_counting(tabulated=False)
    repeats = 2 if args.quick else 4
    peak = peak_flops(512 if args.quick else 1024, jnp.float64, repeats + 2)

    n = 2048 if args.quick else 16384
    every = varied_params(params, n)
    batch = every.replace(**{name: jnp.full(n, getattr(params, name)) for name in TABLE_NUISANCES})
    full = {str(b): batched_rate(analysis, batch, b, repeats) for b in (256, 1024)}
    best_full = max(full.values(), key=lambda r: r["per_second"])
    exact = batched_rate(integrated, every, 1024, max(1, repeats // 2))
    by_block = {str(b): batched_rate(jax.grad(analysis), batch, b, repeats) for b in (32, 128, 256)}
    grads = {**max(by_block.values(), key=lambda r: r["per_second"]), "by_block": by_block}
    exact_grads = batched_rate(jax.grad(integrated), every, 64, 1)

    single = jax.jit(lambda p: analysis(p))
    latency = best_time(lambda: single(params), 50 * repeats)

    side = 1000 if args.quick else 3163
    axes = {"eps_ee_uV": np.linspace(-0.5, 0.5, side), "eps_ee_dV": np.linspace(-0.5, 0.5, side)}
    budget = 64 * MiB
    t0 = time.perf_counter()
    infer.grid_scan_nd(analysis, params, axes, max_memory_bytes=budget)
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = infer.grid_scan_nd(analysis, params, axes, max_memory_bytes=budget)
        warm.append(time.perf_counter() - t0)
    check = float(analysis(params.replace(eps_ee_uV=axes["eps_ee_uV"][7], eps_ee_dV=axes["eps_ee_dV"][-3])))

    gflops = peak["flops_per_second"] / 1e9
    report = {
        "benchmark": "headline speed",
        **machine(),
        "matmul_peak_float64": peak,
        "full_evaluations": {
            **best_full,
            "by_block": full,
            "per_gflops_of_peak": best_full["per_second"] / gflops,
            "response": "tabulated",
        },
        "gradients": {**grads, "per_gflops_of_peak": grads["per_second"] / gflops, "response": "tabulated"},
        "integrated_response": {
            "full_evaluations": exact,
            "gradients": exact_grads,
            "note": "every field varying, response integrated at each call",
        },
        "single_call_seconds": latency,
        "factored_grid": {
            "points": res.n_points,
            "factored": res.notes.get("factored"),
            "seconds_warm": min(warm),
            "seconds_cold": cold,
            "max_memory_bytes": budget,
            "call_memory_bytes": res.call_memory_bytes,
            "within_bound": bool(res.call_memory_bytes is not None and res.call_memory_bytes <= budget),
            "relative_difference_to_full_model": abs(float(res.values[7, -3]) - check) / abs(check),
        },
        "aims": {
            "full_evaluations_3e5_per_second": best_full["per_second"] >= 3e5,
            "3000_evaluations_per_gflops": best_full["per_second"] / gflops >= 3000,
            "gradients_3e4_per_second": grads["per_second"] >= 3e4,
            "factored_1e7_grid_within_0.2_s": res.n_points >= 10**7 and min(warm) <= 0.2,
        },
    }
    write_report(report, args.out)
    if not args.no_readme:
        write_table("speed", rows(report))
    return report


def rows(r: dict) -> list[str]:
    f, g, s = r["full_evaluations"], r["gradients"], r["factored_grid"]
    return [
        f"| device / JAX / float64 | {r['device']} / {r['jax_version']} / {r['float64']} ({r['cpu_count']} cores) |",
        f"| float64 matmul peak (yardstick) | {r['matmul_peak_float64']['flops_per_second'] / 1e9:.1f} GFLOP/s |",
        f"| full evaluations/s, batched, every parameter varying (tabulated response) | {f['per_second']:,.0f} "
        f"({f['per_gflops_of_peak']:,.0f} per GFLOP/s of peak; blocks of {f['block']}) |",
        f"| gradients/s (all fields), batched | {g['per_second']:,.0f} ({g['per_gflops_of_peak']:,.0f} per GFLOP/s; "
        f"blocks of {g['block']}) |",
        f"| the same with the response integrated, every field varying | "
        f"{r['integrated_response']['full_evaluations']['per_second']:,.0f} evaluations/s, "
        f"{r['integrated_response']['gradients']['per_second']:,.0f} gradients/s |",
        f"| single-call latency | {1e6 * r['single_call_seconds']:,.0f} µs |",
        f"| factored {s['points']:,}-point (ε^u_ee, ε^d_ee) χ² grid | {s['seconds_warm']:.3f} s warm, "
        f"{s['seconds_cold']:.2f} s cold; {s['call_memory_bytes'] / MiB:.1f} MiB per call "
        f"≤ {s['max_memory_bytes'] / MiB:.0f} MiB |",
    ]


if __name__ == "__main__":
    main()
