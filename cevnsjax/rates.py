"""Expected event rates: the forward model's API verbs.

    counts[d, b] = exposure_d · Σ_T w_T · dR/dT(T) · P_{d,b}(E_ee(T))

* ``dR/dT`` [counts kg⁻¹ day⁻¹ MeV⁻¹] — :func:`recoil_spectrum`: the flux-
  averaged CEvNS cross section summed over isotopes,
  ``flux_norm · Σ_iso c_iso F²_iso(T) {Q_W,iso² [I0 − T I1 − (M_iso T / 2) I2]
  + r_iso μν² [I0/T − I1 + (T/4) I2]}`` (weak with NSI, plus the incoherent
  magnetic-moment term; ``r_iso`` from :func:`magnetic_to_weak_ratio`),
  where ``I_k(T) = ∫_{E_min(T)}^{E_max} s(E) E^{-k} dE`` are precomputed flux
  moments and ``c_iso`` folds all dimensional constants (see :mod:`units`).
* ``E_ee(T) = Y(T; quench_k) · T`` — Lindhard quenching.
* ``P_{d,b}`` — detector response (trigger efficiency × Gaussian resolution
  integrated over reconstructed-energy bin b), :func:`cevnsjax.detector.bin_response`.

All functions take ``(params, experiment)``; they are pure, jit-compiled at
the API verbs, and vmap over a leading batch axis of ``params``::

    jax.vmap(total_counts, in_axes=(0, None))(batch, experiment)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .cross_section import magnetic_to_weak_ratio, weak_charge
from .detector import bin_response, resolution_sigma
from .experiment import Experiment
from .parameters import Params
from .quenching import lindhard_yield_from_epsilon
from . import units


def recoil_spectrum(params: Params, experiment: Experiment):
    """dR/dT at the experiment's recoil nodes [counts kg⁻¹ day⁻¹ MeV⁻¹], shape (n_T,)."""
    ex = experiment
    qw = weak_charge(ex.isotope_Z, ex.isotope_N, params.sin2_theta_w, ex.couplings,
                     params.eps_ee_uV, params.eps_ee_dV)  # (n_iso,)
    t = ex.recoil
    m = ex.isotope_mass[:, None]
    i0, i1, i2 = ex.flux_moments[..., 0], ex.flux_moments[..., 1], ex.flux_moments[..., 2]
    weak = i0 - t * i1 - 0.5 * m * t * i2  # (n_iso, n_T)
    magnetic = i0 / t - i1 + 0.25 * t * i2
    mm = magnetic_to_weak_ratio(ex.isotope_mass, ex.isotope_Z) * params.mu_nu**2
    per_isotope = ex.isotope_prefactor[:, None] * ex.form_factor_sq * (qw[:, None] ** 2 * weak + mm[:, None] * magnetic)
    return params.flux_norm * jnp.sum(per_isotope, axis=0)


def ionisation_spectrum_map(params: Params, experiment: Experiment):
    """True ionisation energy E_ee [MeV] of each recoil node, shape (n_T,)."""
    return lindhard_yield_from_epsilon(experiment.lindhard_epsilon, params.quench_k) * experiment.recoil


def detector_response(params: Params, experiment: Experiment):
    """P_{d,b}(T): probability that a recoil at each node lands in bin b of
    detector d after efficiency and resolution, shape (n_det, n_T, n_bins)."""
    ex = experiment
    mu = ionisation_spectrum_map(params, ex)  # (n_T,)
    sigma0 = ex.sigma0 * params.res_scale  # (n_det,)
    sigma = resolution_sigma(mu[None, :], sigma0[:, None], params.fano, ex.pair_energy)  # (n_det, n_T)
    e50 = ex.eff_e50 + params.eff_shift_eVee * units.eV
    width = ex.eff_width * params.eff_width_scale

    def one_detector(sig, lo, hi, e, w):
        return bin_response(mu, sig, lo, hi, e, w, ex.response_nodes, ex.response_window)

    response = jax.vmap(one_detector)(sigma, ex.bin_lo, ex.bin_hi, e50, width)
    return response * ex.bin_mask[:, None, :]


@jax.jit
def expected_counts(params: Params, experiment: Experiment):
    """Expected CEvNS counts per detector and reconstructed-energy bin, (n_det, n_bins)."""
    rate = recoil_spectrum(params, experiment) * experiment.recoil_weights  # counts/(kg day) per node
    response = detector_response(params, experiment)
    return experiment.exposure[:, None] * jnp.einsum("t,dtb->db", rate, response)


@jax.jit
def detector_counts(params: Params, experiment: Experiment):
    """Expected CEvNS counts per detector (summed over bins), shape (n_det,)."""
    return jnp.sum(expected_counts(params, experiment), axis=-1)


@jax.jit
def total_counts(params: Params, experiment: Experiment):
    """Expected CEvNS counts summed over all detectors and bins (scalar)."""
    return jnp.sum(expected_counts(params, experiment))


@jax.jit
def mean_momentum_transfer(params: Params, experiment: Experiment):
    """Event-weighted mean momentum transfer ⟨q⟩ = ⟨√(2 M T)⟩ [MeV] of the
    detected events (abundance-weighted mean nuclear mass), the scale at which
    a CEvNS determination of sin²θW is quoted."""
    rate = recoil_spectrum(params, experiment) * experiment.recoil_weights
    weight = rate * jnp.sum(detector_response(params, experiment), axis=(0, 2))
    mass = jnp.sum(experiment.isotope_prefactor * experiment.isotope_mass) / jnp.sum(experiment.isotope_prefactor)
    q = jnp.sqrt(2.0 * mass * experiment.recoil)
    return jnp.sum(weight * q) / jnp.sum(weight)
