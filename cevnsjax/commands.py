"""The verbs of the command line as library functions.

Each takes the parsed options (an :class:`argparse.Namespace` from
:func:`cevnsjax.cli_parser.build_parser`) and returns a JSON-able result dict;
:mod:`cevnsjax.cli` prints it, :mod:`cevnsjax.reproduce` composes them. Nothing
here prints or exits.
"""

from __future__ import annotations

import sys

DEFAULT_SCAN_RANGES = {"eps_ee_uV": (-1.0, 1.0), "eps_ee_dV": (-1.0, 1.0)}


def _experiments(args) -> list[str]:
    return list(args.experiment or ["conus-plus"])


def _setup(args, physics=None):
    """The analysis of each ``--experiment`` (combined when several), the shared
    parameters, and the loaded parts (:func:`cevnsjax.analyses.load_analyses`).
    Returns ``(experiment, params, analysis)``; ``experiment`` is the single
    experiment's arrays, ``None`` for a combination or a COHERENT data set."""
    from .analyses.registry import load_analyses

    analysis, params, parts = load_analyses(
        _experiments(args), overrides=dict(args.param), physics=physics, spectra=args.spectra, measured=args.measured,
        sigma_alpha=args.sigma_alpha, flux_normalisation=args.flux_normalisation)
    args._parts = parts
    return (parts[0].experiment if len(parts) == 1 else None), params, analysis


def predict(args) -> dict:
    import jax

    from .experiment import detector_threshold, load_experiment, read_experiment_spec
    from .parameters import make_params
    from .rates import detector_counts

    overrides = dict(args.param)
    names = _experiments(args)
    if len(set(names)) != len(names):
        raise ValueError(f"--experiment {next(n for n in names if names.count(n) > 1)!r} is given twice")
    if len(names) > 1:
        results = []
        for name in names:
            args.experiment = [name]
            results.append(predict(args))
        return {"experiments": results, "total": sum(r["total"] for r in results)}
    from .analyses.registry import coherent_names

    if names[0] in coherent_names():
        return _predict_data_set(names[0], overrides, args.flux_normalisation)
    spec = read_experiment_spec(names[0])
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
        experiment = load_experiment(names[0], flux_normalisation=mode)
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


def _predict_data_set(name: str, overrides: dict, flux_normalisation) -> dict:
    """Expected events of a data-release analysis (COHERENT): CEvNS at nominal
    nuisances in the analysis region, beside the backgrounds and the published
    Standard-Model prediction."""
    import numpy as np

    from .analyses.registry import load_analysis
    from .parameters import make_params

    part = load_analysis(name, flux_normalisation=flux_normalisation)
    a = part.analysis
    params = make_params(part.nominal, **overrides)
    components = {k: float(np.sum(v)) for k, v in a.components(a.precompute(params), a.nominal_nuisances()).items()}
    d = a.describe()
    return {"experiment": name, "title": d.get("experiment"), "analysis": d.get("analysis"), "region": d.get("region"),
            "total": float(a.predicted_cevns(params)), "components": components,
            "published_sm_prediction": d.get("published_sm_prediction"), "model": d.get("model"),
            "parameters": params.to_dict()}


def _analysis_info(args, analysis) -> dict:
    """Experiment(s), analysis kind, and whether the result is observed or expected (Asimov)."""
    infos = [p.info() for p in args._parts]
    if len(infos) == 1:
        return infos[0]
    return {"experiment": " + ".join(i["experiment"] for i in infos), "analysis": "combined",
            "result": "expected" if any(i["result"] == "expected" for i in infos) else "observed", "parts": infos}


def fit(args) -> dict:
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
        "predicted_at_best_fit": float(analysis.predicted(best.params)) if hasattr(analysis, "predicted") else None,
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
        if args.parameter == "sin2_theta_w" and None not in (lo, hi) and experiment is not None:
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


def limit(args) -> dict:
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
        if experiment is not None and "electron" in experiment.channels and hasattr(analysis, "expected"):
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


def scan(args) -> dict:
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


def sample(args) -> dict:
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


def exclusion(args) -> dict:
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
        result["plots"] = plots.exclusion_plot({f"{result['experiment']} ({result['analysis']})": result}, model=args.model,
                                               path=args.plot)
    return result


#: verb name -> handler
HANDLERS = {"predict": predict, "fit": fit, "limit": limit, "scan": scan, "exclusion": exclusion, "sample": sample}
