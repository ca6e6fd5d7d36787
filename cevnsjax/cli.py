"""Command-line interface: ``cevnsjax predict | fit | limit | scan | exclusion | sample | reproduce``.

Exit status: 0 on success, 2 on bad input (unknown experiment or parameter,
value out of range, malformed file, bad option), with a one-line message on
stderr naming the offending field. ``--json`` prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

DEFAULT_SCAN_RANGES = {"eps_ee_uV": (-1.0, 1.0), "eps_ee_dV": (-1.0, 1.0)}


def _parse_param(text: str) -> tuple[str, float]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--param expects NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--param {name}: value {value!r} is not a number") from None


def _build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--experiment", default="conus-plus", help="shipped experiment name or path to a .json file (default: conus-plus)")
    common.add_argument("--param", action="append", default=[], type=_parse_param, metavar="NAME=VALUE",
                        help="set a physics parameter (repeatable), e.g. --param quench_k=0.17")
    common.add_argument("--json", action="store_true", help="print one JSON object instead of text")

    analysis = argparse.ArgumentParser(add_help=False)
    analysis.add_argument("--measured", type=float, default=None, help="measured count N_meas (default: 395, seed paper)")
    analysis.add_argument("--sigma-alpha", type=float, default=None,
                          help="relative normalisation uncertainty σ_α (default: sqrt(0.024²+0.113²+0.263²), seed paper)")
    analysis.add_argument("--plot", default=None, metavar="FILE", help="write the figure to FILE (.png) and its .pdf twin")
    analysis.add_argument("--spectra", default=None, metavar="FILE",
                          help="ON/OFF spectra file for experiments with a spectral analysis (default: Asimov data at "
                               "the nominal parameters, i.e. the expected sensitivity)")

    parser = argparse.ArgumentParser(prog="cevnsjax", description="Differentiable CEvNS forward model and inference.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("predict", parents=[common], help="expected CEvNS counts per detector and in total")
    p.add_argument("--flux-normalisation", choices=["total_flux", "thermal_power"], default=None,
                   help="override the experiment file's flux normalisation")

    p = sub.add_parser("fit", parents=[common, analysis], help="best fit and profile interval of one parameter (counting χ²)")
    p.add_argument("parameter")
    p.add_argument("--cl", type=float, default=0.682689492137086, help="confidence level of the interval (default 0.6827)")

    p = sub.add_parser("limit", parents=[common, analysis], help="one-sided upper limit of one parameter (counting χ²)")
    p.add_argument("parameter")
    p.add_argument("--cl", type=float, default=0.9, help="confidence level (default 0.9)")

    p = sub.add_parser("scan", parents=[common, analysis], help="Δχ² on a 2D grid, with contours")
    p.add_argument("parameter_x")
    p.add_argument("parameter_y")
    p.add_argument("--range", nargs=4, type=float, metavar=("X0", "X1", "Y0", "Y1"), default=None,
                   help="scan limits (default ±1 for NSI couplings, else the parameter's range)")
    p.add_argument("--points", type=int, default=201, help="grid points per axis (default 201)")
    p.add_argument("--cl", type=float, nargs="+", default=[0.682689492137086, 0.9],
                   help="confidence levels of the contours, 2 dof (default 0.6827 0.9)")

    p = sub.add_parser("reproduce", help="run every analysis of the shipped data; write results.json and figures")
    p.add_argument("--out", default="results", metavar="DIR", help="output folder (default: results)")
    p.add_argument("--quick", action="store_true", help="coarser grids and fewer samples (a few minutes on 2 cores)")
    p.add_argument("--seed", type=int, default=0, help="seed of the posterior sampling (default 0)")
    p.add_argument("--json", action="store_true", help="print results.json to stdout instead of the summary table")

    p = sub.add_parser("exclusion", parents=[common, analysis], help="mediator coupling limits versus mass")
    p.add_argument("model", help="vector-universal, vector-bl or scalar")
    p.add_argument("--masses", nargs=3, type=float, default=[1e-3, 1e4, 50], metavar=("LO", "HI", "N"),
                   help="log-spaced masses [MeV] (default 1e-3 1e4 50, i.e. 1 keV to 10 GeV)")
    p.add_argument("--cl", type=float, default=0.9, help="confidence level (default 0.9)")

    p = sub.add_parser("sample", parents=[common, analysis],
                       help="Bayesian posterior of one or more parameters (NUTS or nested sampling, NumPyro)")
    p.add_argument("parameters", nargs="+", metavar="PARAM", help="parameters to sample (the others stay fixed)")
    p.add_argument("--chains", type=int, default=4, help="number of chains (default 4)")
    p.add_argument("--samples", type=int, default=2000, help="draws per chain after the warm-up (default 2000)")
    p.add_argument("--warmup", type=int, default=500, help="warm-up (adaptation) steps per chain (default 500)")
    p.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives identical samples (default 0)")
    p.add_argument("--prior", action="append", default=[], metavar="NAME=SPEC",
                   help="prior of a sampled parameter (repeatable): uniform (default: over its allowed range), "
                        "uniform:LO,HI, loguniform:LO[,HI] (LO > 0), gauss:MU,SIGMA (truncated to the allowed range)")
    p.add_argument("--dense-mass", action="store_true", help="adapt a full mass matrix (correlated parameters, e.g. NSI)")
    p.add_argument("--sampler", choices=["auto", "nuts", "nested"], default="auto",
                   help="NUTS, or nested sampling (jaxns: separated modes and the evidence); auto (default): nested "
                        "for the NSI plane eps_ee_uV × eps_ee_dV, whose two bands NUTS cannot cross, else NUTS")
    p.add_argument("--live-points", type=int, default=None,
                   help="live points of nested sampling (default 500 for the NSI plane, else 50 per dimension)")
    p.add_argument("--sample-nuisances", action="store_true",
                   help="sample the analysis' latent nuisances (the counting α) instead of integrating them out "
                        "analytically (same posterior, slower)")
    p.add_argument("--target-accept", type=float, default=0.8, help="NUTS target acceptance probability (default 0.8)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="write DIR/posterior.nc (ArviZ InferenceData, netCDF) and the corner plot DIR/corner.png/.pdf")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: on when stderr is a terminal)")
    return parser


def _setup(args, physics=None):
    """Experiment, parameters and the analysis objective: the seed's counting χ²
    for experiments without a spectral model, else the ON/OFF Poisson
    likelihood on ``--spectra`` or on Asimov data at the nominal parameters."""
    from .experiment import load_experiment, read_experiment_spec
    from .infer import SEED_MEASURED, SEED_SIGMA_ALPHA, counting_analysis
    from .infer.spectral import asimov_spectra, onoff_analysis, read_spectra
    from .parameters import make_params

    spec = read_experiment_spec(args.experiment)
    spectral = "background" in spec and all("exposure_off_kg_day" in d for d in spec["detectors"])
    if spectral:
        if args.measured is not None or args.sigma_alpha is not None:
            raise ValueError(f"--measured/--sigma-alpha belong to the counting analysis; experiment {spec['name']!r} "
                             "is analysed with its ON/OFF spectra (use --spectra FILE)")
        analysis = onoff_analysis(args.experiment, experiment_kwargs={"physics": physics} if physics else None)
        params = make_params(analysis.experiment.nominal(), **dict(args.param))
        if args.spectra:
            data = read_spectra(args.spectra, analysis.experiment)
            analysis = analysis.with_data(data["on"], data["off"])
        else:
            analysis = asimov_spectra(analysis, params)
        return analysis.experiment, params, analysis
    if args.spectra:
        raise ValueError(f"--spectra: experiment {spec['name']!r} has no spectral (ON/OFF) model; it uses the counting analysis")
    experiment = load_experiment(args.experiment, physics=physics)
    params = make_params(experiment.nominal(), **dict(args.param))
    measured = SEED_MEASURED if args.measured is None else args.measured
    sigma_alpha = SEED_SIGMA_ALPHA if args.sigma_alpha is None else args.sigma_alpha
    return experiment, params, counting_analysis(experiment, measured, sigma_alpha)


def _predict(args) -> dict:
    import jax

    from .experiment import detector_threshold, load_experiment, read_experiment_spec
    from .parameters import make_params
    from .rates import detector_counts

    overrides = dict(args.param)
    spec = read_experiment_spec(args.experiment)
    params = None
    totals: dict[str, float] = {}
    source = spec["source"]
    if source["type"] == "reactor":
        chosen = args.flux_normalisation or source["normalisation"]
        modes = [chosen] + [m for m in ("total_flux", "thermal_power") if m != chosen]
    else:  # tabulated, pion_dar: the source block fixes its normalisation
        modes = [None]
    result = None
    for mode in modes:
        if mode == "total_flux" and "total_flux_cm2_s" not in source:
            continue
        experiment = load_experiment(args.experiment, flux_normalisation=mode)
        if params is None:
            params = make_params(experiment.nominal(), **overrides)
        counts = jax.device_get(detector_counts(params, experiment))
        totals[mode or source.get("normalisation", source["type"])] = float(counts.sum())
        if result is None:
            result = {
                "experiment": experiment.name,
                "flux_normalisation": mode or source.get("normalisation", source["type"]),
                "total": float(counts.sum()),
                "detectors": [
                    {"name": name, "threshold": detector_threshold(det)[0], "threshold_unit": detector_threshold(det)[1],
                     **({"threshold_eVee": det["threshold_eVee"]} if "threshold_eVee" in det else {}),
                     "exposure_kg_day": det["exposure_kg_day"], "counts": float(c)}
                    for name, det, c in zip(experiment.detector_names, spec["detectors"], counts)
                ],
                "parameters": params.to_dict(),
            }
    result["total_by_flux_normalisation"] = totals
    return result


def _analysis_info(args, analysis) -> dict:
    if hasattr(analysis, "measured"):
        return {"experiment": analysis.experiment.name, "analysis": "counting", "measured": float(analysis.measured),
                "sigma_alpha": float(analysis.sigma_alpha)}
    return {"experiment": analysis.experiment.name, "analysis": "on-off spectral",
            "data": args.spectra or "asimov at the nominal parameters (expected sensitivity)"}


def _fit(args) -> dict:
    import numpy as np

    from . import plots
    from .infer import check_names, fit, profile_chi2, profile_interval

    check_names([args.parameter])
    experiment, params, analysis = _setup(args)
    best = fit(analysis, params, (args.parameter,))
    interval = profile_interval(analysis, best, args.parameter, cl=args.cl)
    result = {
        "parameter": args.parameter, "best_fit": interval.best_fit, "interval_68": [interval.low, interval.high],
        "cl": args.cl, "delta_chi2_level": interval.level, "hessian_error": interval.hessian_error,
        "chi2_min": interval.chi2_min, "converged": best.converged,
        "predicted_at_best_fit": float(analysis.predicted(best.params)),
        **_analysis_info(args, analysis), "parameters": best.params.to_dict(),
    }
    if args.cl != 0.682689492137086:
        result["interval"] = result.pop("interval_68")
    if args.plot:
        lo, hi = interval.low, interval.high
        width = (hi - lo) if None not in (lo, hi) else 4 * interval.hessian_error
        xs = np.linspace(interval.best_fit - 1.6 * width, interval.best_fit + 1.6 * width, 401)
        spec_lo, spec_hi = _range(args.parameter)
        xs = xs[(xs >= spec_lo) & (xs <= spec_hi)]
        dchi2 = profile_chi2(analysis, best.params, args.parameter, xs) - best.chi2_min
        reference = (0.255, 0.047, "seed paper: 0.255 ± 0.047") if args.parameter == "sin2_theta_w" else None
        result["plots"] = plots.profile_plot(xs, dchi2, xlabel=plots.label(args.parameter), interval=(lo, hi),
                                             best_fit=interval.best_fit, reference=reference, path=args.plot)
        if args.parameter == "sin2_theta_w" and None not in (lo, hi):
            from pathlib import Path

            from .datafiles import data_path
            from .rates import mean_momentum_transfer

            q_gev = float(mean_momentum_transfer(best.params, experiment)) / 1e3
            running = Path(args.plot).with_name(Path(args.plot).stem + "_running.png")
            result["momentum_transfer_GeV"] = q_gev
            result["plots"] += plots.running_plot(data_path("weak_mixing_angle_measurements.json"), interval.best_fit,
                                                  lo, hi, conus_q_gev=q_gev, path=running)
    return result


def _range(name):
    from .parameters import PARAMETERS
    return PARAMETERS[name].lower, PARAMETERS[name].upper


def _limit(args) -> dict:
    import numpy as np

    from . import plots
    from .infer import check_names, profile_chi2, upper_limit

    check_names([args.parameter])

    experiment, params, analysis = _setup(args)
    result = upper_limit(analysis, params, args.parameter, cl=args.cl)
    result.update(_analysis_info(args, analysis))
    if args.plot and result["upper_limit"] is not None:
        lo, _ = _range(args.parameter)
        xs = np.linspace(lo, 1.5 * result["upper_limit"], 301)
        dchi2 = profile_chi2(analysis, params, args.parameter, xs) - result["chi2_min"]
        reference = (5.3e-10, None, r"seed paper: $5.3\times10^{-10}\,\mu_B$") if args.parameter == "mu_nu" else None
        result["plots"] = plots.profile_plot(
            xs, dchi2, xlabel=plots.label(args.parameter), best_fit=result["upper_limit"],
            levels=((result["delta_chi2_level"], f"{100 * args.cl:g} % CL (Δχ² = {result['delta_chi2_level']:.2f})"),),
            reference=reference, path=args.plot, marker_label=f"{100 * args.cl:g} % CL upper limit {result['upper_limit']:.3g}")
        if "electron" in experiment.channels and hasattr(analysis, "expected"):
            result["plots"] += _channel_plot(analysis, params, args.parameter, result["upper_limit"], args.plot)
    return result


def _channel_plot(analysis, params, name, limit, plot_path):
    """Nuclear and electron recoil spectra (summed over detectors) beside the
    background, at the nominal parameters and at the limit."""
    from pathlib import Path

    import numpy as np

    from . import plots, units
    from .rates import expected_counts_by_channel

    ex = analysis.experiment
    d = 0  # the detectors share their binning; sum over them
    n = int(np.asarray(ex.bin_mask[d]).sum())
    sm = expected_counts_by_channel(params, ex)
    at_limit = expected_counts_by_channel(params.replace(**{name: limit}), ex)
    bkg = np.asarray(analysis.expected(params, {})[0] - sum(sm.values())).sum(axis=0)[:n]
    components = {
        "nuclear recoils (SM)": np.asarray(sm["nuclear"]).sum(axis=0)[:n],
        "electron recoils (SM)": np.asarray(sm["electron"]).sum(axis=0)[:n],
        f"electron recoils, {name} = {limit:.3g}": np.asarray(at_limit["electron"]).sum(axis=0)[:n],
        "background (ON)": bkg,
    }
    path = Path(plot_path).with_name(Path(plot_path).stem + "_spectra.png")
    return plots.channel_spectra_plot(np.asarray(ex.bin_lo[d, :n]) / units.eV, np.asarray(ex.bin_hi[d, :n]) / units.eV,
                                      components, path=path, title=f"{ex.name}: signal channels, all detectors")


def _scan(args) -> dict:
    import numpy as np

    from . import plots
    from .infer import check_names, check_scan_range, contour_lines, delta_chi2_level, grid_scan
    from .parameters import ParameterError

    check_names([args.parameter_x, args.parameter_y])
    if args.points < 2:
        raise ParameterError(f"--points must be at least 2, got {args.points}")
    if args.range is None:
        (x0, x1), (y0, y1) = (DEFAULT_SCAN_RANGES.get(n, _range(n)) for n in (args.parameter_x, args.parameter_y))
    else:
        x0, x1, y0, y1 = args.range
    check_scan_range(args.parameter_x, x0, x1)
    check_scan_range(args.parameter_y, y0, y1)
    experiment, params, analysis = _setup(args)
    xs, ys = np.linspace(x0, x1, args.points), np.linspace(y0, y1, args.points)
    chi2 = grid_scan(analysis, params, args.parameter_x, xs, args.parameter_y, ys)
    dchi2 = chi2 - chi2.min()
    contours = {}
    for cl in args.cl:
        level = delta_chi2_level(cl, 2)
        contours[level] = (cl, contour_lines(xs, ys, dchi2, level))
    result = {
        "parameter_x": args.parameter_x, "parameter_y": args.parameter_y, "x": xs.tolist(), "y": ys.tolist(),
        "delta_chi2": dchi2.tolist(), "chi2_min_on_grid": float(chi2.min()), **_analysis_info(args, analysis),
        "contours": [{"cl": cl, "delta_chi2_level": level, "lines": [line.tolist() for line in lines]}
                     for level, (cl, lines) in contours.items()],
    }
    if args.plot:
        points, lines = [], []
        if {args.parameter_x, args.parameter_y} == {"eps_ee_uV", "eps_ee_dV"}:
            points.append((0.0, 0.0, "Standard Model"))
        result["plots"] = plots.contour_plot(xs, ys, dchi2, {lv: ls for lv, (_, ls) in contours.items()},
                                             xlabel=plots.label(args.parameter_x), ylabel=plots.label(args.parameter_y),
                                             points=points, lines=lines, path=args.plot)
    return result


def _sample(args) -> dict:
    from pathlib import Path

    import numpy as np

    from .infer import check_names
    from .infer.bayes import corner_plot, parse_prior, posterior_predictive, sample_posterior
    from .infer.bayes.io import nan_to_none
    from .parameters import ParameterError

    check_names(args.parameters)
    repeated = sorted({n for n in args.parameters if args.parameters.count(n) > 1})
    if repeated:
        raise ParameterError(f"parameter {repeated[0]!r} is given twice")
    for option, value, least in (("--chains", args.chains, 1), ("--samples", args.samples, 1), ("--warmup", args.warmup, 0)):
        if value < least:
            raise ParameterError(f"{option} must be at least {least}, got {value}")
    priors = {name: None for name in args.parameters}
    for text in args.prior:
        name, sep, spec = (s.strip() for s in text.partition("="))
        if not sep:
            raise ParameterError(f"--prior expects NAME=SPEC (e.g. mu_nu=loguniform:1e-12), got {text!r}")
        check_names([name])
        if name not in priors:
            raise ParameterError(f"--prior {name}: {name!r} is not sampled (sampled: {', '.join(args.parameters)})")
        priors[name] = parse_prior(spec, name)
    experiment, params, analysis = _setup(args)
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    from .infer.bayes import NSI_PLANE, band_masses, nsi_gap_line, sample_nested

    nsi = set(NSI_PLANE) <= set(args.parameters)
    sampler = args.sampler if args.sampler != "auto" else ("nested" if nsi else "nuts")
    analytic = not args.sample_nuisances
    if sampler == "nested":
        if args.live_points is not None and args.live_points < 2:
            raise ParameterError(f"--live-points must be at least 2, got {args.live_points}")
        posterior = sample_nested(analysis, params, priors, live_points=args.live_points or (500 if nsi else None),
                                  draws=args.chains * args.samples, seed=args.seed, analytic=analytic)
    else:
        posterior = sample_posterior(analysis, params, priors, chains=args.chains, samples=args.samples,
                                     warmup=args.warmup, seed=args.seed, progress_bar=progress,
                                     dense_mass=args.dense_mass, target_accept=args.target_accept, analytic=analytic)
    predictive = posterior_predictive(posterior, analysis, params, seed=args.seed)
    replicated, observed, what = _predictive_totals(analysis, predictive)
    result = {
        "parameters": {n: {k: nan_to_none(v) for k, v in entry.items()} for n, entry in posterior.summary().items()},
        "divergences": posterior.divergences,
        "settings": {**posterior.settings, "priors": {n: posterior.describe_prior(n) for n in posterior.names}},
        **_analysis_info(args, analysis),
        "posterior_predictive": {
            "statistic": what,
            "measured": observed,
            "predicted_median": float(np.median(np.sum(np.asarray(predictive["predicted"][0] if isinstance(
                predictive["predicted"], tuple) else predictive["predicted"]).reshape(posterior.chi2.size, -1), axis=1))),
            "replicated_interval_90": [float(v) for v in np.quantile(replicated, [0.05, 0.95])],
            "p_value": float(np.mean(replicated >= observed)),
        },
        "fixed_parameters": {k: v for k, v in params.to_dict().items() if k not in posterior.names},
        "files": [],
    }
    if posterior.evidence:
        result["evidence"] = {k: v for k, v in posterior.evidence.items() if k != "weighted"}
    if nsi and hasattr(analysis, "predicted"):
        line = nsi_gap_line(analysis, params)
        w = posterior.evidence["weighted"] if posterior.evidence else None
        masses = (band_masses(w["eps_ee_uV"], w["eps_ee_dV"], w["weight"], line) if w is not None else
                  band_masses(posterior.flat("eps_ee_uV"), posterior.flat("eps_ee_dV"), None, line))
        result["nsi_band_masses"] = {**masses, "gap_line": {"eps_ee_uV_at_eps_ee_dV_0": line[0], "slope": line[1]}}
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        posterior.to_inference_data(predictive).to_netcdf(str(out / "posterior.nc"))
        result["files"].append(str(out / "posterior.nc"))
    plot = args.plot or (str(Path(args.out) / "corner.png") if args.out else None)
    if plot:
        result["plots"] = corner_plot(posterior, plot)
    return result


def _predictive_totals(analysis, predictive):
    """Replicated and observed values of the posterior-predictive check: the
    count of a counting analysis, the total ON count of a spectral one."""
    import numpy as np

    rep, obs = predictive["replicated"], predictive["observed"]
    if isinstance(rep, tuple):
        mask = np.asarray(analysis.experiment.bin_mask)
        n = rep[0].shape[0] * rep[0].shape[1]
        return ((np.asarray(rep[0]) * mask).reshape(n, -1).sum(axis=1), float(np.sum(np.asarray(obs[0]) * mask)),
                "total ON counts")
    return np.asarray(rep).ravel(), float(obs), "measured count"


def _exclusion(args) -> dict:
    import numpy as np

    from . import plots
    from .infer.exclusion import exclusion_curve, model_parameters

    _, _, physics = model_parameters(args.model)
    lo, hi, n = args.masses
    if not (0 < lo < hi) or n < 2 or n != int(n):
        raise ValueError(f"--masses: need 0 < LO < HI and an integer N >= 2, got {lo:g} {hi:g} {n:g}")
    g_name, m_name, _ = model_parameters(args.model)
    from .parameters import PARAMETERS
    spec = PARAMETERS[m_name]
    if not (spec.contains(lo) and spec.contains(hi)):
        raise ValueError(f"--masses: [{lo:g}, {hi:g}] MeV leaves the range of {m_name!r} {spec.range_text} MeV")
    experiment, params, analysis = _setup(args, physics=physics or None)
    result = exclusion_curve(analysis, params, args.model, np.geomspace(lo, hi, int(n)), cl=args.cl)
    result.update(_analysis_info(args, analysis))
    if args.plot:
        result["plots"] = plots.exclusion_plot({f"{experiment.name} ({result['analysis']})": result}, model=args.model,
                                               path=args.plot)
    return result


def _reproduce(args) -> dict:
    from .reproduce import reproduce

    return reproduce(args.out, quick=args.quick, seed=args.seed)


def _print_predict(result: dict) -> None:
    print(f"experiment: {result['experiment']}   (flux normalisation: {result['flux_normalisation']})")
    print(f"{'detector':<16}{'threshold':>18}{'exposure [kg d]':>18}{'CEvNS counts':>16}")
    for d in result["detectors"]:
        thr = f"{d['threshold']:g} {d['threshold_unit']}"
        print(f"{d['name']:<16}{thr:>18}{d['exposure_kg_day']:>18.2f}{d['counts']:>16.2f}")
    print(f"{'total':<16}{'':>18}{sum(d['exposure_kg_day'] for d in result['detectors']):>18.2f}{result['total']:>16.2f}")
    for mode, total in result["total_by_flux_normalisation"].items():
        print(f"  total with {mode} normalisation: {total:.2f}")
    print("parameters: " + ", ".join(f"{k}={v:g}" for k, v in result["parameters"].items()))


def _print_text(command: str, result: dict) -> None:
    if command == "predict":
        _print_predict(result)
        return
    if command == "reproduce":
        from .reproduce import print_summary

        print_summary(result)
        return
    if command == "fit":
        lo, hi = result.get("interval_68", result.get("interval"))
        fmt = (lambda v: "none" if v is None else f"{v:.5g}")
        print(f"{result['parameter']}: best fit {result['best_fit']:.5g}, {100 * result['cl']:.2f} % interval "
              f"[{fmt(lo)}, {fmt(hi)}] (Δχ² = {result['delta_chi2_level']:.3g}), parabolic error ± {result['hessian_error']:.3g}, "
              f"χ²_min = {result['chi2_min']:.4g}")
    elif command == "limit":
        ul = result["upper_limit"]
        print(f"{result['parameter']} < {'none within range' if ul is None else f'{ul:.4g}'} at {100 * result['cl']:g} % CL "
              f"(Δχ² = {result['delta_chi2_level']:.3f}; best fit {result['best_fit']:.4g})")
    elif command == "scan":
        print(f"scan {result['parameter_x']} × {result['parameter_y']}: {len(result['x'])} × {len(result['y'])} points, "
              f"χ²_min on grid {result['chi2_min_on_grid']:.4g}")
        for c in result["contours"]:
            print(f"  {100 * c['cl']:.2f} % CL (Δχ² = {c['delta_chi2_level']:.3f}): {len(c['lines'])} contour line(s)")
    elif command == "sample":
        s = result["settings"]
        fmt = (lambda v: "nan" if v is None else f"{v:.4g}")
        print(f"posterior ({s['sampler']}, {s['chains']} chains × {s['samples']} draws after {s['warmup']} warm-up, "
              f"seed {s['seed']}, {s['chain_method']}); divergences: {result['divergences']}")
        print(f"{'parameter':<20}{'mean':>11}{'median':>11}{'68 % HDI':>24}{'90 % HDI':>24}{'upper 90 %':>12}{'R-hat':>8}{'ESS':>8}")
        for name, e in result["parameters"].items():
            hdi = [f"[{fmt(e[k][0])}, {fmt(e[k][1])}]" for k in ("hdi_68", "hdi_90")]
            print(f"{name + (' (nuis.)' if e.get('nuisance') else ''):<20}{fmt(e['mean']):>11}{fmt(e['median']):>11}{hdi[0]:>24}{hdi[1]:>24}"
                  f"{fmt(e['upper_90']) if 'upper_90' in e else '':>12}{fmt(e['r_hat']):>8}{e['ess_bulk']:>8.0f}")
        for name, prior in s["priors"].items():
            print(f"  prior {name}: {prior}")
        pp = result["posterior_predictive"]
        lo, hi = pp["replicated_interval_90"]
        print(f"  posterior predictive ({pp['statistic']}): 90 % interval [{lo:.0f}, {hi:.0f}], observed {pp['measured']:g}, "
              f"P(replicated ≥ observed) = {pp['p_value']:.2f}")
        if "evidence" in result:
            ev = result["evidence"]
            print(f"  log evidence ln Z = {ev['log_evidence']:.3f} ± {ev['log_evidence_error']:.3f} "
                  f"({ev['likelihood_evaluations']:,} likelihood evaluations)")
        if "nsi_band_masses" in result:
            m = result["nsi_band_masses"]
            print(f"  NSI band masses: Standard-Model band {m['sm']:.3f}, flipped-sign band {m['flipped']:.3f}")
        for path in result["files"]:
            print(f"wrote {path}")
    elif command == "exclusion":
        print(f"{result['model']}: {100 * result['cl']:g} % CL coupling limits ({result['analysis']}, {result['experiment']}), "
              f"{result['forward_evaluations']:,} forward evaluations")
        for m, g, isl in zip(result["masses_MeV"], result["coupling_limits"], result["allowed_islands"]):
            extra = "" if not isl else "   allowed again in " + ", ".join(f"[{a:.3g}, {b:.3g}]" for a, b in isl)
            print(f"  m = {m:10.4g} MeV   g < {'none' if g is None else f'{g:.4g}'}{extra}")
    for path in result.get("plots", []):
        print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)

    from . import enable_x64
    from .experiment import ExperimentError
    from .parameters import ParameterError

    enable_x64()
    handlers = {"predict": _predict, "fit": _fit, "limit": _limit, "scan": _scan, "exclusion": _exclusion, "reproduce": _reproduce, "sample": _sample}
    try:
        result = handlers[args.command](args)
    except (ExperimentError, ParameterError, ValueError) as exc:
        print(f"cevnsjax {args.command}: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2, default=_jsonable))
    else:
        _print_text(args.command, result)
    return 0


def _jsonable(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return float(value)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
