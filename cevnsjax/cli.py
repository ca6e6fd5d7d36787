"""Command-line interface: ``cevnsjax predict | fit | limit | scan | exclusion | sample | reproduce``.

Exit status: 0 on success, 2 on bad input (unknown experiment or parameter,
value out of range, malformed file, bad option) and on any other error a user
can cause, with a one-line message on stderr (``--debug`` shows the traceback).
``--json`` prints one strict JSON object on stdout. The verbs themselves are
library functions in :mod:`cevnsjax.commands`.
"""

from __future__ import annotations

import sys

from .cli_parser import build_parser
from .io import dumps_strict


def _print_predict(result: dict) -> None:
    if "experiments" in result:
        for r in result["experiments"]:
            _print_predict(r)
            print()
        print(f"total CEvNS events, all experiments: {result['total']:.2f}")
        return
    if "components" in result:
        pub = result.get("published_sm_prediction") or {}
        print(f"experiment: {result['experiment']}   ({result['title']}; {result['analysis']}, region {result['region']})")
        print(f"  CEvNS (expected, Standard Model unless --param says otherwise): {result['total']:.2f} events")
        for k, v in result["components"].items():
            if k != "cevns":
                print(f"  {k.replace('_', ' ')} (expected): {v:.2f} events")
        if pub:
            print(f"  published SM prediction: {pub['value']} ± {pub['uncertainty']} events ({pub['source']})")
        return
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
    """Entry point: parse, run, print. Every error a user can cause ends in one
    line on stderr and exit status 2 (``--debug`` shows the traceback)."""
    parser = build_parser()
    args = parser.parse_args(argv)

    from . import enable_x64
    from ._cache import enable_compilation_cache

    enable_x64()
    enable_compilation_cache()
    from .commands import HANDLERS
    from .reproduce import reproduce

    handlers = {**HANDLERS, "reproduce": lambda a: reproduce(a.out, quick=a.quick, seed=a.seed)}
    try:
        result = handlers[args.command](args)
        text = dumps_strict(result) if getattr(args, "json", False) else None
    except Exception as exc:  # noqa: BLE001 - user-facing boundary: one line, exit status 2
        if getattr(args, "debug", False):
            raise
        print(f"cevnsjax {args.command}: error: {_one_line_error(exc)}", file=sys.stderr)
        return 2
    if text is not None:
        print(text)
    else:
        _print_text(args.command, result)
    return 0


def _one_line_error(exc: BaseException) -> str:
    """The message of a user-facing error on one line; unexpected failures say what failed and how to see more."""
    from .experiment import ExperimentError
    from .parameters import ParameterError

    message = " ".join(str(exc).split()) or type(exc).__name__
    if "EquinoxRuntimeError: " in message:  # a solver's runtime check: keep its own sentence, not the stack
        message = message.rsplit("EquinoxRuntimeError: ", 1)[1].split(" ---", 1)[0]
    if len(message) > 300:
        message = message[:297] + "..."
    if isinstance(exc, (ExperimentError, ParameterError, ValueError, KeyError)):
        return message
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return f"{exc.strerror or message}{where}"
    if isinstance(exc, (FloatingPointError, OverflowError, ZeroDivisionError, ArithmeticError)):
        return f"numerical failure ({type(exc).__name__}: {message}); check the input values for extreme numbers"
    return f"{type(exc).__name__}: {message} (run again with --debug for the traceback)"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
