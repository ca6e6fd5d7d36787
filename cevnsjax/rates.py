"""Expected event rates: the forward model's API verbs.

    counts[d, b] = exposure_d · Σ_T w_T · dR/dT(T) · P_{d,b}(E_ee(T))

* ``dR/dT`` [counts kg⁻¹ day⁻¹ MeV⁻¹] — :func:`recoil_spectrum`: the flux-
  averaged CEvNS cross section summed over isotopes,
  ``flux_norm · Σ_iso c_iso F²_iso(T) {Q_W,iso² [I0 − T I1 − (M_iso T / 2) I2]
  + r_iso μν² [I0/T − I1 + (T/4) I2] + S_iso(T) I2}``: the coherent weak
  charge Q_W(T) with diagonal NSI, a light vector mediator and a millicharge
  (T-dependent through q² = 2MT), off-diagonal NSI added to Q_W² incoherently,
  the magnetic moment and the light scalar (both incoherent); see
  :mod:`cevnsjax.cross_section` for each term's convention,
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

from .cross_section import (
    magnetic_to_weak_ratio,
    millicharge_shift,
    nsi_charge,
    scalar_charge,
    scalar_to_weak_ratio,
    vector_mediator_charge,
    vector_mediator_shift,
    weak_charge,
    electron_couplings,
)
from .detector import bin_response, resolution_sigma
from .experiment import Experiment
from .parameters import Params
from .quenching import lindhard_yield_from_epsilon
from . import units


def recoil_spectrum(params: Params, experiment: Experiment):
    """dR/dT at the experiment's recoil nodes [counts kg⁻¹ day⁻¹ MeV⁻¹], shape (n_T,)."""
    ex = experiment
    Z, N = ex.isotope_Z[:, None], ex.isotope_N[:, None]
    t = ex.recoil
    m = ex.isotope_mass[:, None]
    q2 = 2.0 * m * t  # (n_iso, n_T) [MeV²]
    # coherent weak charge: SM + diagonal NSI + light vector mediator + millicharge
    qw = weak_charge(Z, N, params.sin2_theta_w, ex.couplings, params.eps_ee_uV, params.eps_ee_dV)
    qw = qw + vector_mediator_shift(vector_mediator_charge(ex.vector_mediator, Z, N), params.g_zp, params.m_zp, q2)
    qw = qw + millicharge_shift(Z, params.q_nu, q2)
    # off-diagonal NSI (eμ, eτ) add incoherently to Q_W²
    incoherent = nsi_charge(Z, N, params.eps_emu_uV, params.eps_emu_dV) ** 2 + nsi_charge(Z, N, params.eps_etau_uV, params.eps_etau_dV) ** 2
    i0, i1, i2 = ex.flux_moments[..., 0], ex.flux_moments[..., 1], ex.flux_moments[..., 2]
    weak = i0 - t * i1 - 0.5 * m * t * i2  # (n_iso, n_T)
    magnetic = i0 / t - i1 + 0.25 * t * i2
    mm = magnetic_to_weak_ratio(ex.isotope_mass, ex.isotope_Z)[:, None] * params.mu_nu**2
    scalar = scalar_to_weak_ratio(m, scalar_charge(Z, N), params.g_phi, params.m_phi, t) * i2
    per_isotope = ex.isotope_prefactor[:, None] * ex.form_factor_sq * ((qw**2 + incoherent) * weak + mm * magnetic + scalar)
    return params.flux_norm * jnp.sum(per_isotope, axis=0)


def ionisation_spectrum_map(params: Params, experiment: Experiment):
    """True ionisation energy E_ee [MeV] of each recoil node, shape (n_T,)."""
    return lindhard_yield_from_epsilon(experiment.lindhard_epsilon, params.quench_k) * experiment.recoil


def detector_response(params: Params, experiment: Experiment):
    """P_{d,b}(T): probability that a recoil at each node lands in bin b of
    detector d after efficiency and resolution, shape (n_det, n_T, n_bins)."""
    return response_at(params, experiment, ionisation_spectrum_map(params, experiment))


def response_at(params: Params, experiment: Experiment, mu):
    """P_{d,b}(μ) for true ionisation energies ``mu`` (n,) [MeV]: (n_det, n, n_bins);
    the energy-scale nuisance multiplies μ."""
    ex = experiment
    mu = mu * params.energy_scale
    sigma0 = ex.sigma0 * params.res_scale  # (n_det,)
    sigma = resolution_sigma(mu[None, :], sigma0[:, None], params.fano, ex.pair_energy)  # (n_det, n_T)
    e50 = ex.eff_e50 + params.eff_shift_eVee * units.eV
    width = ex.eff_width * params.eff_width_scale

    def one_detector(sig, lo, hi, e, w):
        return bin_response(mu, sig, lo, hi, e, w, ex.response_nodes, ex.response_window)

    response = jax.vmap(one_detector)(sigma, ex.bin_lo, ex.bin_hi, e50, width)
    return response * ex.bin_mask[:, None, :]


def electron_spectrum(params: Params, experiment: Experiment):
    """dR/dT_e at the electron-recoil nodes [counts kg⁻¹ day⁻¹ MeV⁻¹], (n_Te,):
    ν̄e–e elastic scattering on the target's atomic electrons (stepping
    approximation), Standard Model with CC plus μν, q_ν, Z′ and φ on electrons
    (conventions in :mod:`cevnsjax.cross_section`)."""
    ex = experiment
    t = ex.electron_recoil
    me = units.M_ELECTRON
    i0, i1, i2 = ex.electron_moments[:, 0], ex.electron_moments[:, 1], ex.electron_moments[:, 2]
    gv, ga = electron_couplings(params.sin2_theta_w)
    q2 = 2.0 * me * t
    gv = gv + vector_mediator_shift(1.0, params.g_zp, params.m_zp, q2)
    # (1 − T/E)² = 1 − 2T/E + T²/E²
    sm = ((gv - ga) ** 2) * i0 + ((gv + ga) ** 2) * (i0 - 2.0 * t * i1 + t**2 * i2) - (gv**2 - ga**2) * me * t * i2
    em = 2.0 * jnp.pi**2 * units.ALPHA_EM**2 / (me**3 * units.G_FERMI**2)
    magnetic = em * params.mu_nu**2 * (i0 / t - i1)
    charge = 2.0 * em * me * params.q_nu**2 / t**2 * i0
    scalar = params.g_phi**4 * me * t / (2.0 * units.G_FERMI**2 * (q2 + params.m_phi**2) ** 2) * i2
    return params.flux_norm * ex.electron_prefactor * ex.electron_number * (sm + magnetic + charge + scalar)


def _fold(rate_per_node, response, exposure):
    return exposure[:, None] * jnp.einsum("t,dtb->db", rate_per_node, response)


@jax.jit
def expected_counts_by_channel(params: Params, experiment: Experiment) -> dict:
    """Expected counts per channel ('nuclear', 'electron'), each (n_det, n_bins)."""
    ex = experiment
    out = {}
    if "nuclear" in ex.channels:
        rate = recoil_spectrum(params, ex) * ex.recoil_weights  # counts/(kg day) per node
        out["nuclear"] = _fold(rate, detector_response(params, ex), ex.exposure)
    if "electron" in ex.channels:
        rate = electron_spectrum(params, ex) * ex.electron_weights
        out["electron"] = _fold(rate, response_at(params, ex, ex.electron_recoil), ex.exposure)
    return out


@jax.jit
def expected_counts(params: Params, experiment: Experiment):
    """Expected signal counts (all of the experiment's channels) per detector
    and reconstructed-energy bin, (n_det, n_bins)."""
    return sum(expected_counts_by_channel(params, experiment).values())


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
