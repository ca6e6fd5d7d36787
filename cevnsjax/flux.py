"""Reactor electron-antineutrino flux φ(E) [ν̄ cm⁻² s⁻¹ MeV⁻¹].

Model (all energies in MeV):

* **Fission spectra above 2 MeV**: Huber–Mueller, ``S_i(E) = exp(Σ_k a_k E^k)``
  [ν̄ MeV⁻¹ fission⁻¹] with the 5th-order coefficients of Huber 2011
  (arXiv:1106.0687, Tab. III) for ²³⁵U, ²³⁹Pu, ²⁴¹Pu and of Mueller 2011
  (arXiv:1101.2663) for ²³⁸U. Valid 2–8 MeV; used up to ``e_max`` (default
  10 MeV) as an extrapolation.
* **Fission spectra below 2 MeV**: Vogel & Engel 1989 (Phys. Rev. D 39, 3378),
  ``S_i(E) = exp(a0 + a1 E + a2 E²)``, used as they are (the two fits differ by
  up to 10 % at 2 MeV; the step only matters below the CEvNS thresholds).
* **Neutron capture on ²³⁸U**: ``captures_per_fission`` (default 0.6) times the
  two β⁻ decays ²³⁹U → ²³⁹Np (Q = 1.2616 MeV) and ²³⁹Np → ²³⁹Pu
  (Q = 0.7223 MeV; AME2020), each one ν̄, modelled as a single allowed branch at
  the Q value without the Fermi function: ``dN/dE ∝ E² p_e W_e`` with
  ``W_e = Q − E + m_e``. Only E < 1.3 MeV, so it changes the CEvNS rate
  only through the normalisation to a quoted total flux.

Normalisation, two modes (chosen per experiment, see :func:`flux_scale`):

* ``"total_flux"``: φ = Φ · s(E) / ∫₀^{e_max} s dE, with s the fission-weighted
  spectrum including capture ν̄. The count above threshold then depends on the
  share of Φ the low-energy model puts below 2 MeV.
* ``"thermal_power"``: φ = P / (4π L² ⟨E_f⟩) · s(E) with
  ``⟨E_f⟩ = Σ f_i E_i`` (energy per fission, Ma et al. 2013 by default).

The spectral functions are pure JAX single-point functions that broadcast.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from . import units
from .quadrature import map_nodes

#: Fissioning isotopes in the order used for all arrays.
FISSION_ISOTOPES = ("U235", "U238", "Pu239", "Pu241")

#: Huber 2011 (arXiv:1106.0687 Tab. III) for U235, Pu239, Pu241; Mueller 2011
#: (arXiv:1101.2663) for U238. exp(Σ a_k E^k), E in MeV.
HUBER_MUELLER = {
    "U235": (4.367, -4.577, 2.100, -5.294e-1, 6.186e-2, -2.777e-3),
    "U238": (4.833e-1, 1.927e-1, -1.283e-1, -6.762e-3, 2.233e-3, -1.536e-4),
    "Pu239": (4.757, -5.392, 2.563, -6.596e-1, 7.820e-2, -3.536e-3),
    "Pu241": (2.990, -2.882, 1.278, -3.343e-1, 3.905e-2, -1.754e-3),
}

#: Vogel & Engel 1989, Phys. Rev. D 39, 3378: exp(a0 + a1 E + a2 E²).
VOGEL_ENGEL = {
    "U235": (0.870, -0.160, -0.0910),
    "U238": (0.976, -0.162, -0.0790),
    "Pu239": (0.896, -0.239, -0.0981),
    "Pu241": (0.793, -0.080, -0.1085),
}

#: Energy released per fission [MeV]: Ma et al. 2013, Phys. Rev. C 88, 014605.
ENERGY_PER_FISSION_MA2013 = {"U235": 202.36, "U238": 205.99, "Pu239": 211.12, "Pu241": 214.26}
#: Kopeikin et al. 2004, Phys. Atom. Nucl. 67, 1892.
ENERGY_PER_FISSION_KOPEIKIN2004 = {"U235": 201.92, "U238": 205.52, "Pu239": 209.99, "Pu241": 213.60}

#: β⁻ Q values [MeV] of the 238U neutron-capture chain (AME2020).
Q_BETA_U239 = 1.2616
Q_BETA_NP239 = 0.7223

#: Boundary between the Vogel–Engel and Huber–Mueller parametrisations [MeV].
E_SPLIT = 2.0


def _poly_exp(coeffs, energy):
    acc = jnp.zeros_like(energy)
    for a in reversed(coeffs):
        acc = acc * energy + a
    return jnp.exp(acc)


def fission_spectrum(isotope: str, energy):
    """ν̄ spectrum per fission of ``isotope`` [MeV⁻¹ fission⁻¹] at ``energy`` [MeV].

    Vogel–Engel below 2 MeV, Huber–Mueller above. Zero for ``energy <= 0``.
    """
    energy = jnp.asarray(energy)
    hm = _poly_exp(HUBER_MUELLER[isotope], energy)
    ve = _poly_exp(VOGEL_ENGEL[isotope], energy)
    return jnp.where(energy >= E_SPLIT, hm, jnp.where(energy > 0, ve, 0.0))


def _allowed_beta_shape(energy, q_value):
    # antineutrino energy E, electron total energy W = Q - E + m_e
    w = q_value - energy + units.M_ELECTRON
    inside = (energy > 0) & (energy < q_value)
    w_safe = jnp.where(inside, w, units.M_ELECTRON + 1.0)
    p = jnp.sqrt(w_safe**2 - units.M_ELECTRON**2)
    return jnp.where(inside, energy**2 * p * w_safe, 0.0)


def _beta_shape_norm(q_value: float) -> float:
    x, w = np.polynomial.legendre.leggauss(200)
    e = 0.5 * q_value * (x + 1.0)
    we = q_value - e + units.M_ELECTRON
    shape = e**2 * np.sqrt(we**2 - units.M_ELECTRON**2) * we
    return float(0.5 * q_value * np.sum(w * shape))


_BETA_NORMS = {q: _beta_shape_norm(q) for q in (Q_BETA_U239, Q_BETA_NP239)}


def capture_spectrum(energy):
    """ν̄ spectrum per ²³⁸U neutron capture [MeV⁻¹ capture⁻¹]: the ²³⁹U and ²³⁹Np
    β⁻ decays, each normalised to one ν̄ (allowed shape, single branch at Q)."""
    energy = jnp.asarray(energy)
    return sum(_allowed_beta_shape(energy, q) / _BETA_NORMS[q] for q in (Q_BETA_U239, Q_BETA_NP239))


def reactor_spectrum(energy, fission_fractions, captures_per_fission):
    """Fission-weighted ν̄ spectrum s(E) [MeV⁻¹ per fission] (all fissions).

    ``fission_fractions``: array of 4 in :data:`FISSION_ISOTOPES` order (sums to 1).
    """
    energy = jnp.asarray(energy)
    total = captures_per_fission * capture_spectrum(energy)
    for i, iso in enumerate(FISSION_ISOTOPES):
        total = total + fission_fractions[i] * fission_spectrum(iso, energy)
    return total


def neutrinos_per_fission(fission_fractions, captures_per_fission, e_max: float, order: int = 200):
    """∫₀^{e_max} s(E) dE: antineutrinos per fission [1], by piecewise Gauss–Legendre
    on [0, Q_Np], [Q_Np, Q_U], [Q_U, 2], [2, e_max] (the spectrum is smooth on each)."""
    edges = [0.0, Q_BETA_NP239, Q_BETA_U239, E_SPLIT, e_max]
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        e, w = map_nodes(lo, hi, order)
        total = total + jnp.sum(w * reactor_spectrum(e, fission_fractions, captures_per_fission))
    return total


def fission_rate(thermal_power_gw: float, fission_fractions, energy_per_fission_mev) -> float:
    """Fissions per second of a reactor at ``thermal_power_gw`` [GW]."""
    mean_energy = float(np.dot(np.asarray(fission_fractions), np.asarray(energy_per_fission_mev)))
    return thermal_power_gw * 1e9 / (mean_energy * units.MEV_TO_JOULE)


def flux_scale(source) -> float:
    """The factor ``A`` in φ(E) = A · s(E) [cm⁻² s⁻¹ fission], for a validated
    ``source`` mapping (see :mod:`cevnsjax.experiment`)."""
    fractions = np.asarray(source["fission_fractions"])
    distance_cm = source["distance_m"] * units.METRE
    mode = source["normalisation"]
    if mode == "total_flux":
        per_fission = float(neutrinos_per_fission(fractions, source["captures_per_fission"], source["e_max_MeV"]))
        return source["total_flux_cm2_s"] / per_fission
    if mode == "thermal_power":
        rate = fission_rate(source["thermal_power_GW"], fractions, source["energy_per_fission_MeV"])
        return rate / (4.0 * math.pi * distance_cm**2)
    raise ValueError(f"source.normalisation: unknown mode {mode!r}; allowed: 'total_flux', 'thermal_power'")
