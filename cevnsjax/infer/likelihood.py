"""Likelihoods and χ² objectives, apart from the physics.

An *objective* is an equinox Module called as ``objective(params) -> χ²``
(−2 ln L up to a constant). The same objective serves the optimiser fits, the
grid scans and (through ``-0.5 χ²``) Bayesian posteriors.

Counting χ² of the CONUS+ analysis (seed paper 000, Eq. 2)::

    χ²(X) = min_α [ ((N_meas − (1+α) N_th(X)) / σ_stat)² + (α/σ_α)² ],
    σ_stat = √N_meas,  σ_α² = 0.024² + 0.113² + 0.263²

(flux, quenching, and background + non-linearity). The minimum over α is
closed form: ``α̂ = N_th (N_meas − N_th) σ_α² / (σ_stat² + N_th² σ_α²)`` and
``χ² = (N_meas − N_th)² / (σ_stat² + N_th² σ_α²)``;
:func:`profile_alpha_numerically` finds the same minimum with a
gradient-based optimiser (they agree to 1e-8, tested).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import optimistix as optx
from jax.scipy.special import xlogy

from ..experiment import Experiment
from ..parameters import PARAMETERS, ParameterError, Params
from ..rates import expected_counts

#: Seed paper 000: measured CONUS+ events (395 ± 106).
SEED_MEASURED = 395.0
#: Seed paper 000: σ_α from 2.4 % flux, 11.3 % quenching, 26.3 % background and non-linearity.
SEED_SIGMA_ALPHA = math.sqrt(0.024**2 + 0.113**2 + 0.263**2)


def counting_chi2_at_alpha(alpha, predicted, measured, sigma_alpha):
    """Seed Eq. 2 before minimising over α."""
    return ((measured - (1.0 + alpha) * predicted) ** 2) / measured + (alpha / sigma_alpha) ** 2


def counting_alpha_hat(predicted, measured, sigma_alpha):
    """The α minimising :func:`counting_chi2_at_alpha` (closed form)."""
    return predicted * (measured - predicted) * sigma_alpha**2 / (measured + predicted**2 * sigma_alpha**2)


def counting_chi2(predicted, measured, sigma_alpha):
    """Seed Eq. 2 minimised over α in closed form."""
    return (measured - predicted) ** 2 / (measured + predicted**2 * sigma_alpha**2)


def profile_alpha_numerically(predicted, measured, sigma_alpha):
    """Seed Eq. 2 minimised over α with optimistix BFGS: ``(α̂, χ²_min)``."""

    def fn(alpha, args):
        return counting_chi2_at_alpha(alpha, *args)

    sol = optx.minimise(fn, optx.BFGS(rtol=1e-12, atol=1e-14), jnp.zeros_like(jnp.asarray(predicted, dtype=float)),
                        args=(predicted, measured, sigma_alpha), max_steps=200)
    return sol.value, fn(sol.value, (predicted, measured, sigma_alpha))


def poisson_deviance(observed, expected, floor: float = 1e-12):
    """−2 ln(L/L_sat) of independent Poisson bins, ``2 Σ [μ − n + n ln(n/μ)]``.

    Accepts non-integer (Asimov) ``observed``; ``expected`` is floored at
    ``floor`` so value and gradient stay finite at zero expectation.
    """
    mu = jnp.maximum(expected, floor)
    return 2.0 * jnp.sum(mu - observed + xlogy(observed, observed) - xlogy(observed, mu))


def gaussian_penalty(params: Params, constraints) -> jax.Array:
    """Σ (θ − θ₀)² / σ² over ``constraints`` = ((name, centre, width), ...)."""
    total = jnp.zeros(())
    for name, centre, width in constraints:
        total = total + ((getattr(params, name) - centre) / width) ** 2
    return total


def check_constraints(constraints) -> tuple[tuple[str, float, float], ...]:
    """Validate ``{name: (centre, width)}`` or a tuple of triples; return triples."""
    items = constraints.items() if isinstance(constraints, dict) else ((c[0], (c[1], c[2])) for c in constraints)
    out = []
    for name, (centre, width) in items:
        if name not in PARAMETERS:
            raise ParameterError(f"constraint on unknown parameter {name!r}; known parameters: {', '.join(PARAMETERS)}")
        if not (width > 0 and math.isfinite(width)):
            raise ParameterError(f"constraint on {name!r}: width must be positive, got {width}")
        out.append((name, float(centre), float(width)))
    return tuple(out)


class CountingAnalysis(eqx.Module):
    """Counting χ² (seed Eq. 2) of the total expected counts of an experiment,
    plus optional Gaussian pull terms on physics/nuisance parameters."""

    experiment: Experiment
    measured: jax.Array
    sigma_alpha: jax.Array
    constraints: tuple[tuple[str, float, float], ...] = eqx.field(static=True)

    def predicted(self, params: Params):
        return jnp.sum(expected_counts(params, self.experiment))

    def __call__(self, params: Params):
        chi2 = counting_chi2(self.predicted(params), self.measured, self.sigma_alpha)
        return chi2 + gaussian_penalty(params, self.constraints)


def counting_analysis(experiment: Experiment, measured: float = SEED_MEASURED,
                      sigma_alpha: float = SEED_SIGMA_ALPHA, constraints=()) -> CountingAnalysis:
    """Build a :class:`CountingAnalysis`, validating the inputs.

    ``measured``: observed (background-subtracted) count, > 0 since σ_stat = √N.
    ``sigma_alpha``: relative normalisation uncertainty, ≥ 0.
    ``constraints``: ``{name: (centre, width)}`` Gaussian pull terms.
    """
    measured = float(measured)
    if not (measured > 0 and math.isfinite(measured)):
        raise ValueError(f"measured count must be a positive number (σ_stat = √N_meas), got {measured:g}")
    sigma_alpha = float(sigma_alpha)
    if not (sigma_alpha > 0 and math.isfinite(sigma_alpha)):
        raise ValueError(f"sigma_alpha must be positive, got {sigma_alpha:g}")
    return CountingAnalysis(experiment, jnp.asarray(measured), jnp.asarray(sigma_alpha), check_constraints(constraints))
