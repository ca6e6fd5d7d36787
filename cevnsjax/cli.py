"""Command-line interface: ``cevnsjax predict | fit | limit | scan``.

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
    return parser


def _setup(args):
    from .experiment import load_experiment
    from .infer import SEED_MEASURED, SEED_SIGMA_ALPHA, counting_analysis
    from .parameters import make_params

    experiment = load_experiment(args.experiment)
    params = make_params(experiment.nominal(), **dict(args.param))
    measured = SEED_MEASURED if args.measured is None else args.measured
    sigma_alpha = SEED_SIGMA_ALPHA if args.sigma_alpha is None else args.sigma_alpha
    return experiment, params, counting_analysis(experiment, measured, sigma_alpha)


def _predict(args) -> dict:
    import jax

    from .experiment import load_experiment, read_experiment_spec
    from .parameters import make_params
    from .rates import detector_counts

    overrides = dict(args.param)
    spec = read_experiment_spec(args.experiment)
    params = None
    totals: dict[str, float] = {}
    chosen = args.flux_normalisation or spec["source"]["normalisation"]
    modes = [chosen] + [m for m in ("total_flux", "thermal_power") if m != chosen]
    result = None
    for mode in modes:
        if mode == "total_flux" and "total_flux_cm2_s" not in spec["source"]:
            continue
        experiment = load_experiment(args.experiment, flux_normalisation=mode)
        if params is None:
            params = make_params(experiment.nominal(), **overrides)
        counts = jax.device_get(detector_counts(params, experiment))
        totals[mode] = float(counts.sum())
        if result is None:
            result = {
                "experiment": experiment.name,
                "flux_normalisation": mode,
                "total": float(counts.sum()),
                "detectors": [
                    {"name": name, "threshold_eVee": det["threshold_eVee"], "exposure_kg_day": det["exposure_kg_day"], "counts": float(c)}
                    for name, det, c in zip(experiment.detector_names, spec["detectors"], counts)
                ],
                "parameters": params.to_dict(),
            }
    result["total_by_flux_normalisation"] = totals
    return result


def _analysis_info(args, analysis) -> dict:
    return {"experiment": analysis.experiment.name, "measured": float(analysis.measured), "sigma_alpha": float(analysis.sigma_alpha)}


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

            from .experiment import data_path
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
    return result


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


def _print_predict(result: dict) -> None:
    print(f"experiment: {result['experiment']}   (flux normalisation: {result['flux_normalisation']})")
    print(f"{'detector':<16}{'threshold [eVee]':>18}{'exposure [kg d]':>18}{'CEvNS counts':>16}")
    for d in result["detectors"]:
        print(f"{d['name']:<16}{d['threshold_eVee']:>18.1f}{d['exposure_kg_day']:>18.2f}{d['counts']:>16.2f}")
    print(f"{'total':<16}{'':>18}{sum(d['exposure_kg_day'] for d in result['detectors']):>18.2f}{result['total']:>16.2f}")
    for mode, total in result["total_by_flux_normalisation"].items():
        print(f"  total with {mode} normalisation: {total:.2f}")
    print("parameters: " + ", ".join(f"{k}={v:g}" for k, v in result["parameters"].items()))


def _print_text(command: str, result: dict) -> None:
    if command == "predict":
        _print_predict(result)
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
    for path in result.get("plots", []):
        print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)

    from . import enable_x64
    from .experiment import ExperimentError
    from .parameters import ParameterError

    enable_x64()
    handlers = {"predict": _predict, "fit": _fit, "limit": _limit, "scan": _scan}
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
