"""The NumPyro model of an analysis: priors on the parameters of interest,
the nuisances integrated out, one likelihood shared with the fits.

:func:`posterior_model` builds, from an analysis (:class:`cevnsjax.analyses.Analysis`)
and priors on physics parameters:

* one sample site per parameter of interest, with its prior (:mod:`.priors`);
* one sample site per **constrained physics parameter** of the analysis (its
  ``constraints``, e.g. ``quench_k`` ± 0.004 or ``bkg_scale``), whose prior is
  its constraint N(θ₀, σ) truncated to the allowed range: the pull leaves χ²
  and becomes the prior, counted once. An explicit prior for such a parameter
  is an error (drop the constraint instead);
* the analysis' latent nuisances (``alpha`` of the counting analysis)
  integrated out analytically where the analysis can (``analytic=True``, the
  default), else sampled as sites with their constraint as prior
  (:meth:`~cevnsjax.analyses.Analysis.bayes_log_likelihood`);
* ``chi2`` (the analysis' χ² at the draw) as a deterministic site.

Any plain objective ``objective(params) -> χ²`` that is not an analysis (no
nuisances, e.g. a linearised test model) enters as ``−½ χ²``.

The model takes an optional ``data`` argument (the analysis' data pytree),
so one compiled sampler serves many data sets (:mod:`.sbc`).

Exact reference: :func:`posterior_on_grid` evaluates prior × likelihood (the
same log-density, nuisances marginalised analytically) on a 1D or 2D grid.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ...analyses.model import Analysis
from ...parameters import ParameterError, Params
from ...rates import exact_response_for
from ..fit import check_names
from .priors import Prior, gaussian_prior, resolve_prior


def _normalise_priors(priors) -> dict:
    if isinstance(priors, str):
        priors = (priors,)
    if not isinstance(priors, dict):
        priors = {name: None for name in priors}
    if not priors:
        raise ParameterError("no parameter to sample: give at least one parameter name")
    check_names(priors)
    return dict(priors)


def prepare_posterior(objective, priors) -> tuple[dict[str, Prior], object]:
    """Resolved priors (parameters of interest, then the constrained physics
    nuisances of the analysis) and the likelihood (the pull terms removed:
    they are the nuisances' priors)."""
    priors = _normalise_priors(priors)
    constraints = {c[0]: (c[1], c[2]) for c in getattr(objective, "constraints", ())}
    resolved = {}
    for name, prior in priors.items():
        if name in constraints and prior is not None:
            centre, width = constraints[name]
            raise ParameterError(
                f"parameter {name!r} is constrained by the objective (Gaussian {centre:g} ± {width:g}), which becomes "
                f"its prior when it is sampled; give no prior for it, or drop the constraint"
            )
        resolved[name] = resolve_prior(name, prior)
    for name, (centre, width) in constraints.items():  # every pull becomes a sampled nuisance
        resolved[name] = resolve_prior(name, gaussian_prior(centre, width))
    if constraints:
        if isinstance(objective, Analysis):
            objective = objective.without_constraints(constraints)
        else:
            import dataclasses

            objective = dataclasses.replace(objective, constraints=())
    return resolved, exact_response_for(objective, tuple(resolved))


def nuisance_names(objective, priors) -> tuple[str, ...]:
    """Sampled sites that are nuisances: constrained physics parameters not in
    ``priors`` and (with ``analytic=False`` or without an analytic marginal) the
    analysis' latent nuisances."""
    given = set(_normalise_priors(priors))
    return tuple(c[0] for c in getattr(objective, "constraints", ()) if c[0] not in given)


def _likelihood(likelihood, p: Params, analytic: bool):
    if isinstance(likelihood, Analysis):
        return likelihood.bayes_log_likelihood(p, analytic=analytic)
    chi2 = likelihood(p)
    return -0.5 * chi2, chi2


def posterior_model(objective, params: Params, priors, *, analytic: bool = True):
    """The NumPyro model ``model(data=None)`` of ``objective`` (see the module
    docstring); ``priors``: a dict name → :class:`Prior` | prior text | None,
    or a sequence of names for uniform priors. Fields not sampled stay at ``params``."""
    import numpyro

    resolved, likelihood = prepare_posterior(objective, priors)

    def model(data=None):
        like = likelihood if data is None else likelihood.with_data(data)
        values = {name: numpyro.sample(name, prior.distribution()) for name, prior in resolved.items()}
        log_l, chi2 = _likelihood(like, params.replace(**values), analytic)
        numpyro.deterministic("chi2", chi2)
        numpyro.factor("log_likelihood", log_l)

    return model


def log_posterior(objective, params: Params, priors, values: dict, *, analytic: bool = True) -> float:
    """Unnormalised log posterior density (prior log-densities + ln L) of the
    model of :func:`posterior_model` at ``values`` (name → value, every site)."""
    from numpyro.infer.util import log_density

    model = posterior_model(objective, params, priors, analytic=analytic)
    values = {k: jnp.asarray(v, dtype=float) for k, v in values.items()}
    return float(jax.jit(lambda v: log_density(model, (), {}, v)[0])(values))


def log_density_function(objective, params: Params, priors, names):
    """``f(point) -> (ln prior + ln L, χ²)`` for a dict of the sampled values
    (nuisances marginalised analytically; no latent site may remain)."""
    resolved, likelihood = prepare_posterior(objective, priors)
    if set(names) != set(resolved):
        raise ParameterError(
            f"the grid/reference must cover every sampled parameter {tuple(resolved)}, got {tuple(names)}"
        )
    if isinstance(likelihood, Analysis) and likelihood.nuisances and not likelihood.analytic_marginal:
        raise ParameterError(
            f"{type(likelihood).__name__} has latent nuisances without an analytic marginal; "
            "sample them (sample_posterior) instead of a grid"
        )

    def f(lik, p, point):
        if isinstance(lik, Analysis):
            pp = p.replace(**point)
            log_l = lik.log_marginal_likelihood(pp) if lik.nuisances else lik.log_likelihood(pp, {})
            chi2 = lik.profile_chi2(pp)
        else:
            chi2 = lik(p.replace(**point))
            log_l = -0.5 * chi2
        log_prior = sum(resolved[n].distribution().log_prob(point[n]) for n in names)
        return log_prior + log_l, chi2

    return f, likelihood, resolved


def posterior_on_grid(objective, params: Params, priors, grids: dict) -> dict:
    """The exact posterior on a 1D or 2D grid (the quadrature reference for the
    samplers): ``grids`` maps one or two sampled names to 1-D arrays of values.

    Returns ``{"density": p, "log_density": ln p, "chi2": χ², "grids": ...,
    "log_evidence": ln Z}``, p normalised to unit integral over the grid by the
    trapezoid rule, ln Z = ln ∫ prior × L (the same normalisation as the nested
    sampler's evidence); arrays have shape ``(len(x),)`` or ``(len(y), len(x))``
    (y = the second name).
    """
    names = tuple(grids)
    if len(names) not in (1, 2):
        raise ParameterError(f"posterior_on_grid: give one or two grid axes, got {names}")
    f, likelihood, resolved = log_density_function(objective, params, priors, names)
    axes = [jnp.asarray(grids[n], dtype=float) for n in names]
    for n, a in zip(names, axes, strict=False):
        if not (float(a.min()) >= resolved[n].low and float(a.max()) <= resolved[n].high):
            raise ParameterError(
                f"posterior_on_grid: the grid of {n!r} leaves its prior range [{resolved[n].low:g}, "
                f"{resolved[n].high:g}]"
            )
    mesh = jnp.meshgrid(*axes) if len(names) == 2 else axes
    flat = {n: m.ravel() for n, m in zip(names, mesh, strict=False)}

    @eqx.filter_jit
    def evaluate(lik, p, values):
        return jax.lax.map(lambda point: f(lik, p, point), values, batch_size=4096)

    log_post, chi2 = (np.asarray(a).reshape(mesh[0].shape) for a in evaluate(likelihood, params, flat))
    peak = np.max(log_post[np.isfinite(log_post)])
    density = np.exp(log_post - peak)
    norm = np.trapezoid(density, np.asarray(axes[0]), axis=-1)
    if len(names) == 2:
        norm = np.trapezoid(norm, np.asarray(axes[1]))
    density = density / norm
    return {
        "names": names,
        "grids": {n: np.asarray(a) for n, a in zip(names, axes, strict=False)},
        "density": density,
        "log_density": np.log(np.where(density > 0, density, np.nan)),
        "chi2": chi2,
        "log_evidence": float(peak + np.log(norm)),
    }


def grid_quantile(xs, density, q):
    """Quantile(s) ``q`` of a 1D density tabulated on ``xs`` (trapezoid CDF, linear interpolation)."""
    xs, density = np.asarray(xs, dtype=float), np.asarray(density, dtype=float)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(xs))])
    return np.interp(q, cdf / cdf[-1], xs)


def grid_hdi(xs, density, prob):
    """Highest-density interval of a unimodal 1D density tabulated on a uniform grid ``xs``."""
    xs, density = np.asarray(xs, dtype=float), np.asarray(density, dtype=float)
    order = np.sort(density)[::-1]
    mass = np.cumsum(order) / np.sum(density)
    threshold = order[min(np.searchsorted(mass, prob), len(order) - 1)]
    inside = xs[density >= threshold]
    return float(inside.min()), float(inside.max())
