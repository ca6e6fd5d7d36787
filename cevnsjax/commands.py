"""The verbs of the command line as library functions.

Each takes the parsed options (an :class:`argparse.Namespace` from
:func:`cevnsjax.cli_parser.build_parser`) and returns a JSON-able result dict;
:mod:`cevnsjax.cli` prints it, :mod:`cevnsjax.reproduce` composes them. Nothing
here prints or exits.
"""

from __future__ import annotations

DEFAULT_SCAN_RANGES = {"eps_ee_uV": (-1.0, 1.0), "eps_ee_dV": (-1.0, 1.0)}
MAX_SCAN_POINTS = 2001  # per axis: 4 million χ² evaluations at most


def _experiments(args) -> list[str]:
    return list(args.experiment or ["conus-plus"])


def _setup(args, physics=None):
    """The analysis of each ``--experiment`` (combined when several), the shared
    parameters, and the loaded parts (:func:`cevnsjax.analyses.load_analyses`).
    Returns ``(experiment, params, analysis)``; ``experiment`` is the single
    experiment's arrays, ``None`` for a combination or a COHERENT data set."""
    from .analyses.registry import load_analyses

    analysis, params, parts = load_analyses(
        _experiments(args),
        overrides=dict(args.param),
        physics=physics,
        spectra=args.spectra,
        measured=args.measured,
        sigma_alpha=args.sigma_alpha,
        flux_normalisation=args.flux_normalisation,
    )
    args._parts = parts
    return (parts[0].experiment if len(parts) == 1 else None), params, analysis


def predict(args) -> dict:
    """Expected counts of each ``--experiment`` (per detector and channel; ``--spectrum`` adds the bins)."""
    from .datafiles import COHERENT_NAMES
    from .prediction import predict_counts, predict_data_set

    overrides = dict(args.param)
    names = _experiments(args)
    if len(set(names)) != len(names):
        raise ValueError(f"--experiment {next(n for n in names if names.count(n) > 1)!r} is given twice")
    results = []
    for name in names:
        if name in COHERENT_NAMES:
            if args.flux_normalisation is not None:
                raise ValueError(
                    f"--flux-normalisation does not apply to {name!r} (a stopped-pion source, normalised "
                    "per proton on target)"
                )
            results.append(predict_data_set(name, overrides=overrides, spectrum=getattr(args, "spectrum", False)))
        else:
            results.append(
                predict_counts(
                    name,
                    overrides=overrides,
                    flux_normalisation=args.flux_normalisation,
                    spectrum=getattr(args, "spectrum", False),
                )
            )
    if len(results) == 1:
        return results[0]
    return {"experiments": results, "result": "expected", "unit": "events", "total": sum(r["total"] for r in results)}


def _analysis_info(args, analysis) -> dict:
    from .results import analysis_info

    return analysis_info(args._parts)


def fit(args) -> dict:
    import numpy as np

    from . import plots
    from .infer import check_names, profile_chi2
    from .results import check_cl, run_fit

    check_names([args.parameter])
    check_cl(args.cl)
    experiment, params, analysis = _setup(args)
    result = run_fit(
        analysis,
        params,
        args.parameter,
        cl=args.cl,
        method=args.method,
        info=_analysis_info(args, analysis),
        n_toys=args.toys,
    )
    if args.plot:
        best = params.replace(**result["parameters"])
        lo, hi = (v if isinstance(v, float) else None for v in result["interval"])
        x0 = result["best_fit"]
        herr = result["hessian_error"] if isinstance(result["hessian_error"], float) else 0.1 * (abs(x0) or 1.0)
        width = (hi - lo) if None not in (lo, hi) else 4 * herr
        xs = np.linspace(x0 - 1.6 * width, x0 + 1.6 * width, 401)
        spec_lo, spec_hi = _range(args.parameter)
        xs = xs[(xs >= spec_lo) & (xs <= spec_hi)]
        dchi2 = profile_chi2(analysis, best, args.parameter, xs)
        dchi2 = dchi2 - (result["chi2_min"] if isinstance(result["chi2_min"], float) else float(np.min(dchi2)))
        reference = (0.255, 0.047, "seed paper: 0.255 ± 0.047") if args.parameter == "sin2_theta_w" else None
        result["plots"] = plots.profile_plot(
            xs,
            dchi2,
            xlabel=plots.label(args.parameter),
            interval=(lo, hi),
            best_fit=x0,
            reference=reference,
            path=args.plot,
        )
        if args.parameter == "sin2_theta_w" and None not in (lo, hi) and experiment is not None:
            from pathlib import Path

            from .datafiles import data_path
            from .rates import mean_momentum_transfer

            q_gev = float(mean_momentum_transfer(best, experiment)) / 1e3
            running = Path(args.plot).with_name(Path(args.plot).stem + "_running.png")
            result["momentum_transfer_GeV"] = q_gev
            result["plots"] += plots.running_plot(
                data_path("weak_mixing_angle_measurements.json"), x0, lo, hi, conus_q_gev=q_gev, path=running
            )
    return result


def _range(name, *, inside: bool = False):
    """The allowed range of ``name``; ``inside=True`` moves open ends (k > 0) just inside."""
    from .parameters import PARAMETERS

    spec = PARAMETERS[name]
    lo, hi = spec.lower, spec.upper
    if inside:
        step = 1e-3 * (hi - lo)
        lo, hi = (lo + step if spec.lower_open else lo), (hi - step if spec.upper_open else hi)
    return lo, hi


def limit(args) -> dict:
    import numpy as np

    from . import plots
    from .infer import check_names, profile_chi2
    from .results import check_cl, run_limit

    check_names([args.parameter])
    check_cl(args.cl)
    experiment, params, analysis = _setup(args)
    result = run_limit(
        analysis,
        params,
        args.parameter,
        cl=args.cl,
        one_sided=True if args.one_sided else None,
        method=args.method,
        info=_analysis_info(args, analysis),
        n_toys=args.toys,
    )
    ul = result["upper_limit"] if isinstance(result["upper_limit"], float) else None
    if args.plot and ul is not None and result["interval_kind"] == "one-sided upper limit":
        lo, _ = _range(args.parameter)
        xs = np.linspace(lo, 1.5 * ul, 301)
        dchi2 = profile_chi2(analysis, params, args.parameter, xs) - result["chi2_min"]
        reference = (5.3e-10, None, r"seed paper: $5.3\times10^{-10}\,\mu_B$") if args.parameter == "mu_nu" else None
        result["plots"] = plots.profile_plot(
            xs,
            dchi2,
            xlabel=plots.label(args.parameter),
            best_fit=ul,
            levels=((result["delta_chi2_level"], f"{100 * args.cl:g} % CL (Δχ² = {result['delta_chi2_level']:.2f})"),),
            reference=reference,
            path=args.plot,
            marker_label=f"{100 * args.cl:g} % CL upper limit {ul:.3g}",
        )
        if experiment is not None and "electron" in experiment.channels and hasattr(analysis, "expected"):
            result["plots"] += _channel_plot(analysis, params, args.parameter, ul, args.plot)
    elif args.plot and ul is not None:
        lo, hi = result["interval"]
        lo = lo if isinstance(lo, float) else _range(args.parameter)[0]
        span = hi - lo
        xs = np.linspace(lo - 0.5 * span, hi + 0.5 * span, 301)
        xs = xs[(xs >= _range(args.parameter)[0]) & (xs <= _range(args.parameter)[1])]
        best = params.replace(**{args.parameter: result["best_fit"]})
        chi2_min = result["chi2_min"] if isinstance(result["chi2_min"], float) else float(analysis(best))
        dchi2 = profile_chi2(analysis, best, args.parameter, xs) - chi2_min
        result["plots"] = plots.profile_plot(
            xs,
            dchi2,
            xlabel=plots.label(args.parameter),
            interval=(lo, hi),
            best_fit=result["best_fit"],
            levels=((result["delta_chi2_level"] or 2.71, f"{100 * args.cl:g} % CL"),),
            path=args.plot,
        )
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
    return plots.channel_spectra_plot(
        np.asarray(ex.bin_lo[d, :n]) / units.eV,
        np.asarray(ex.bin_hi[d, :n]) / units.eV,
        components,
        path=path,
        title=f"{ex.name}: signal channels, all detectors",
    )


def scan(args) -> dict:
    import numpy as np

    from . import plots
    from .infer import check_names, check_scan_range
    from .parameters import ParameterError
    from .results import run_scan

    check_names([args.parameter_x, args.parameter_y])
    if args.parameter_x == args.parameter_y:
        raise ParameterError(
            f"scan needs two different parameters, got {args.parameter_x!r} twice; "
            "e.g. cevnsjax scan eps_ee_uV eps_ee_dV"
        )
    if not 2 <= args.points <= MAX_SCAN_POINTS:
        raise ParameterError(f"--points must be between 2 and {MAX_SCAN_POINTS}, got {args.points}")
    from .results import check_cl

    for cl in args.cl:
        check_cl(cl)
    if args.range is None:
        (x0, x1), (y0, y1) = (
            DEFAULT_SCAN_RANGES.get(n, _range(n, inside=True)) for n in (args.parameter_x, args.parameter_y)
        )
    else:
        x0, x1, y0, y1 = args.range
    check_scan_range(args.parameter_x, x0, x1)
    check_scan_range(args.parameter_y, y0, y1)
    _experiment, params, analysis = _setup(args)
    xs, ys = np.linspace(x0, x1, args.points), np.linspace(y0, y1, args.points)
    result = run_scan(
        analysis, params, args.parameter_x, xs, args.parameter_y, ys, cls=args.cl, info=_analysis_info(args, analysis)
    )
    dchi2 = np.asarray(result["delta_chi2"])
    contours = {c["delta_chi2_level"]: (c["cl"], [np.asarray(line) for line in c["lines"]]) for c in result["contours"]}
    if args.plot:
        points, lines = [], []
        if {args.parameter_x, args.parameter_y} == {"eps_ee_uV", "eps_ee_dV"}:
            points.append((0.0, 0.0, "Standard Model"))
        result["plots"] = plots.contour_plot(
            xs,
            ys,
            dchi2,
            {lv: ls for lv, (_, ls) in contours.items()},
            xlabel=plots.label(args.parameter_x),
            ylabel=plots.label(args.parameter_y),
            points=points,
            lines=lines,
            path=args.plot,
        )
    return result


def exclusion(args) -> dict:
    import numpy as np

    from . import plots
    from .infer.exclusion import exclusion_curve, model_parameters

    _, _, physics = model_parameters(args.model)
    lo, hi, n = args.masses
    if not (0 < lo < hi) or not 2 <= n <= 1000 or n != int(n):
        raise ValueError(f"--masses: need 0 < LO < HI and an integer 2 <= N <= 1000, got {lo:g} {hi:g} {n:g}")
    from .results import check_cl

    check_cl(args.cl)
    _g_name, m_name, _ = model_parameters(args.model)
    from .parameters import PARAMETERS

    spec = PARAMETERS[m_name]
    if not (spec.contains(lo) and spec.contains(hi)):
        raise ValueError(f"--masses: [{lo:g}, {hi:g}] MeV leaves the range of {m_name!r} {spec.range_text} MeV")
    _experiment, params, analysis = _setup(args, physics=physics or None)
    result = exclusion_curve(analysis, params, args.model, np.geomspace(lo, hi, int(n)), cl=args.cl)
    result.update(_analysis_info(args, analysis))
    if args.plot:
        result["plots"] = plots.exclusion_plot(
            {f"{result['experiment']} ({result['analysis']})": result}, model=args.model, path=args.plot
        )
    return result


#: verb name -> handler
from .commands_sample import sample  # noqa: E402 - the sampler verb lives in its own module

HANDLERS = {"predict": predict, "fit": fit, "limit": limit, "scan": scan, "exclusion": exclusion, "sample": sample}
