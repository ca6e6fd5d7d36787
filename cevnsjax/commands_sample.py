"""The ``sample`` verb: posteriors (NUTS or nested sampling) of one or several
experiments, with diagnostics, posterior-predictive checks and optional
netCDF and corner-plot output (see :mod:`cevnsjax.commands`)."""

from __future__ import annotations

import sys


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
    for option, value, least, most in (
        ("--chains", args.chains, 1, 64),
        ("--samples", args.samples, 1, 10**6),
        ("--warmup", args.warmup, 0, 10**6),
    ):
        if not least <= value <= most:
            raise ParameterError(f"{option} must be between {least} and {most}, got {value}")
    if not 0.0 < args.target_accept < 1.0:
        raise ParameterError(f"--target-accept must be between 0 and 1 (exclusive), got {args.target_accept:g}")
    priors = {name: None for name in args.parameters}
    for text in args.prior:
        name, sep, spec = (s.strip() for s in text.partition("="))
        if not sep:
            raise ParameterError(f"--prior expects NAME=SPEC (e.g. mu_nu=loguniform:1e-12), got {text!r}")
        check_names([name])
        if name not in priors:
            raise ParameterError(f"--prior {name}: {name!r} is not sampled (sampled: {', '.join(args.parameters)})")
        priors[name] = parse_prior(spec, name)
    from .commands import _analysis_info, _setup  # the shared set-up of every verb

    _experiment, params, analysis = _setup(args)
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    from .infer.bayes import NSI_PLANE, band_masses, nsi_gap_line, sample_nested

    nsi = set(NSI_PLANE) <= set(args.parameters)
    sampler = args.sampler if args.sampler != "auto" else ("nested" if nsi else "nuts")
    analytic = not args.sample_nuisances
    if sampler == "nested":
        if args.live_points is not None and args.live_points < 2:
            raise ParameterError(f"--live-points must be at least 2, got {args.live_points}")
        posterior = sample_nested(
            analysis,
            params,
            priors,
            live_points=args.live_points or (500 if nsi else None),
            draws=args.chains * args.samples,
            seed=args.seed,
            analytic=analytic,
        )
    else:
        posterior = sample_posterior(
            analysis,
            params,
            priors,
            chains=args.chains,
            samples=args.samples,
            warmup=args.warmup,
            seed=args.seed,
            progress_bar=progress,
            dense_mass=args.dense_mass,
            target_accept=args.target_accept,
            analytic=analytic,
        )
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
            "predicted_median": float(
                np.median(
                    np.sum(
                        np.asarray(
                            predictive["predicted"][0]
                            if isinstance(predictive["predicted"], tuple)
                            else predictive["predicted"]
                        ).reshape(posterior.chi2.size, -1),
                        axis=1,
                    )
                )
            ),
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
        masses = (
            band_masses(w["eps_ee_uV"], w["eps_ee_dV"], w["weight"], line)
            if w is not None
            else band_masses(posterior.flat("eps_ee_uV"), posterior.flat("eps_ee_dV"), None, line)
        )
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
        return (
            (np.asarray(rep[0]) * mask).reshape(n, -1).sum(axis=1),
            float(np.sum(np.asarray(obs[0]) * mask)),
            "total ON counts",
        )
    return np.asarray(rep).ravel(), float(obs), "measured count"
