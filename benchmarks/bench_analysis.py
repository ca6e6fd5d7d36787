"""CONUS+ χ² analysis benchmark: a full sin²θW fit with its interval, the μν
limit, and a 201 × 201 NSI scan; beside it the independent scipy reference
model evaluated point by point on a sub-grid and extrapolated to the full scan,
all in the same run.

    python benchmarks/bench_analysis.py [--quick] [--out benchmarks/results/analysis.json]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, best_time, conus_plus_counting, machine, write_report, write_table

import cevnsjax as cj
from cevnsjax import infer


def wall(fn, repeats: int) -> float:
    """Best wall time of a host-level workflow (fits/root finding return Python
    values, so each call already waits for its results); first call warms up."""
    fn()
    times = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="41 × 41 scan, 2 reference points, one repeat")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "analysis.json"))
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)

    experiment, params, analysis = conus_plus_counting()
    repeats = 1 if args.quick else 3
    points = 41 if args.quick else 201

    def sin2_fit():
        best = infer.fit(analysis, params, ("sin2_theta_w",))
        return infer.profile_interval(analysis, best, "sin2_theta_w")

    t_fit = wall(sin2_fit, repeats)
    interval = sin2_fit()
    t_limit = wall(lambda: infer.upper_limit(analysis, params, "mu_nu", cl=0.9), repeats)
    limit = infer.upper_limit(analysis, params, "mu_nu", cl=0.9)

    xs = np.linspace(-1, 1, points)
    t_scan = best_time(lambda: infer.grid_scan(analysis, params, "eps_ee_uV", xs, "eps_ee_dV", xs), repeats)
    n_scan = points * points

    from reference_model import reference_total_counts

    spec_path = str(cj.experiment.resolve_experiment_path("conus-plus"))
    sub = [(0.0, 0.0), (0.3, -0.2)] if args.quick else [(-0.5, 0.5), (0.0, 0.0), (0.3, -0.2), (0.8, -0.9)]
    t0 = time.perf_counter()
    ref_counts = [reference_total_counts(spec_path, eps_ee_uV=u, eps_ee_dV=d)["total"] for u, d in sub]
    t_ref_point = (time.perf_counter() - t0) / len(sub)
    model_counts = [float(cj.total_counts(params.replace(eps_ee_uV=u, eps_ee_dV=d), experiment)) for u, d in sub]

    report = {
        "benchmark": "CONUS+ counting chi2 analysis",
        **machine(),
        "sin2_fit_with_interval_seconds": t_fit,
        "sin2_best_fit": interval.best_fit,
        "sin2_interval_68": [interval.low, interval.high],
        "mu_nu_limit_seconds": t_limit,
        "mu_nu_limit_90": limit["upper_limit"],
        "nsi_scan_points": n_scan,
        "nsi_scan_seconds": t_scan,
        "nsi_scan_points_per_second": n_scan / t_scan,
        "reference_seconds_per_point": t_ref_point,
        "reference_points_timed": len(sub),
        "reference_scan_seconds_extrapolated": t_ref_point * n_scan,
        "scan_speedup_vs_reference": t_ref_point * n_scan / t_scan,
        "max_relative_difference_on_subgrid": max(
            abs(m - r) / r for m, r in zip(model_counts, ref_counts, strict=False)
        ),
    }
    write_report(report, args.out)
    if not args.no_readme:
        write_table(
            "analysis",
            [
                f"| device / JAX / float64 | {report['device']} / {report['jax_version']} / {report['float64']} "
                f"({report['cpu_count']} cores) |",
                f"| sin²θW fit + 68 % profile interval | {t_fit:.2f} s (best fit {interval.best_fit:.4f}) |",
                f"| μν 90 % CL limit | {t_limit:.2f} s ({limit['upper_limit']:.3g} μB) |",
                f"| NSI scan {points} × {points} (vmapped) | {t_scan:.2f} s ({n_scan / t_scan:,.0f} points/s) |",
                f"| scipy reference, per point ({len(sub)} timed) | {t_ref_point:.2f} s → "
                f"{t_ref_point * n_scan / 3600:.1f} h for the scan (extrapolated) |",
                f"| speed-up of the scan over the reference | {report['scan_speedup_vs_reference']:,.0f} × |",
                "| model vs reference on the sub-grid | max rel. diff "
                f"{report['max_relative_difference_on_subgrid']:.1e} |",
            ],
        )
    return report


if __name__ == "__main__":
    main()
