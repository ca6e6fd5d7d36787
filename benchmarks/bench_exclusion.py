"""Exclusion-curve benchmark: one full curve (50 masses, 1 keV to 10 GeV) per
mediator model from the CONUS+ counting analysis and from the conus-run5
ON/OFF Asimov sensitivity, with the number of forward evaluations each took.

    python benchmarks/bench_exclusion.py [--quick] [--out benchmarks/results/exclusion.json]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine, write_report, write_table

import cevnsjax as cj
from cevnsjax import infer
from cevnsjax.infer.exclusion import MODELS, exclusion_curve
from cevnsjax.infer.spectral import asimov_spectra, onoff_analysis


def objective_for(experiment: str, physics: dict):
    if experiment == "conus-run5":
        analysis = onoff_analysis(experiment, experiment_kwargs={"physics": physics} if physics else None)
        params = cj.nominal_params(analysis.experiment)
        return asimov_spectra(analysis, params), params
    ex = cj.load_experiment(experiment, physics=physics or None)
    return infer.counting_analysis(ex), cj.nominal_params(ex)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 masses, conus-plus only")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "exclusion.json"))
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    cj.enable_x64()
    masses = np.geomspace(1e-3, 1e4, 10 if args.quick else 50)
    experiments = ["conus-plus"] if args.quick else ["conus-plus", "conus-run5"]
    runs = []
    for experiment in experiments:
        for model, (_, _, physics) in MODELS.items():
            objective, params = objective_for(experiment, physics)
            exclusion_curve(objective, params, model, masses[:2])  # warm-up: compiles
            t0 = time.perf_counter()
            result = exclusion_curve(objective, params, model, masses)
            seconds = time.perf_counter() - t0
            runs.append(
                {
                    "experiment": experiment,
                    "model": model,
                    "masses": len(masses),
                    "seconds": seconds,
                    "forward_evaluations": result["forward_evaluations"],
                    "evaluations_per_second": result["forward_evaluations"] / seconds,
                    "limit_at_1keV": result["coupling_limits"][0],
                    "limit_at_10GeV": result["coupling_limits"][-1],
                }
            )
    report = {"benchmark": "mediator exclusion curves", **machine(), "runs": runs}
    write_report(report, args.out)
    if not args.no_readme:
        write_table(
            "exclusion",
            [
                f"| device / JAX / float64 | {report['device']} / {report['jax_version']} / {report['float64']} "
                f"({report['cpu_count']} cores) |",
                *[
                    f"| {r['experiment']}, {r['model']} ({r['masses']} masses) | {r['seconds']:.1f} s, "
                    f"{r['forward_evaluations']:,} "
                    f"evaluations ({r['evaluations_per_second']:,.0f}/s); g < {r['limit_at_1keV']:.3g} at 1 keV, "
                    f"{r['limit_at_10GeV']:.3g} at 10 GeV |"
                    for r in runs
                ],
            ],
        )
    return report


if __name__ == "__main__":
    main()
