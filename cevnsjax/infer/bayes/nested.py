"""Nested sampling (jaxns through ``numpyro.contrib.nested_sampling``): a
sampler that finds and weights separated modes, and gives the model evidence.

Why nested sampling: NUTS moves by gradients and cannot cross the χ² ≈ 395
ridge between the two NSI bands in (ε^uV_ee, ε^dV_ee) (where the weak charge
vanishes). Nested sampling draws from the prior restricted to rising
likelihood levels; its live points populate every mode with its prior
volume, so each band is found and weighted by its posterior mass. The
evidence Z = ∫ prior × L (``log_evidence`` ± ``log_evidence_error``, with the
analysis' normalised likelihood) gives Bayes factors between models
(:func:`bayes_factor`), e.g. μν free against μν = 0 (:func:`log_evidence_fixed`).

jaxns ≥ 2.6, < 3 is needed (numpyro 0.22's interface imports the 2.x API); it
pulls in ``tfp-nightly`` (TensorFlow Probability on JAX). Settings: the number
of live points (default 50 per dimension, 500 for the NSI plane in the CLI)
sets how finely separated modes are resolved; ``max_samples`` bounds the run.
"""

from __future__ import annotations

import math
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from ...parameters import Params
from .io import Posterior
from .model import posterior_model, prepare_posterior
from .nuts import nuisance_priors

NSI_PLANE = ("eps_ee_uV", "eps_ee_dV")


def sample_nested(
    objective,
    params: Params,
    priors,
    *,
    live_points: int | None = None,
    max_samples: int = 200_000,
    draws: int = 4000,
    seed: int = 0,
    analytic: bool = True,
    dlogz: float = 1e-4,
) -> Posterior:
    """Nested sampling of the posterior of :func:`~.model.posterior_model`.

    Returns a :class:`~.io.Posterior` with ``draws`` equally weighted draws
    (one chain) resampled from the weighted dead points; ``evidence`` holds
    ``log_evidence``, ``log_evidence_error``, ``ess`` (Kish effective sample
    size of the weights) and ``likelihood_evaluations``. ``live_points``
    default: 50 per sampled dimension. Weighted points for mode masses:
    ``posterior.evidence["weighted"]`` (name → values, and ``"weight"``).
    """
    try:
        from numpyro.contrib.nested_sampling import NestedSampler
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"nested sampling needs jaxns>=2.6,<3 (pip install 'jaxns>=2.6,<3'): {exc}") from None
    for value, what, least in ((draws, "draws", 1), (max_samples, "max_samples", 100)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
            raise ValueError(f"{what} must be an integer of at least {least}, got {value!r}")
    resolved, _ = prepare_posterior(objective, priors)
    all_priors, nuisances = nuisance_priors(objective, resolved, analytic)
    n_dim = len(all_priors)
    live = int(live_points or 50 * n_dim)
    if live < 2 * n_dim:
        raise ValueError(f"live_points must be at least {2 * n_dim} (2 per dimension), got {live}")
    model = posterior_model(objective, params, priors, analytic=analytic)
    sampler = NestedSampler(
        model,
        constructor_kwargs={"num_live_points": live, "max_samples": int(max_samples)},
        termination_kwargs={"dlogZ": float(dlogz)},
    )
    t0 = time.perf_counter()
    k_run, k_draw = jax.random.split(jax.random.PRNGKey(int(seed)))
    sampler.run(k_run)
    res = sampler._results
    equal = sampler.get_samples(k_draw, int(draws))
    seconds = time.perf_counter() - t0
    weighted, log_w = sampler.get_weighted_samples()
    n = int(res.total_num_samples)
    log_w = np.asarray(log_w, dtype=float)[:n]
    log_w = np.where(np.isfinite(log_w), log_w, -np.inf)
    w = np.exp(log_w - logsumexp(log_w))
    evidence = {
        "log_evidence": float(res.log_Z_mean),
        "log_evidence_error": float(res.log_Z_uncert),
        "ess": float(1.0 / np.sum(w**2)),
        "likelihood_evaluations": int(res.total_num_likelihood_evaluations),
        "dead_points": n,
        "seconds": seconds,
        "weighted": {**{k: np.asarray(weighted[k], dtype=float)[:n] for k in all_priors}, "weight": w},
    }
    settings = {
        "chains": 1,
        "samples": int(draws),
        "warmup": 0,
        "seed": int(seed),
        "sampler": "nested sampling (jaxns)",
        "live_points": live,
        "max_samples": int(max_samples),
        "chain_method": "nested",
        "nuisances": "analytic" if analytic else "sampled",
    }
    return Posterior(
        samples={k: np.asarray(equal[k], dtype=float)[None, :] for k in all_priors},
        chi2=np.asarray(equal["chi2"], dtype=float)[None, :],
        sample_stats={},
        priors=all_priors,
        settings=settings,
        nuisances=nuisances,
        evidence=evidence,
    )


def log_evidence_fixed(objective, params: Params) -> float:
    """ln Z of the model with no free parameter (e.g. μν = 0): the likelihood
    at ``params`` with the latent nuisances integrated out analytically."""
    from ...analyses.model import Analysis

    likelihood = objective
    if isinstance(likelihood, Analysis):
        if likelihood.constraints:
            raise ValueError("log_evidence_fixed: the analysis has constrained physics parameters; sample them instead")
        if likelihood.nuisances:
            return float(likelihood.log_marginal_likelihood(params))
        return float(likelihood.log_likelihood(params, {}))
    return float(-0.5 * likelihood(params))


def bayes_factor(log_z_a: float, log_z_b: float, err_a: float = 0.0, err_b: float = 0.0) -> dict:
    """Bayes factor B_ab = Z_a / Z_b from log evidences: ``ln_B``, its error, ``B``."""
    ln_b = float(log_z_a - log_z_b)
    return {
        "ln_bayes_factor": ln_b,
        "ln_bayes_factor_error": float(math.hypot(err_a, err_b)),
        "bayes_factor": float(math.exp(ln_b)) if ln_b < 700 else float("inf"),
    }


# --------------------------------------------------------------------------- modes of the NSI plane


def nsi_gap_line(analysis, params: Params, names=NSI_PLANE, *, points: int = 8001) -> tuple[float, float]:
    """The line ε_u = a + b ε_d between the two NSI bands, where the predicted
    count is smallest (the weak charge vanishes), from the analysis' own
    ``predicted`` at ε_d = ±1 (a fine grid in ε_u over its allowed range)."""
    from ...parameters import PARAMETERS

    x_name, y_name = names
    spec = PARAMETERS[x_name]
    xs = jnp.linspace(spec.lower, spec.upper, points)
    ys = (-1.0, 1.0)
    mins = []
    for y in ys:
        n = jax.vmap(lambda x, y=y: analysis.predicted(params.replace(**{x_name: x, y_name: y})))(xs)
        mins.append(float(xs[int(jnp.argmin(n))]))
    b = (mins[1] - mins[0]) / (ys[1] - ys[0])
    return mins[0] - b * ys[0], b


def band_masses(x, y, weights=None, line=(0.0, 0.0), reference=(0.0, 0.0)) -> dict:
    """Posterior mass on each side of the gap line ε_u = a + b ε_d: ``"sm"``,
    the side holding ``reference`` (the Standard Model), and ``"flipped"``."""
    a, b = line
    x, y = np.asarray(x, float).reshape(-1), np.asarray(y, float).reshape(-1)
    w = np.ones_like(x) if weights is None else np.asarray(weights, float).reshape(-1)
    side = np.sign(x - (a + b * y))
    sm_side = np.sign(reference[0] - (a + b * reference[1]))
    sm = float(np.sum(w[side == sm_side]) / np.sum(w))
    return {"sm": sm, "flipped": 1.0 - sm}
