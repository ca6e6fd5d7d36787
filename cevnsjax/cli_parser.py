"""The command line's argument parser (``cevnsjax --help``)."""

from __future__ import annotations

import argparse

from ._version import __version__


def _parse_param(text: str) -> tuple[str, float]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--param expects NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    if not name.strip():
        raise argparse.ArgumentTypeError(f"--param expects NAME=VALUE, got {text!r} (no name)")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--param {name}: value {value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"--param {name}: value {value!r} is not a finite number")
    return name.strip(), number


class UsageError(ValueError):
    """A malformed command line (unknown option, missing or malformed value)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line raises :class:`UsageError` (one line,
    exit status 2 from :func:`cevnsjax.cli.main`) instead of printing the usage
    and exiting."""

    def error(self, message):
        raise UsageError(f"{' '.join(message.split())} (see {self.prog} --help)")


def _parameter_help(what: str) -> str:
    from .parameters import PARAMETERS

    return f"{what}; one of: {', '.join(PARAMETERS)}"


def _finite(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--experiment",
        action="append",
        default=None,
        metavar="NAME",
        help="shipped experiment or data set (conus-plus, conus-run5, coherent-csi-2017, "
        "coherent-lar-2020) or a path to a .json experiment file; repeat it to fit several "
        "together with shared physics parameters (default: conus-plus)",
    )
    common.add_argument(
        "--flux-normalisation",
        choices=["total_flux", "thermal_power"],
        default=None,
        help="override a reactor experiment's flux normalisation",
    )
    common.add_argument(
        "--param",
        action="append",
        default=[],
        type=_parse_param,
        metavar="NAME=VALUE",
        help="set a physics parameter (repeatable), e.g. --param quench_k=0.17",
    )
    common.add_argument("--json", action="store_true", help="print one JSON object (strict JSON) instead of text")
    common.add_argument("--debug", action="store_true", help="show the Python traceback of an error")
    common.add_argument("--force", action="store_true", help="overwrite existing output files (--out, --plot)")

    out_file = _Parser(add_help=False)
    out_file.add_argument(
        "--out",
        default=None,
        metavar="FILE",
        help="also write the JSON result to FILE (strict JSON, written atomically)",
    )
    methods = _Parser(add_help=False)
    methods.add_argument(
        "--method",
        choices=["profile", "fc"],
        default="profile",
        help="profile likelihood (default) or Feldman–Cousins (counting analysis; toys)",
    )
    methods.add_argument("--toys", type=int, default=2000, help="toys per grid point of --method fc (default 2000)")

    analysis = _Parser(add_help=False)
    analysis.add_argument(
        "--measured", type=_finite, default=None, help="measured count N_meas (default: 395, seed paper)"
    )
    analysis.add_argument(
        "--sigma-alpha",
        type=_finite,
        default=None,
        help="relative normalisation uncertainty σ_α (default: sqrt(0.024²+0.113²+0.263²), seed paper)",
    )
    analysis.add_argument(
        "--plot", default=None, metavar="FILE", help="write the figure to FILE (.png) and its .pdf twin"
    )
    analysis.add_argument(
        "--spectra",
        default=None,
        metavar="FILE",
        help="ON/OFF spectra file for experiments with a spectral analysis (default: Asimov data at "
        "the nominal parameters, i.e. the expected sensitivity)",
    )

    parser = _Parser(prog="cevnsjax", description="Differentiable CEvNS forward model and inference.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "predict",
        parents=[common, out_file],
        help="expected counts [events] per detector and channel (CEvNS, electron scattering)",
    )
    p.add_argument("--spectrum", action="store_true", help="also print the binned expected spectrum of each detector")

    p = sub.add_parser(
        "fit", parents=[common, analysis, out_file, methods], help="best fit and two-sided interval of one parameter"
    )
    p.add_argument("parameter", help=_parameter_help("the parameter to fit"))
    p.add_argument(
        "--cl", type=_finite, default=0.682689492137086, help="confidence level of the interval (default 0.6827)"
    )

    p = sub.add_parser(
        "limit",
        parents=[common, analysis, out_file, methods],
        help="upper limit (parameters ≥ 0) or two-sided interval (signed parameters) of one parameter",
    )
    p.add_argument("parameter", help=_parameter_help("the parameter to limit"))
    p.add_argument("--cl", type=_finite, default=0.9, help="confidence level (default 0.9)")
    p.add_argument(
        "--one-sided",
        action="store_true",
        help="an upper limit also for a signed parameter (q_nu, NSI ε, charge radii)",
    )

    p = sub.add_parser("scan", parents=[common, analysis, out_file], help="Δχ² on a 2D grid, with contours")
    p.add_argument("parameter_x", help=_parameter_help("parameter on the x axis"))
    p.add_argument("parameter_y", help="parameter on the y axis (another of the same names)")
    p.add_argument(
        "--range",
        nargs=4,
        type=_finite,
        metavar=("X0", "X1", "Y0", "Y1"),
        default=None,
        help="scan limits (default ±1 for NSI couplings, else the parameter's range)",
    )
    p.add_argument("--points", type=int, default=201, help="grid points per axis (default 201)")
    p.add_argument(
        "--cl",
        type=_finite,
        nargs="+",
        default=[0.682689492137086, 0.9],
        help="confidence levels of the contours, 2 dof (default 0.6827 0.9)",
    )

    p = sub.add_parser("reproduce", help="run every analysis of the shipped data; write results.json and figures")
    p.add_argument("--out", default="results", metavar="DIR", help="output folder (default: results)")
    p.add_argument("--quick", action="store_true", help="coarser grids and fewer samples (a few minutes on 2 cores)")
    p.add_argument("--seed", type=int, default=0, help="seed of the posterior sampling (default 0)")
    p.add_argument("--json", action="store_true", help="print results.json to stdout instead of the summary table")
    p.add_argument("--force", action="store_true", help="overwrite the results of an earlier run in DIR")
    p.add_argument("--debug", action="store_true", help="show the Python traceback of an error")

    p = sub.add_parser("exclusion", parents=[common, analysis, out_file], help="mediator coupling limits versus mass")
    p.add_argument("model", help="the mediator model; one of: vector-universal, vector-bl, scalar")
    p.add_argument(
        "--masses",
        nargs=3,
        type=_finite,
        default=[1e-3, 1e4, 50],
        metavar=("LO", "HI", "N"),
        help="log-spaced masses [MeV] (default 1e-3 1e4 50, i.e. 1 keV to 10 GeV)",
    )
    p.add_argument("--cl", type=_finite, default=0.9, help="confidence level (default 0.9)")

    p = sub.add_parser(
        "sample",
        parents=[common, analysis],
        help="Bayesian posterior of one or more parameters (NUTS or nested sampling, NumPyro)",
    )
    p.add_argument(
        "parameters", nargs="+", metavar="PARAM", help=_parameter_help("parameters to sample (the others stay fixed)")
    )
    p.add_argument("--chains", type=int, default=4, help="number of chains (default 4)")
    p.add_argument("--samples", type=int, default=2000, help="draws per chain after the warm-up (default 2000)")
    p.add_argument("--warmup", type=int, default=500, help="warm-up (adaptation) steps per chain (default 500)")
    p.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives identical samples (default 0)")
    p.add_argument(
        "--prior",
        action="append",
        default=[],
        metavar="NAME=SPEC",
        help="prior of a sampled parameter (repeatable): uniform (default: over its allowed range), "
        "uniform:LO,HI, loguniform:LO[,HI] (LO > 0), gauss:MU,SIGMA (truncated to the allowed range)",
    )
    p.add_argument(
        "--dense-mass", action="store_true", help="adapt a full mass matrix (correlated parameters, e.g. NSI)"
    )
    p.add_argument(
        "--sampler",
        choices=["auto", "nuts", "nested"],
        default="auto",
        help="NUTS, or nested sampling (jaxns: separated modes and the evidence); auto (default): nested "
        "for the NSI plane eps_ee_uV × eps_ee_dV, whose two bands NUTS cannot cross, else NUTS",
    )
    p.add_argument(
        "--live-points",
        type=int,
        default=None,
        help="live points of nested sampling (default 500 for the NSI plane, else 50 per dimension)",
    )
    p.add_argument(
        "--sample-nuisances",
        action="store_true",
        help="sample the analysis' latent nuisances (the counting α) instead of integrating them out "
        "analytically (same posterior, slower)",
    )
    p.add_argument(
        "--target-accept", type=_finite, default=0.8, help="NUTS target acceptance probability (default 0.8)"
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="write DIR/posterior.nc (ArviZ InferenceData, netCDF) and the corner plot DIR/corner.png/.pdf",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: on when stderr is a terminal)",
    )
    return parser
