"""Command-line interface: ``cevnsjax predict``.

Exit status: 0 on success, 2 on bad input (unknown experiment or parameter,
value out of range, malformed file), with a one-line message on stderr that
names the offending field.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import units


def _parse_param(text: str) -> tuple[str, float]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--param expects NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--param {name}: value {value!r} is not a number") from None


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cevnsjax", description="Differentiable CEvNS forward model and inference.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("predict", help="expected CEvNS counts per detector and in total")
    p.add_argument("--experiment", default="conus-plus", help="shipped experiment name or path to a .json file (default: conus-plus)")
    p.add_argument("--param", action="append", default=[], type=_parse_param, metavar="NAME=VALUE",
                   help="set a physics parameter (repeatable), e.g. --param sin2_theta_w=0.25")
    p.add_argument("--flux-normalisation", choices=["total_flux", "thermal_power"], default=None,
                   help="override the experiment file's flux normalisation")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return parser


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
                    {
                        "name": name,
                        "threshold_eVee": det["threshold_eVee"],
                        "exposure_kg_day": det["exposure_kg_day"],
                        "counts": float(c),
                    }
                    for name, det, c in zip(experiment.detector_names, spec["detectors"], counts)
                ],
                "parameters": params.to_dict(),
            }
    result["total_by_flux_normalisation"] = totals
    return result


def _print_table(result: dict) -> None:
    print(f"experiment: {result['experiment']}   (flux normalisation: {result['flux_normalisation']})")
    print(f"{'detector':<16}{'threshold [eVee]':>18}{'exposure [kg d]':>18}{'CEvNS counts':>16}")
    for d in result["detectors"]:
        print(f"{d['name']:<16}{d['threshold_eVee']:>18.1f}{d['exposure_kg_day']:>18.2f}{d['counts']:>16.2f}")
    print(f"{'total':<16}{'':>18}{sum(d['exposure_kg_day'] for d in result['detectors']):>18.2f}{result['total']:>16.2f}")
    for mode, total in result["total_by_flux_normalisation"].items():
        print(f"  total with {mode} normalisation: {total:.2f}")
    print("parameters: " + ", ".join(f"{k}={v:g}" for k, v in result["parameters"].items()))


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)

    from . import enable_x64
    from .experiment import ExperimentError
    from .parameters import ParameterError

    enable_x64()
    try:
        if args.command == "predict":
            result = _predict(args)
    except (ExperimentError, ParameterError) as exc:
        print(f"cevnsjax {args.command}: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_table(result)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
