"""Text output of the command line: one function per verb, each printing the
result dict of :mod:`cevnsjax.commands` (the ``--json`` output is that dict
itself). Units are printed with every number that has one."""

from __future__ import annotations


def _num(v, fmt: str = ".5g") -> str:
    """A number, or 'undefined' for a missing end or an undefined value."""
    return format(v, fmt) if isinstance(v, (int, float)) else "undefined"


def _unit(name: str) -> str:
    from .parameters import PARAMETERS

    unit = PARAMETERS[name].unit if name in PARAMETERS else ""
    return f" {unit}" if unit else ""


def _label(result: dict) -> str:
    """'expected (Asimov)' or 'observed', with the experiment(s) and analysis."""
    kind = {"expected": "expected sensitivity (Asimov data)", "observed": "observed data"}.get(
        result.get("result"), result.get("result")
    )
    return f"{result.get('experiment', '?')} ({result.get('analysis', '?')}; {kind})"


def print_predict(result: dict) -> None:
    if "experiments" in result:
        for r in result["experiments"]:
            print_predict(r)
            print()
        print(f"total expected events, all experiments: {result['total']:.2f} events")
        return
    if "components" in result:
        pub = result.get("published_sm_prediction") or {}
        print(
            f"experiment: {result['experiment']}   ({result['title']}; {result['analysis']}, region {result['region']})"
        )
        print(f"  CEvNS (expected, Standard Model unless --param says otherwise): {result['total']:.2f} events")
        for k, v in result["components"].items():
            if k != "cevns":
                print(f"  {k.replace('_', ' ')} (expected): {v:.2f} events")
        if pub:
            print(f"  published SM prediction: {pub['value']} ± {pub['uncertainty']} events ({pub['source']})")
        if "spectrum" in result:
            _print_data_set_spectrum(result["spectrum"])
        return
    channels = list(result["channels"])
    print(
        f"experiment: {result['experiment']}   expected counts [events], flux normalisation: "
        f"{result['flux_normalisation']}"
    )
    for ch in channels:
        print(f"  {ch}: {result['channels'][ch]}")
    head = f"{'detector':<16}{'threshold':>16}{'exposure [kg d]':>17}" + "".join(
        f"{ch + ' [events]':>20}" for ch in channels
    )
    print(head + f"{'total [events]':>16}")
    for d in result["detectors"]:
        thr = f"{d['threshold']:g} {d['threshold_unit']}"
        by = "".join(f"{d['counts_by_channel'][ch]:>20.2f}" for ch in channels)
        print(f"{d['name']:<16}{thr:>16}{d['exposure_kg_day']:>17.2f}{by}{d['counts']:>16.2f}")
    by = "".join(f"{result['total_by_channel'][ch]:>20.2f}" for ch in channels)
    print(
        f"{'total':<16}{'':>16}{sum(d['exposure_kg_day'] for d in result['detectors']):>17.2f}{by}"
        f"{result['total']:>16.2f}"
    )
    for mode, total in result["total_by_flux_normalisation"].items():
        print(f"  total with {mode} normalisation: {total:.2f} events")
    for d in result["detectors"]:
        if "spectrum" in d:
            s = d["spectrum"]
            print(f"spectrum of {d['name']} [events per bin], bins in {s['unit']}:")
            print(f"  {'from':>12}{'to':>12}" + "".join(f"{ch:>14}" for ch in s["counts"]))
            for i in range(len(s["edges"]) - 1):
                print(
                    f"  {s['edges'][i]:>12.5g}{s['edges'][i + 1]:>12.5g}"
                    + "".join(f"{s['counts'][ch][i]:>14.4g}" for ch in s["counts"])
                )
    print("parameters: " + ", ".join(f"{k}={v:g}" for k, v in result["parameters"].items()))


def _print_data_set_spectrum(s: dict) -> None:
    """Both projections of a data-release expectation (the full 2-D grid is in --json)."""
    for axis in s["axes"]:
        counts = s[f"counts_by_{axis['unit']}"]
        print(f"expected events per {axis['name']} bin [{axis['unit']}] (2-D grid in --json):")
        print(f"  {'from':>10}{'to':>10}" + "".join(f"{k:>16}" for k in counts))
        edges = axis["edges"]
        for i in range(len(edges) - 1):
            print(f"  {edges[i]:>10.4g}{edges[i + 1]:>10.4g}" + "".join(f"{v[i]:>16.4g}" for v in counts.values()))


def _print_interval(result: dict) -> None:
    name, u = result["parameter"], _unit(result["parameter"])
    lo, hi = result["interval"]
    cl = f"{100 * result['cl']:.4g} % CL"
    if result["interval_kind"] == "one-sided upper limit":
        print(
            f"{name} < {_num(hi, '.4g')}{u} at {cl}, {result['method']} "
            f"(Δχ² = {_num(result['delta_chi2_level'], '.3f')}; "
            f"best fit {_num(result['best_fit'], '.4g')}{u})"
        )
    else:
        lo_s = _num(lo) if isinstance(lo, (int, float)) else "range end"
        hi_s = _num(hi) if isinstance(hi, (int, float)) else "range end"
        print(
            f"{name}: best fit {_num(result['best_fit'])}{u}, {cl} two-sided interval [{lo_s}, {hi_s}]{u} "
            f"({result['method']}; Δχ² = {_num(result['delta_chi2_level'], '.3g')}), parabolic error "
            f"± {_num(result['hessian_error'], '.3g')}{u}, χ²_min = {_num(result['chi2_min'], '.4g')}"
        )
    print(f"  {_label(result)}")


def print_sample(result: dict) -> None:
    s = result["settings"]

    def fmt(v):
        return "nan" if v is None else f"{v:.4g}"

    print(
        f"posterior ({s['sampler']}, {s['chains']} chains × {s['samples']} draws after {s['warmup']} warm-up, "
        f"seed {s['seed']}, {s['chain_method']}); divergences: {result['divergences']}; {_label(result)}"
    )
    print(
        f"{'parameter':<20}{'mean':>11}{'median':>11}{'68 % HDI':>24}{'90 % HDI':>24}{'upper 90 %':>12}"
        f"{'R-hat':>8}{'ESS':>8}"
    )
    for name, e in result["parameters"].items():
        hdi = [f"[{fmt(e[k][0])}, {fmt(e[k][1])}]" for k in ("hdi_68", "hdi_90")]
        print(
            f"{name + (' (nuis.)' if e.get('nuisance') else ''):<20}{fmt(e['mean']):>11}{fmt(e['median']):>11}"
            f"{hdi[0]:>24}"
            f"{hdi[1]:>24}{fmt(e['upper_90']) if 'upper_90' in e else '':>12}{fmt(e['r_hat']):>8}{e['ess_bulk']:>8.0f}"
        )
    for name, prior in s["priors"].items():
        print(f"  prior {name}: {prior}{_unit(name)}")
    pp = result["posterior_predictive"]
    lo, hi = pp["replicated_interval_90"]
    print(
        f"  posterior predictive ({pp['statistic']}): 90 % interval [{lo:.0f}, {hi:.0f}] events, observed "
        f"{pp['measured']:g} events, P(replicated ≥ observed) = {pp['p_value']:.2f}"
    )
    if "evidence" in result:
        ev = result["evidence"]
        print(
            f"  log evidence ln Z = {ev['log_evidence']:.3f} ± {ev['log_evidence_error']:.3f} "
            f"({ev['likelihood_evaluations']:,} likelihood evaluations)"
        )
    if "nsi_band_masses" in result:
        m = result["nsi_band_masses"]
        print(f"  NSI band masses: Standard-Model band {m['sm']:.3f}, flipped-sign band {m['flipped']:.3f}")
    for path in result["files"]:
        print(f"wrote {path}")


def print_text(command: str, result: dict) -> None:
    """Print ``result`` of ``command`` as text."""
    if command == "predict":
        print_predict(result)
    elif command == "reproduce":
        from .reproduce import print_summary

        print_summary(result)
    elif command in ("fit", "limit"):
        _print_interval(result)
    elif command == "scan":
        print(
            f"scan {result['parameter_x']} × {result['parameter_y']}: {len(result['x'])} × {len(result['y'])} points, "
            f"χ²_min on grid {result['chi2_min_on_grid']:.4g}; {_label(result)}"
        )
        for c in result["contours"]:
            print(
                f"  {100 * c['cl']:.2f} % CL (Δχ² = {c['delta_chi2_level']:.3f}, 2 dof): "
                f"{len(c['lines'])} contour line(s)"
            )
    elif command == "sample":
        print_sample(result)
    elif command == "exclusion":
        print(
            f"{result['model']}: {100 * result['cl']:g} % CL coupling limits, {_label(result)}, "
            f"{result['forward_evaluations']:,} forward evaluations"
        )
        for m, g, isl in zip(result["masses_MeV"], result["coupling_limits"], result["allowed_islands"], strict=True):
            extra = "" if not isl else "   allowed again in " + ", ".join(f"[{a:.3g}, {b:.3g}]" for a, b in isl)
            print(f"  m = {m:10.4g} MeV   g < {_num(g, '.4g')}{extra}")
    for path in result.get("plots", []):
        print(f"wrote {path}")
    if result.get("out_file"):
        print(f"wrote {result['out_file']}")
