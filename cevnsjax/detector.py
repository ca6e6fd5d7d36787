"""Detector response: trigger efficiency, energy resolution, binned folding.

Per detector (all energies here in MeV internally, eVee at the API edge):

* trigger efficiency on the *reconstructed* energy E′:
  ``ε(E′) = ½ [1 + erf((E′ − E50) / (√2 σ_ε))]``;
* Gaussian energy resolution around the true ionisation energy E_ee:
  ``σ²(E_ee) = σ0² + F η E_ee`` (F: Fano factor, η: pair-creation energy;
  Ge: F ≈ 0.11, η = 2.96 eV);
* a bin [lo, hi] of reconstructed energy receives, from a recoil with true
  ionisation energy μ, the probability

      P(μ) = ∫_lo^hi ε(E′) N(E′; μ, σ(μ)) dE′.

:func:`bin_response` evaluates P with a Gauss–Legendre rule mapped onto the
part of the bin within ``window`` standard deviations of μ (outside it the
Gaussian is below e^{-window²/2}, 2e-11 for the default 7), so the integral
has fixed cost and its moving limits are differentiable. This is the model's
definition of the response; efficiency and resolution act on E′ as stated.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax.scipy.special import erf

from .quadrature import map_nodes

SQRT2 = 1.4142135623730951
SQRT2PI = 2.5066282746310002


def trigger_efficiency(energy, e50, width):
    """Error-function trigger efficiency at reconstructed energy ``energy``."""
    return 0.5 * (1.0 + erf((energy - e50) / (SQRT2 * width)))


def resolution_sigma(true_energy, sigma0, fano, pair_energy):
    """Gaussian resolution σ(E_ee) = sqrt(σ0² + F η E_ee) (same units throughout)."""
    return jnp.sqrt(sigma0**2 + fano * pair_energy * jnp.maximum(true_energy, 0.0))


def bin_response(mu, sigma, lo, hi, e50, eff_width, order: int, window: float = 7.0):
    """P(μ) = ∫_lo^hi ε(E′) N(E′; μ, σ) dE′ for every μ and every bin.

    Shapes: ``mu``, ``sigma`` broadcast to ``(..., 1)`` against bins ``lo``,
    ``hi`` of shape ``(n_bins,)``; result ``(..., n_bins)``.
    """
    mu = mu[..., None]
    sigma = sigma[..., None]
    a = jnp.maximum(lo, mu - window * sigma)
    b = jnp.minimum(hi, mu + window * sigma)
    nodes, weights = map_nodes(a, b, order)
    z = (nodes - mu[..., None]) / sigma[..., None]
    pdf = jnp.exp(-0.5 * z**2) / (SQRT2PI * sigma[..., None])
    return jnp.sum(weights * trigger_efficiency(nodes, e50, eff_width) * pdf, axis=-1)
