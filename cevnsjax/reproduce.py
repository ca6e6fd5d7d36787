"""``cevnsjax reproduce``: every analysis of the shipped data in one run.

Each step calls the same handler as its individual command (``predict``,
``fit``, ``limit``, ``scan``, ``exclusion``, ``sample``) with the same options,
so every number in ``results.json`` is the number that command prints. The
figures (PNG and PDF) and ``results.json`` go into the output folder; a summary
table compares each number with the published value it reproduces.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

#: Published values (seed paper 000, seed slides 004) the summary compares with.
PUBLISHED = {
    "sm_prediction": (356.0, "CONUS+ SM prediction [events], seed paper"),
    "sin2_theta_w": (0.255, "sin²θW best fit (± 0.047), seed paper"),
    "sin2_theta_w_halfwidth": (0.047, "sin²θW 1σ, seed paper"),
    "mu_nu_limit": (5.3e-10, "μν 90 % CL [μB], CEvNS, seed paper"),
    "run5_mu_nu": (4.39e-11, "μν 90 % CL [μB], CONUS electron channel, slides"),
    "run5_q_nu": (7.32e-13, "q_ν 90 % CL [e], CONUS electron channel, slides"),
}

SETTINGS = {
    "full": {"nsi_points": 201, "coherent_nsi_points": 101, "masses": 50, "exclusion_experiments": ["conus-plus", "conus-run5"],
             "chains": 4, "samples": 2000, "warmup": 500},
    "quick": {"nsi_points": 61, "coherent_nsi_points": 21, "masses": 15, "exclusion_experiments": ["conus-plus", "conus-run5"],
              "chains": 2, "samples": 500, "warmup": 300},
}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def reproduce(out_dir: str | Path, *, quick: bool = False, seed: int = 0) -> dict:
    """Run every analysis, write ``results.json`` and the figures into
    ``out_dir``; return the results."""
    from .cli_parser import build_parser
    from .commands import HANDLERS as handlers
    from .io import atomic_write_text, dumps_strict

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    settings = dict(SETTINGS["quick" if quick else "full"], seed=seed, mode="quick" if quick else "full")
    parser = build_parser()
    steps = []

    def run(title: str, argv: list[str]) -> dict:
        _log(f"[{len(steps) + 1}] {title} ...")
        t0 = time.perf_counter()
        args = parser.parse_args(argv)
        result = handlers[args.command](args)
        seconds = time.perf_counter() - t0
        steps.append({"step": title, "command": "cevnsjax " + " ".join(argv), "seconds": round(seconds, 2)})
        _log(f"    done in {seconds:.1f} s")
        return result

    results: dict = {"settings": settings}
    results["sm_prediction"] = run("CONUS+ Standard Model prediction", ["predict", "--experiment", "conus-plus"])
    results["sin2_theta_w"] = run("sin²θW fit", ["fit", "sin2_theta_w", "--plot", str(out / "sin2_theta_w.png")])
    results["mu_nu_limit"] = run("μν limit (CEvNS)", ["limit", "mu_nu", "--cl", "0.9", "--plot", str(out / "mu_nu.png")])
    n = str(settings["nsi_points"])
    nsi = run(f"NSI scan {n} × {n}", ["scan", "eps_ee_uV", "eps_ee_dV", "--points", n, "--plot", str(out / "nsi.png")])
    nsi_grid = {k: nsi.pop(k) for k in ("x", "y", "delta_chi2")}
    nsi["grid_file"] = "nsi_grid.json"
    atomic_write_text(out / "nsi_grid.json", json.dumps(nsi_grid))
    results["nsi"] = nsi
    results["nsi_coherent"] = _nsi_with_coherent(out, settings["coherent_nsi_points"], steps)

    masses = ["--masses", "1e-3", "1e4", str(settings["masses"])]
    results["exclusions"] = {}
    for experiment in settings["exclusion_experiments"]:
        for model in ("vector-universal", "vector-bl", "scalar"):
            key = f"{experiment}/{model}"
            results["exclusions"][key] = run(f"exclusion {model} ({experiment})", [
                "exclusion", model, "--experiment", experiment, *masses, "--plot", str(out / f"exclusion_{experiment}_{model}.png")])

    results["conus_sensitivity"] = {
        "mu_nu": run("conus-run5 μν sensitivity (electron channel, Asimov)",
                     ["limit", "mu_nu", "--experiment", "conus-run5", "--plot", str(out / "run5_mu_nu.png")]),
        "q_nu": run("conus-run5 q_ν sensitivity (electron channel, Asimov)",
                    ["limit", "q_nu", "--one-sided", "--experiment", "conus-run5", "--plot", str(out / "run5_q_nu.png")]),
    }

    sample_opts = ["--chains", str(settings["chains"]), "--samples", str(settings["samples"]),
                   "--warmup", str(settings["warmup"]), "--seed", str(seed)]
    results["posteriors"] = {
        "sin2_theta_w": run("posterior of sin²θW (NUTS)", ["sample", "sin2_theta_w", *sample_opts, "--out", str(out / "posterior_sin2_theta_w")]),
        "mu_nu": run("posterior of μν (NUTS)", ["sample", "mu_nu", *sample_opts, "--out", str(out / "posterior_mu_nu")]),
    }
    results["steps"] = steps
    results["summary"] = summary_rows(results)
    results["figures"] = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.suffix in (".png", ".pdf"))
    atomic_write_text(out / "results.json", dumps_strict(results, indent=1) + "\n")
    return results


def _nsi_with_coherent(out: Path, n: int, steps: list) -> dict:
    """Seed paper Fig. 3, computed: the CONUS+ band beside the COHERENT CsI 2017 +
    LAr 2020 region and their combination (ε_μμ fixed to 0), 90 % CL (2 d.o.f.)."""
    import numpy as np

    from . import plots
    from .analyses.coherent_studies import nsi_ee_grid
    from .io import atomic_write_text, dumps_strict

    _log(f"[{len(steps) + 1}] NSI plane with COHERENT CsI + LAr ({n} x {n}) ...")
    t0 = time.perf_counter()
    grid = nsi_ee_grid(n=n)
    u, d = np.asarray(grid["eps_ee_uV"]), np.asarray(grid["eps_ee_dV"])
    figure = plots.nsi_comparison_plot(u, d, [
        ("COHERENT CsI 2017 + LAr 2020", grid["coherent"]["delta_chi2"], "#2e6db4", True),
        ("CONUS+ (347 kg d, counting)", grid["conus-plus"]["delta_chi2"], plots.CONUS_COLOR, True),
        ("combined", grid["combined"]["delta_chi2"], "black", False)], path=out / "nsi_coherent.png",
        title="Vector NSI from observed data; ε_μμ fixed to 0",
        note="COHERENT: public data releases\n(Zenodo 1228631, 3903810)\nΔχ² < 4.61 (2 d.o.f.), each data set\n"
             "relative to its own minimum")
    atomic_write_text(out / "nsi_coherent_grid.json", dumps_strict(grid, indent=None))
    seconds = time.perf_counter() - t0
    steps.append({"step": "NSI plane with COHERENT", "command": f"cevnsjax.analyses.coherent_studies.nsi_ee_grid(n={n})",
                  "seconds": round(seconds, 2)})
    _log(f"    done in {seconds:.1f} s")
    return {"eps_mumu": grid["eps_mumu"], "grid_file": "nsi_coherent_grid.json", "plots": figure,
            **{k: {"allowed_fraction_90": grid[k]["allowed_fraction_90"], "best": grid[k]["best"],
                   "chi2_min": grid[k]["chi2_min"]} for k in ("coherent", "conus-plus", "combined")}}


def summary_rows(results: dict) -> list[dict]:
    """Rows (quantity, cevnsjax, published, ratio) of the summary table."""
    s2 = results["sin2_theta_w"]
    low, high = s2["interval"]
    ours = {
        "sm_prediction": results["sm_prediction"]["total"],
        "sin2_theta_w": s2["best_fit"],
        "sin2_theta_w_halfwidth": 0.5 * (high - low),
        "mu_nu_limit": results["mu_nu_limit"]["upper_limit"],
        "run5_mu_nu": results["conus_sensitivity"]["mu_nu"]["upper_limit"],
        "run5_q_nu": results["conus_sensitivity"]["q_nu"]["upper_limit"],
    }
    rows = []
    for key, value in ours.items():
        published, what = PUBLISHED[key]
        value = value if isinstance(value, (int, float)) else None  # an undefined end: no number to compare
        rows.append({"quantity": what, "cevnsjax": value, "published": published,
                     "ratio": None if value is None else value / published})
    return rows


def print_summary(results: dict) -> None:
    print(f"{'quantity':<52}{'cevnsjax':>14}{'published':>14}{'ratio':>9}")
    for row in results["summary"]:
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.3f}"
        value = "none" if row["cevnsjax"] is None else f"{row['cevnsjax']:.4g}"
        print(f"{row['quantity']:<52}{value:>14}{row['published']:>14.4g}{ratio:>9}")
    post = results["posteriors"]["sin2_theta_w"]["parameters"]["sin2_theta_w"]
    print(f"posterior sin²θW: median {post['median']:.4f}, 68 % HDI [{post['hdi_68'][0]:.4f}, {post['hdi_68'][1]:.4f}], "
          f"R̂ {post['r_hat']:.3f}")
    print(f"steps: {sum(s['seconds'] for s in results['steps']):.0f} s in all; results.json and "
          f"{len(results['figures'])} figure files written")
