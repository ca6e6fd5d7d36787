"""The counting analysis of the CONUS+ observation (seed paper 000, Eq. 2)::

    χ²(X) = min_α [ ((N_meas − (1+α) N_th(X)) / σ_stat)² + (α/σ_α)² ],
    σ_stat = √N_meas,  σ_α² = 0.024² + 0.113² + 0.263²

(flux, quenching, and background + non-linearity).

As a probabilistic model: N_meas ~ N((1+α) N_th, σ_stat²) with α ~ N(0, σ_α²);
σ_stat is a fixed property of the analysis (√N_meas of the observed count,
kept when the data are replaced, so toys and calibration data sets follow the
same likelihood).

* **Fits** — α profiled in closed form:
  ``α̂ = N_th (N − N_th) σ_α² / (σ_stat² + N_th² σ_α²)`` and
  ``χ² = (N − N_th)² / V`` with ``V = σ_stat² + σ_α² N_th²``;
  :func:`profile_alpha_numerically` finds the same minimum with a gradient-based
  optimiser (they agree to 1e-8, tested).
* **Posteriors** — α integrated out exactly: the marginal likelihood is
  N(N_meas; N_th, V), i.e. ``exp(−χ²/2) / √(2π V)``. The factor 1/√V is what a
  posterior ∝ exp(−χ²_profile/2) misses: χ²_profile saturates at 1/σ_α² ≈ 12.1
  as N_th → ∞ while 1/√V keeps falling. Alternatively α is sampled as a latent
  site ``alpha`` with prior N(0, σ_α) (``analytic=False``); both give the same
  posterior (tested).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import optimistix as optx

from ..experiment import Experiment
from ..parameters import Params
from ..rates import expected_counts
from .model import Analysis, Nuisance, check_constraints, gaussian_penalty

#: Seed paper 000: measured CONUS+ events (395 ± 106).
SEED_MEASURED = 395.0
#: Seed paper 000: σ_α from 2.4 % flux, 11.3 % quenching, 26.3 % background and non-linearity.
SEED_SIGMA_ALPHA = math.sqrt(0.024**2 + 0.113**2 + 0.263**2)


def counting_chi2_at_alpha(alpha, predicted, measured, sigma_alpha, sigma_stat2=None):
    """Seed Eq. 2 before minimising over α (σ_stat² defaults to N_meas)."""
    s2 = measured if sigma_stat2 is None else sigma_stat2
    return ((measured - (1.0 + alpha) * predicted) ** 2) / s2 + (alpha / sigma_alpha) ** 2


def counting_alpha_hat(predicted, measured, sigma_alpha, sigma_stat2=None):
    """The α minimising :func:`counting_chi2_at_alpha` (closed form)."""
    s2 = measured if sigma_stat2 is None else sigma_stat2
    return predicted * (measured - predicted) * sigma_alpha**2 / (s2 + predicted**2 * sigma_alpha**2)


def counting_chi2(predicted, measured, sigma_alpha, sigma_stat2=None):
    """Seed Eq. 2 minimised over α in closed form."""
    s2 = measured if sigma_stat2 is None else sigma_stat2
    return (measured - predicted) ** 2 / (s2 + predicted**2 * sigma_alpha**2)


def profile_alpha_numerically(predicted, measured, sigma_alpha):
    """Seed Eq. 2 minimised over α with optimistix BFGS: ``(α̂, χ²_min)``."""

    def fn(alpha, args):
        return counting_chi2_at_alpha(alpha, *args)

    sol = optx.minimise(
        fn,
        optx.BFGS(rtol=1e-12, atol=1e-14),
        jnp.zeros_like(jnp.asarray(predicted, dtype=float)),
        args=(predicted, measured, sigma_alpha),
        max_steps=200,
    )
    return sol.value, fn(sol.value, (predicted, measured, sigma_alpha))


class CountingAnalysis(Analysis):
    """Counting χ² (seed Eq. 2) of the total expected counts of an experiment,
    plus optional Gaussian pull terms on physics parameters. Latent nuisance:
    ``alpha`` ~ N(0, σ_α). Data: the measured count (a scalar)."""

    experiment: Experiment
    measured: jax.Array
    sigma_alpha: jax.Array
    constraints: tuple[tuple[str, float, float], ...] = eqx.field(static=True)
    sigma_stat2: jax.Array  # σ_stat² [counts²], √N_meas² of the observed count
    analytic_marginal = True

    @property
    def nuisances(self):
        return (Nuisance("alpha", 0.0, self.sigma_alpha),)

    @property
    def data(self):
        return self.measured

    def with_data(self, data) -> CountingAnalysis:
        return eqx.tree_at(lambda a: a.measured, self, jnp.asarray(data, dtype=self.measured.dtype))

    def predicted(self, params: Params):
        """N_th: total expected CEvNS counts [events]."""
        return jnp.sum(expected_counts(params, self.experiment))

    def expected(self, params: Params, nu: dict):
        return (1.0 + nu["alpha"]) * self.predicted(params)

    def data_chi2(self, params: Params, nu: dict):
        return (self.measured - self.expected(params, nu)) ** 2 / self.sigma_stat2

    def log_normaliser(self):
        return -0.5 * jnp.log(2.0 * jnp.pi * self.sigma_stat2)

    def draw(self, key, mean):
        return mean + jnp.sqrt(self.sigma_stat2) * jax.random.normal(key, jnp.shape(mean), dtype=self.measured.dtype)

    def variance(self, params: Params):
        """V = σ_stat² + σ_α² N_th² [counts²]: the variance of N_meas with α integrated out."""
        n = self.predicted(params)
        return self.sigma_stat2 + (self.sigma_alpha * n) ** 2

    def profile_nuisances(self, params: Params) -> dict:
        return {"alpha": counting_alpha_hat(self.predicted(params), self.measured, self.sigma_alpha, self.sigma_stat2)}

    def profile_chi2(self, params: Params):
        chi2 = counting_chi2(self.predicted(params), self.measured, self.sigma_alpha, self.sigma_stat2)
        return chi2 + gaussian_penalty(params, self.constraints)

    def log_marginal_likelihood(self, params: Params):
        """ln N(N_meas; N_th, V) = −½ χ²_profile − ½ ln(2π V) (physics pulls excluded)."""
        n = self.predicted(params)
        v = self.sigma_stat2 + (self.sigma_alpha * n) ** 2
        return -0.5 * (self.measured - n) ** 2 / v - 0.5 * jnp.log(2.0 * jnp.pi * v)


def counting_analysis(
    experiment: Experiment, measured: float = SEED_MEASURED, sigma_alpha: float = SEED_SIGMA_ALPHA, constraints=()
) -> CountingAnalysis:
    """Build a :class:`CountingAnalysis`, validating the inputs.

    ``measured``: observed (background-subtracted) count, > 0 since σ_stat = √N.
    ``sigma_alpha``: relative normalisation uncertainty, > 0.
    ``constraints``: ``{name: (centre, width)}`` Gaussian pull terms on physics parameters.
    """
    measured = float(measured)
    if not (measured > 0 and math.isfinite(measured)):
        raise ValueError(f"measured count must be a positive number (σ_stat = √N_meas), got {measured:g}")
    sigma_alpha = float(sigma_alpha)
    if not (sigma_alpha > 0 and math.isfinite(sigma_alpha)):
        raise ValueError(f"sigma_alpha must be positive, got {sigma_alpha:g}")
    m = jnp.asarray(measured)
    return CountingAnalysis(experiment, m, jnp.asarray(sigma_alpha), check_constraints(constraints), m)
