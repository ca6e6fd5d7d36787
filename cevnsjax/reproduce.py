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
    "full": {
        "nsi_points": 201,
        "coherent_nsi_points": 101,
        "masses": 50,
        "exclusion_experiments": ["conus-plus", "conus-run5"],
        "chains": 4,
        "samples": 2000,
        "warmup": 500,
    },
    "quick": {
        "nsi_points": 61,
        "coherent_nsi_points": 21,
        "masses": 15,
        "exclusion_experiments": ["conus-plus", "conus-run5"],
        "chains": 2,
        "samples": 500,
        "warmup": 300,
    },
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
    results["mu_nu_limit"] = run(
        "μν limit (CEvNS)", ["limit", "mu_nu", "--cl", "0.9", "--plot", str(out / "mu_nu.png")]
    )
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
            results["exclusions"][key] = run(
                f"exclusion {model} ({experiment})",
                [
                    "exclusion",
                    model,
                    "--experiment",
                    experiment,
                    *masses,
                    "--plot",
                    str(out / f"exclusion_{experiment}_{model}.png"),
                ],
            )

    results["conus_sensitivity"] = {
        "mu_nu": run(
            "conus-run5 μν sensitivity (electron channel, Asimov)",
            ["limit", "mu_nu", "--experiment", "conus-run5", "--plot", str(out / "run5_mu_nu.png")],
        ),
        "q_nu": run(
            "conus-run5 q_ν sensitivity (electron channel, Asimov)",
            ["limit", "q_nu", "--one-sided", "--experiment", "conus-run5", "--plot", str(out / "run5_q_nu.png")],
        ),
    }

    sample_opts = [
        "--chains",
        str(settings["chains"]),
        "--samples",
        str(settings["samples"]),
        "--warmup",
        str(settings["warmup"]),
        "--seed",
        str(seed),
    ]
    results["posteriors"] = {
        "sin2_theta_w": run(
            "posterior of sin²θW (NUTS)",
            ["sample", "sin2_theta_w", *sample_opts, "--out", str(out / "posterior_sin2_theta_w")],
        ),
        "mu_nu": run(
            "posterior of μν (NUTS)", ["sample", "mu_nu", *sample_opts, "--out", str(out / "posterior_mu_nu")]
        ),
    }
    results["seed_figures"] = _seed_figures(out, results, nsi_grid, steps)
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
    figure = plots.nsi_comparison_plot(
        u,
        d,
        [
            ("COHERENT CsI 2017 + LAr 2020", grid["coherent"]["delta_chi2"], "#2e6db4", True),
            ("CONUS+ (347 kg d, counting)", grid["conus-plus"]["delta_chi2"], plots.CONUS_COLOR, True),
            ("combined", grid["combined"]["delta_chi2"], "black", False),
        ],
        path=out / "nsi_coherent.png",
        title="Vector NSI from observed data; ε_μμ fixed to 0",
        note="COHERENT: public data releases\n(Zenodo 1228631, 3903810)\nΔχ² < 4.61 (2 d.o.f.), each data set\n"
        "relative to its own minimum",
    )
    atomic_write_text(out / "nsi_coherent_grid.json", dumps_strict(grid, indent=None))
    seconds = time.perf_counter() - t0
    steps.append(
        {
            "step": "NSI plane with COHERENT",
            "command": f"cevnsjax.analyses.coherent_studies.nsi_ee_grid(n={n})",
            "seconds": round(seconds, 2),
        }
    )
    _log(f"    done in {seconds:.1f} s")
    return {
        "eps_mumu": grid["eps_mumu"],
        "grid_file": "nsi_coherent_grid.json",
        "plots": figure,
        **{
            k: {
                "allowed_fraction_90": grid[k]["allowed_fraction_90"],
                "best": grid[k]["best"],
                "chi2_min": grid[k]["chi2_min"],
            }
            for k in ("coherent", "conus-plus", "combined")
        },
    }


def _seed_figures(out: Path, results: dict, nsi_grid: dict, steps: list) -> dict:
    """The seed paper's three comparison figures with their overlays (running
    sin²θW, other experiments' μν limits, the NSI plane beside COHERENT) and the
    tables behind them as a HEPData submission (``hepdata/``, validated) with
    CSV files beside it (``hepdata_csv/``)."""
    import numpy as np

    from . import plots
    from .plots.style import context_text

    _log(f"[{len(steps) + 1}] seed figures and HEPData tables ...")
    t0 = time.perf_counter()
    ctx = context_text("CONUS+ counting analysis", "347 kg d", "observed")
    s2 = results["sin2_theta_w"]
    lo, hi = s2["interval"]
    q_gev = s2.get("momentum_transfer_GeV")
    if q_gev is None:
        from .experiment import load_experiment
        from .parameters import make_params
        from .rates import mean_momentum_transfer

        ex = load_experiment("conus-plus")
        q_gev = float(mean_momentum_transfer(make_params(ex.nominal(), sin2_theta_w=s2["best_fit"]), ex)) / 1e3
    files = []
    files += plots.running_figure(
        {"value": s2["best_fit"], "low": lo, "high": hi, "q_gev": q_gev},
        out / "fig1_running_sin2_theta_w.png",
        context=ctx,
    )
    limit = results["mu_nu_limit"]["upper_limit"]
    files += plots.mu_nu_limits_figure(limit, out / "fig2_mu_nu_limits.png", context=ctx)
    x, y = np.asarray(nsi_grid["x"]), np.asarray(nsi_grid["y"])
    dchi2 = np.asarray(nsi_grid["delta_chi2"]).T  # the scan's grid is [y, x]
    coherent = json.loads((out / results["nsi_coherent"]["grid_file"]).read_text())
    files += plots.nsi_figure(
        x,
        y,
        dchi2,
        out / "fig3_nsi.png",
        context=ctx + "; COHERENT CsI + LAr: ε_μμ fixed to 0",
        extra_regions=[
            (
                np.asarray(coherent["eps_ee_uV"]),
                np.asarray(coherent["eps_ee_dV"]),
                np.asarray(coherent["coherent"]["delta_chi2"]),
                "COHERENT CsI 2017 + LAr 2020 (public data)",
            )
        ],
    )
    out_info: dict = {"figures": [str(Path(f).relative_to(out)) for f in files]}
    try:
        import hepdata_lib  # noqa: F401
    except ImportError:
        out_info["hepdata"] = "skipped: hepdata_lib is not installed (pip install 'cevnsjax[publish]')"
    else:
        from .publish import grid_table, limits_table, profile_table, write_hepdata

        tables = [
            grid_table(
                "NSI plane, CONUS+",
                x,
                y,
                dchi2,
                x_name="eps_ee_uV",
                y_name="eps_ee_dV",
                location="fig3_nsi",
                description="CONUS+ counting analysis (seed Eq. 2): profile Delta chi^2 "
                "over (eps_ee_uV, eps_ee_dV), other parameters at their nominal values.",
            ),
            grid_table(
                "NSI plane, COHERENT CsI+LAr",
                coherent["eps_ee_uV"],
                coherent["eps_ee_dV"],
                np.asarray(coherent["coherent"]["delta_chi2"]),
                x_name="eps_ee_uV",
                y_name="eps_ee_dV",
                location="fig3_nsi",
                description="COHERENT CsI 2017 + LAr 2020 public data: profile Delta "
                "chi^2 over (eps_ee_uV, eps_ee_dV), eps_mumu fixed to 0.",
            ),
            limits_table(
                "Magnetic moment limits",
                ["CONUS+ counting (CEvNS), observed", "CONUS Run-5 electron channel, expected (Asimov)"],
                [limit, results["conus_sensitivity"]["mu_nu"]["upper_limit"]],
                quantity="mu_nu",
                units="mu_B",
                location="fig2_mu_nu_limits",
            ),
        ]
        sweep = results.get("mu_nu_profile")
        if sweep:
            tables.append(
                profile_table("mu_nu profile", sweep["x"], sweep["delta_chi2"], parameter="mu_nu", units="mu_B")
            )
        written = write_hepdata(
            out / "hepdata", tables, comment="cevnsjax reproduce: CONUS+ and COHERENT analyses of public data"
        )
        out_info["hepdata"] = {"folder": "hepdata", "valid": written["valid"], "files": len(written["files"])}
    seconds = time.perf_counter() - t0
    steps.append(
        {
            "step": "seed figures and HEPData tables",
            "command": "cevnsjax.reproduce._seed_figures",
            "seconds": round(seconds, 2),
        }
    )
    _log(f"    done in {seconds:.1f} s")
    return out_info


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
        rows.append(
            {
                "quantity": what,
                "cevnsjax": value,
                "published": published,
                "ratio": None if value is None else value / published,
            }
        )
    return rows


def print_summary(results: dict) -> None:
    print(f"{'quantity':<52}{'cevnsjax':>14}{'published':>14}{'ratio':>9}")
    for row in results["summary"]:
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.3f}"
        value = "none" if row["cevnsjax"] is None else f"{row['cevnsjax']:.4g}"
        print(f"{row['quantity']:<52}{value:>14}{row['published']:>14.4g}{ratio:>9}")
    post = results["posteriors"]["sin2_theta_w"]["parameters"]["sin2_theta_w"]
    print(
        f"posterior sin²θW: median {post['median']:.4f}, 68 % HDI [{post['hdi_68'][0]:.4f}, {post['hdi_68'][1]:.4f}], "
        f"R̂ {post['r_hat']:.3f}"
    )
    print(
        f"steps: {sum(s['seconds'] for s in results['steps']):.0f} s in all; results.json and "
        f"{len(results['figures'])} figure files written"
    )
