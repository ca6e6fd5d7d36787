"""Scale benchmark: million-point scans in a memory budget, which fields are
batched, full evaluations with every parameter varying, and sharding over two
(forced) host devices; all on the CONUS+ counting χ².

    python benchmarks/bench_scale.py [--quick] [--budget-mib 64] [--out benchmarks/results/scale.json]

* batching: the (ε^u, ε^d) and (sin²θW, k) planes, 201 × 201 points, under the
  same memory budget, with every parameter field batched ("all"), only the
  scanned fields batched ("scanned"), and one nested vmap per axis ("grid").
* full evaluations: a random scan in which every parameter of
  ``cevnsjax.PARAMETERS`` varies (the rate of complete forward-model + χ²
  evaluations, nothing shared between points).
* large grids: 1000 × 1000 (and 3163 × 3163 ≈ 10⁷ without ``--quick``) in
  sin²θW × quench_k, each in a fresh subprocess that reports its peak resident
  memory during the scan (Linux VmHWM, reset through /proc/self/clear_refs
  after a warm-up) against the bound RSS-before + budget + result array.
* sharding: the 10⁶ grid on one device and split over two host devices
  (``XLA_FLAGS=--xla_force_host_platform_device_count=2``, a subprocess), with
  the values compared bit for bit.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine, write_report, write_table

MiB = 1 << 20


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets the peak resident set size (VmHWM)
        return True
    except OSError:
        return False


def _setup():
    import cevnsjax as cj
    from cevnsjax import infer

    cj.enable_x64()
    experiment = cj.load_experiment("conus-plus")
    params = cj.nominal_params(experiment)
    return cj, infer, params, infer.counting_analysis(experiment)


def child_grid(n_side: int, budget: int, devices: int) -> dict:
    """One large sin²θW × k grid in this (fresh) process, with its memory."""
    _cj, infer, params, analysis = _setup()
    import jax

    axes = {"sin2_theta_w": np.linspace(0.1, 0.4, n_side), "quench_k": np.linspace(0.12, 0.22, n_side)}
    mesh = None
    if devices > 1:
        from cevnsjax import sharding

        mesh = sharding.device_mesh(jax.devices()[:devices])
    t0 = time.perf_counter()
    first = infer.grid_scan_nd(analysis, params, axes, max_memory_bytes=budget, mesh=mesh)
    first_seconds = time.perf_counter() - t0  # compiles (sizing and the call) and runs
    del first
    gc.collect()
    peak_with_compile = _status_kib("VmHWM") * 1024
    rss_before = _status_kib("VmRSS") * 1024
    reset = _reset_peak()
    res = infer.grid_scan_nd(analysis, params, axes, max_memory_bytes=budget, mesh=mesh)
    peak = _status_kib("VmHWM") * 1024
    output_bytes = res.values.nbytes
    bound = rss_before + budget + output_bytes
    out = {
        "points": res.n_points,
        "grid": [n_side, n_side],
        "devices": res.n_devices,
        "batching": res.batching,
        "seconds": res.seconds,
        "points_per_second": res.points_per_second,
        "first_call_seconds": first_seconds,
        "block_shape": list(res.block_shape),
        "blocks_per_call": res.blocks_per_call,
        "n_calls": res.n_calls,
        "bytes_per_point_measured": res.bytes_per_point,
        "call_memory_bytes_xla": res.call_memory_bytes,
        "max_memory_bytes": budget,
        "result_bytes": output_bytes,
        "rss_before_bytes": rss_before,
        "peak_rss_bytes": peak,
        "peak_reset": reset,
        "peak_with_compile_bytes": peak_with_compile,
        "bound_bytes": bound,
        "within_bound": bool(peak <= bound),
        "minimum": res.minimum,
        "best": res.best,
        "values_sha": __import__("hashlib").sha256(res.values.tobytes()).hexdigest(),
    }
    return out


def run_child(args: list[str], env_extra: dict | None = None, timeout: float = 900) -> dict:
    env = dict(os.environ)
    env.update(env_extra or {})
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"child {' '.join(args)} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def child_sharded(n_side: int, budget: int) -> dict:
    """In a process with 2 forced host devices: the grid on one device and on two."""
    _cj, infer, params, analysis = _setup()
    import jax

    from cevnsjax import sharding

    axes = {"sin2_theta_w": np.linspace(0.1, 0.4, n_side), "quench_k": np.linspace(0.12, 0.22, n_side)}
    mesh = sharding.device_mesh()
    out = {"devices_visible": len(jax.devices())}
    results = {}
    for label, m in (("one_device", None), ("two_devices", mesh)):
        infer.grid_scan_nd(analysis, params, axes, max_memory_bytes=budget, mesh=m)  # warm-up (compile)
        best = None
        for _ in range(3):
            r = infer.grid_scan_nd(analysis, params, axes, max_memory_bytes=budget, mesh=m)
            best = r if best is None or r.seconds < best.seconds else best
        results[label] = best
        out[label] = {
            "seconds": best.seconds,
            "points_per_second": best.points_per_second,
            "block_shape": list(best.block_shape),
            "blocks_per_call": best.blocks_per_call,
        }
    out["identical"] = bool(np.array_equal(results["one_device"].values, results["two_devices"].values))
    out["points"] = results["one_device"].n_points
    return out


def batching_comparison(cj, infer, params, analysis, budget: int, repeats: int) -> dict:
    e = np.linspace(-1.0, 1.0, 201)
    planes = {
        "nsi": {"eps_ee_uV": e, "eps_ee_dV": e},
        "sin2_quench": {"sin2_theta_w": np.linspace(0.1, 0.4, 201), "quench_k": np.linspace(0.12, 0.22, 201)},
    }
    out = {}
    for plane, axes in planes.items():
        out[plane] = {}
        ref = None
        for mode in ("all", "scanned", "grid"):
            infer.grid_scan_nd(analysis, params, axes, max_memory_bytes=budget, batching=mode)  # compile
            best = None
            for _ in range(repeats):
                r = infer.grid_scan_nd(analysis, params, axes, max_memory_bytes=budget, batching=mode)
                best = r if best is None or r.seconds < best.seconds else best
            ref = best.values if ref is None else ref
            out[plane][mode] = {
                "points": best.n_points,
                "seconds": best.seconds,
                "points_per_second": best.points_per_second,
                "block_shape": list(best.block_shape),
                "bytes_per_point_measured": best.bytes_per_point,
                "max_relative_difference_to_all": float(
                    np.max(np.abs(best.values - ref) / np.maximum(np.abs(ref), 1e-300))
                ),
            }
    return out


def full_evaluations(cj, infer, params, analysis, n: int, budget: int, repeats: int) -> dict:
    """Random scan with every parameter varying: complete evaluations per second."""
    ranges = {}
    for name, spec in cj.PARAMETERS.items():
        centre = float(getattr(params, name))
        width = 0.05 * (spec.upper - spec.lower)
        lo, hi = max(spec.lower, centre - width), min(spec.upper, centre + width)
        if spec.lower_open and lo <= spec.lower:
            lo = spec.lower + 1e-6 * (spec.upper - spec.lower)
        ranges[name] = (lo, hi)
    infer.random_scan(analysis, params, ranges, n, max_memory_bytes=budget)  # compile
    best = None
    for _ in range(repeats):
        r = infer.random_scan(analysis, params, ranges, n, max_memory_bytes=budget, keep_points=False)
        best = r if best is None or r.seconds < best.seconds else best
    return {
        "points": n,
        "parameters_varied": list(ranges),
        "seconds": best.seconds,
        "evaluations_per_second": best.points_per_second,
        "chunk_size": best.chunk_size,
        "bytes_per_point_measured": best.bytes_per_point,
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller problems, one repeat, no 10⁷ grid")
    parser.add_argument("--budget-mib", type=float, default=64.0, help="device working-set budget of every scan [MiB]")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "scale.json"))
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--child-grid", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-sharded", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--devices", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    budget = int(args.budget_mib * MiB)

    if args.child_grid:
        print(json.dumps(child_grid(args.child_grid, budget, args.devices)))
        return {}
    if args.child_sharded:
        print(json.dumps(child_sharded(args.child_sharded, budget)))
        return {}

    cj, infer, params, analysis = _setup()
    repeats = 1 if args.quick else 3
    report = {"benchmark": "scale: large scans, batching, sharding", **machine(), "max_memory_bytes": budget}
    report["batching"] = batching_comparison(cj, infer, params, analysis, budget, repeats)
    report["full_evaluations"] = full_evaluations(
        cj, infer, params, analysis, 10_000 if args.quick else 100_000, budget, repeats
    )
    sides = [200] if args.quick else [1000, 3163]
    report["large_grids"] = [run_child(["--child-grid", str(n), "--budget-mib", str(args.budget_mib)]) for n in sides]
    shard_side = 200 if args.quick else 1000
    report["sharding"] = run_child(
        ["--child-sharded", str(shard_side), "--budget-mib", str(args.budget_mib)],
        {"XLA_FLAGS": (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2").strip()},
    )
    write_report(report, args.out)
    if not args.no_readme:
        write_table("scale", table_rows(report))
    return report


def table_rows(report: dict) -> list[str]:
    mib = report["max_memory_bytes"] / MiB
    rows = [
        f"| device / JAX / float64 | {report['device']} / {report['jax_version']} / {report['float64']} "
        f"({report['cpu_count']} cores) |",
        f"| memory budget of every scan (`max_memory_bytes`) | {mib:.0f} MiB |",
    ]
    names = {"all": "every field batched", "scanned": "scanned fields batched", "grid": "nested vmap per axis"}
    for plane, label in (("nsi", "(ε^u, ε^d)"), ("sin2_quench", "(sin²θW, k)")):
        for mode, r in report["batching"][plane].items():
            rows.append(
                f"| {label} 201 × 201, {names[mode]} | {r['points_per_second']:,.0f} points/s "
                f"(block {'×'.join(map(str, r['block_shape']))}, {r['bytes_per_point_measured']:,.0f} B/point) |"
            )
    f = report["full_evaluations"]
    rows.append(
        f"| random scan, all {len(f['parameters_varied'])} parameters varying ({f['points']:,} points) | "
        f"{f['evaluations_per_second']:,.0f} evaluations/s |"
    )
    for g in report["large_grids"]:
        rows.append(
            f"| (sin²θW, k) grid {g['grid'][0]} × {g['grid'][1]} = {g['points']:,} points | {g['seconds']:.2f} s "
            f"({g['points_per_second']:,.0f} points/s; first call with compilation {g['first_call_seconds']:.1f} s) |"
        )
        rows.append(
            f"| … peak resident memory during that scan | {g['peak_rss_bytes'] / MiB:,.0f} MiB ≤ bound "
            f"{g['bound_bytes'] / MiB:,.0f} MiB (RSS before {g['rss_before_bytes'] / MiB:,.0f} + budget {mib:.0f} "
            f"+ result {g['result_bytes'] / MiB:,.0f}): {'yes' if g['within_bound'] else 'NO'} |"
        )
    s = report["sharding"]
    rows.append(
        f"| {s['points']:,}-point grid, 1 vs 2 forced host devices | {s['one_device']['points_per_second']:,.0f} vs "
        f"{s['two_devices']['points_per_second']:,.0f} points/s; values identical: {s['identical']} |"
    )
    return rows


if __name__ == "__main__":
    main()
