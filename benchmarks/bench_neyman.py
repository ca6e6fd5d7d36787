"""Feldman–Cousins benchmark: Neyman belts from vmapped toys for μν and sin²θW
on the CONUS+ counting analysis (N_meas = 395), and the coverage of the
Feldman–Cousins and Wilks intervals at two true values of each.

    python benchmarks/bench_neyman.py [--quick] [--out benchmarks/results/neyman.json]

Toy model, statistic and interval convention: ``cevnsjax/infer/neyman.py``.
Toys per second exclude compilation (the programs are compiled first).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, conus_plus_counting, machine, write_report, write_table

from cevnsjax import infer

CL68, CL90 = infer.neyman.DEFAULT_CLS


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="coarser belts, 2·10⁴ coverage toys")
    parser.add_argument("--toys", type=int, default=10_000, help="toys per grid point of the belts (≥ 10⁴)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "neyman.json"))
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)

    _experiment, params, analysis = conus_plus_counting()
    n_cov = 20_000 if args.quick else 200_000
    grids = {
        "mu_nu": np.linspace(0.0, 1.2e-9, 61 if args.quick else 241),
        "sin2_theta_w": np.linspace(0.10, 0.45, 71 if args.quick else 351),
    }
    report = {
        "benchmark": "Feldman-Cousins belts and coverage, CONUS+ counting chi2",
        **machine(),
        "toy_model": "alpha ~ N(0, sigma_alpha), N ~ Poisson(max(N_th (1 + alpha), 0))",
        "sigma_alpha": float(analysis.sigma_alpha),
        "observed": float(analysis.measured),
    }

    belts = {}
    for poi, values in grids.items():
        t0 = time.perf_counter()
        res = infer.feldman_cousins(analysis, params, poi, values, n_toys=args.toys)
        belts[poi] = {**res.as_dict(), "wall_seconds_with_compile": time.perf_counter() - t0}
    report["belts"] = belts
    report["profile_reference"] = {
        "sin2_theta_w_68": list(_profile_sin2(analysis, params)),
        "mu_nu_limit_90": infer.upper_limit(analysis, params, "mu_nu", cl=0.9)["upper_limit"],
    }

    cov = []
    for poi, true in (("mu_nu", 0.0), ("mu_nu", 4e-10), ("sin2_theta_w", 0.23857), ("sin2_theta_w", 0.30)):
        c = infer.coverage(analysis, params, poi, true, n_toys=n_cov, n_construction_toys=n_cov, seed=11)
        cov.append(c.as_dict())
    report["coverage"] = cov
    report["fc_within_1_percent"] = all(
        abs(c["feldman_cousins"][str(cl)] - cl) <= 0.01 for c in cov for cl in (CL68, CL90)
    )
    write_report(report, args.out)
    if not args.no_readme:
        write_table("neyman", table_rows(report))
    return report


def _profile_sin2(analysis, params):
    best = infer.fit(analysis, params, ("sin2_theta_w",))
    interval = infer.profile_interval(analysis, best, "sin2_theta_w")
    return interval.low, interval.high


def _fmt(pair, scale=1.0, digits=4):
    lo, hi = pair

    def f(v):
        return "—" if v is None else f"{v / scale:.{digits}g}"

    return f"[{f(lo)}, {f(hi)}]"


def table_rows(report: dict) -> list[str]:
    rows = [
        f"| device / JAX / float64 | {report['device']} / {report['jax_version']} / {report['float64']} "
        f"({report['cpu_count']} cores) |",
        f"| toy model | {report['toy_model']}, σ_α = {report['sigma_alpha']:.4f}; data N_meas = "
        f"{report['observed']:.0f} |",
    ]
    for poi, b in report["belts"].items():
        scale, unit = (1e-10, " × 1e-10 μB") if poi == "mu_nu" else (1.0, "")
        g = b["grid"]
        rows.append(
            f"| {poi} belt: {g[2]} grid points × {b['n_toys_per_point']:,} toys | {b['seconds']:.2f} s "
            f"({b['toys_per_second']:,.0f} toys/s; {b['wall_seconds_with_compile']:.1f} s with compilation) |"
        )
        for cl in (CL68, CL90):
            rows.append(
                f"| {poi} {100 * cl:.2f} % CL: Feldman–Cousins / Wilks{unit} | "
                f"{_fmt(b['feldman_cousins'][str(cl)], scale)} / {_fmt(b['wilks'][str(cl)], scale)} |"
            )
    ref = report["profile_reference"]
    rows.append(
        f"| profile-likelihood reference (infer.fit) | sin²θW 68 %: {_fmt(ref['sin2_theta_w_68'])}; "
        f"μν 90 % limit: {ref['mu_nu_limit_90'] / 1e-10:.3f} × 1e-10 μB |"
    )
    for c in report["coverage"]:
        fc = " / ".join(f"{100 * c['feldman_cousins'][str(cl)]:.2f} %" for cl in (CL68, CL90))
        wk = " / ".join(f"{100 * c['wilks'][str(cl)]:.2f} %" for cl in (CL68, CL90))
        err = " / ".join(f"{100 * c['mc_error'][str(cl)]:.2f}" for cl in (CL68, CL90))
        rows.append(
            f"| coverage at {c['parameter']} = {c['true_value']:g} ({c['n_toys']:,} toys; nominal 68.27 / 90 %) | "
            f"FC {fc}; Wilks {wk} (MC error {err} %) |"
        )
    rate = np.mean([c["toys_per_second"] for c in report["coverage"]])
    rows.append(
        f"| Feldman–Cousins coverage within 1 % of nominal everywhere | {report['fc_within_1_percent']} "
        f"(coverage toys: {rate:,.0f} toys/s) |"
    )
    return rows


if __name__ == "__main__":
    main()
