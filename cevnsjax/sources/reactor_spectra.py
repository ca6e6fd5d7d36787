"""Reactor electron-antineutrino spectra s(E) [ν̄ MeV⁻¹ fission⁻¹] (energies in MeV).

Spectrum models (``spectrum_model`` in a reactor ``source`` block):

* ``"huber-mueller"`` (default): above 2 MeV ``S_i(E) = exp(Σ_k a_k E^k)`` with
  the 5th-order coefficients of Huber 2011 (Phys. Rev. C 84, 024617,
  arXiv:1106.0687, Tab. III) for ²³⁵U, ²³⁹Pu, ²⁴¹Pu and of Mueller et al. 2011
  (Phys. Rev. C 83, 054615, arXiv:1101.2663, Tab. VI) for ²³⁸U.
* ``"mueller2011"``: the same form with Mueller et al. 2011's own fits for all
  four isotopes (arXiv:1101.2663, Tab. VI).
* ``"vogel-engel"``: Vogel & Engel 1989 (Phys. Rev. D 39, 3378),
  ``S_i(E) = exp(a0 + a1 E + a2 E²)``, over the whole range.

Below 2 MeV the first two use Vogel & Engel 1989 as it is (the fits differ by
up to 10 % at 2 MeV; the step only matters below the CEvNS thresholds).

Above 8 MeV (``above_8MeV``): the 2–8 MeV exp-polynomial fits are not data
there, and the 5th-order polynomials collapse (S₂₃₅(9 MeV) ≈ 2e-5,
S₂₃₅(10 MeV) ≈ 2e-9 per MeV per fission). Three explicit choices:
``"polynomial"`` (default, the fit extrapolated as it is), ``"exponential"``
(continue from S_i(8 MeV) with the fit's logarithmic slope d ln S_i/dE at
8 MeV) and ``"cutoff"`` (zero above 8 MeV). All three agree at 8 MeV.

Neutron capture on ²³⁸U: ``captures_per_fission`` (default 0.6) times the two
β⁻ decays ²³⁹U → ²³⁹Np (Q = 1.2616 MeV) and ²³⁹Np → ²³⁹Pu (Q = 0.7223 MeV;
AME2020), each one ν̄, modelled as a single allowed branch at the Q value
without the Fermi function: ``dN/dE ∝ E² p_e W_e``, ``W_e = Q − E + m_e``.

The spectral functions are pure single-point functions that broadcast; they
take the array namespace ``xp`` (``jax.numpy`` by default, ``numpy`` for
one-off float64 precomputation).
"""

from __future__ import annotations

import itertools
import math

import jax.numpy as jnp
import numpy as np

from .. import units

#: Fissioning isotopes in the order used for all arrays.
FISSION_ISOTOPES = ("U235", "U238", "Pu239", "Pu241")

#: Huber 2011 (arXiv:1106.0687 Tab. III) for U235, Pu239, Pu241; Mueller 2011
#: (arXiv:1101.2663 Tab. VI) for U238. exp(Σ a_k E^k), E in MeV.
HUBER_MUELLER = {
    "U235": (4.367, -4.577, 2.100, -5.294e-1, 6.186e-2, -2.777e-3),
    "U238": (4.833e-1, 1.927e-1, -1.283e-1, -6.762e-3, 2.233e-3, -1.536e-4),
    "Pu239": (4.757, -5.392, 2.563, -6.596e-1, 7.820e-2, -3.536e-3),
    "Pu241": (2.990, -2.882, 1.278, -3.343e-1, 3.905e-2, -1.754e-3),
}

#: Mueller et al. 2011 (Phys. Rev. C 83, 054615, arXiv:1101.2663 Tab. VI):
#: exp(Σ a_k E^k), E in MeV, fitted on 2–8 MeV.
MUELLER_2011 = {
    "U235": (3.217, -3.111, 1.395, -3.690e-1, 4.445e-2, -2.053e-3),
    "U238": (4.833e-1, 1.927e-1, -1.283e-1, -6.762e-3, 2.233e-3, -1.536e-4),
    "Pu239": (6.413, -7.432, 3.535, -8.820e-1, 1.025e-1, -4.550e-3),
    "Pu241": (3.251, -3.204, 1.428, -3.675e-1, 4.254e-2, -1.896e-3),
}

#: Vogel & Engel 1989, Phys. Rev. D 39, 3378: exp(a0 + a1 E + a2 E²).
VOGEL_ENGEL = {
    "U235": (0.870, -0.160, -0.0910),
    "U238": (0.976, -0.162, -0.0790),
    "Pu239": (0.896, -0.239, -0.0981),
    "Pu241": (0.793, -0.080, -0.1085),
}

#: Coefficients above 2 MeV of each spectrum model.
SPECTRUM_MODELS = {"huber-mueller": HUBER_MUELLER, "mueller2011": MUELLER_2011, "vogel-engel": VOGEL_ENGEL}
#: Continuations above 8 MeV.
ABOVE_8MEV = ("polynomial", "exponential", "cutoff")

#: Energy released per fission [MeV]: Ma et al. 2013, Phys. Rev. C 88, 014605.
ENERGY_PER_FISSION_MA2013 = {"U235": 202.36, "U238": 205.99, "Pu239": 211.12, "Pu241": 214.26}
#: Kopeikin et al. 2004, Phys. Atom. Nucl. 67, 1892.
ENERGY_PER_FISSION_KOPEIKIN2004 = {"U235": 201.92, "U238": 205.52, "Pu239": 209.99, "Pu241": 213.60}

#: β⁻ Q values [MeV] of the 238U neutron-capture chain (AME2020).
Q_BETA_U239 = 1.2616
Q_BETA_NP239 = 0.7223

#: Boundary between the Vogel–Engel and the 2–8 MeV parametrisations [MeV].
E_SPLIT = 2.0
#: Upper end of the fitted range of the exp-polynomial spectra [MeV].
E_FIT_MAX = 8.0


def _poly(coeffs, energy, xp):
    acc = xp.zeros_like(energy)
    for a in reversed(coeffs):
        acc = acc * energy + a
    return acc


def _poly_exp(coeffs, energy, xp=jnp):
    return xp.exp(_poly(coeffs, energy, xp))


def _log_slope(coeffs, energy: float) -> float:
    """d/dE Σ a_k E^k at ``energy`` [MeV⁻¹]."""
    return sum(k * a * energy ** (k - 1) for k, a in enumerate(coeffs) if k > 0)


def fission_spectrum(isotope: str, energy, model: str = "huber-mueller", above_8MeV: str = "polynomial", xp=jnp):
    """ν̄ spectrum per fission of ``isotope`` [MeV⁻¹ fission⁻¹] at ``energy`` [MeV].

    Vogel–Engel below 2 MeV, ``model`` above, continued above 8 MeV as
    ``above_8MeV`` says (see the module docstring). Zero for ``energy <= 0``.
    """
    energy = xp.asarray(energy)
    coeffs = SPECTRUM_MODELS[model][isotope]
    fit = _poly_exp(coeffs, energy, xp)
    if above_8MeV == "exponential":
        at8 = _poly(coeffs, E_FIT_MAX, np)
        tail = xp.exp(at8 + _log_slope(coeffs, E_FIT_MAX) * (energy - E_FIT_MAX))
        fit = xp.where(energy > E_FIT_MAX, tail, fit)
    elif above_8MeV == "cutoff":
        fit = xp.where(energy > E_FIT_MAX, 0.0, fit)
    elif above_8MeV != "polynomial":
        raise ValueError(f"above_8MeV: unknown {above_8MeV!r}; allowed: {', '.join(ABOVE_8MEV)}")
    ve = _poly_exp(VOGEL_ENGEL[isotope], energy, xp)
    return xp.where(energy >= E_SPLIT, fit, xp.where(energy > 0, ve, 0.0))


def _allowed_beta_shape(energy, q_value, xp=jnp):
    # antineutrino energy E, electron total energy W = Q - E + m_e
    w = q_value - energy + units.M_ELECTRON
    inside = (energy > 0) & (energy < q_value)
    w_safe = xp.where(inside, w, units.M_ELECTRON + 1.0)
    p = xp.sqrt(w_safe**2 - units.M_ELECTRON**2)
    return xp.where(inside, energy**2 * p * w_safe, 0.0)


def _beta_shape_norm(q_value: float) -> float:
    x, w = np.polynomial.legendre.leggauss(200)
    e = 0.5 * q_value * (x + 1.0)
    we = q_value - e + units.M_ELECTRON
    shape = e**2 * np.sqrt(we**2 - units.M_ELECTRON**2) * we
    return float(0.5 * q_value * np.sum(w * shape))


_BETA_NORMS = {q: _beta_shape_norm(q) for q in (Q_BETA_U239, Q_BETA_NP239)}


def capture_spectrum(energy, xp=jnp):
    """ν̄ spectrum per ²³⁸U neutron capture [MeV⁻¹ capture⁻¹]: the ²³⁹U and ²³⁹Np
    β⁻ decays, each normalised to one ν̄ (allowed shape, single branch at Q)."""
    energy = xp.asarray(energy)
    return sum(_allowed_beta_shape(energy, q, xp) / _BETA_NORMS[q] for q in (Q_BETA_U239, Q_BETA_NP239))


def reactor_spectrum(
    energy,
    fission_fractions,
    captures_per_fission,
    model: str = "huber-mueller",
    above_8MeV: str = "polynomial",
    xp=jnp,
):
    """Fission-weighted ν̄ spectrum s(E) [MeV⁻¹ per fission] (all fissions).

    ``fission_fractions``: array of 4 in :data:`FISSION_ISOTOPES` order (sums to 1).
    """
    energy = xp.asarray(energy)
    total = captures_per_fission * capture_spectrum(energy, xp)
    for i, iso in enumerate(FISSION_ISOTOPES):
        total = total + fission_fractions[i] * fission_spectrum(iso, energy, model, above_8MeV, xp)
    return total


def spectrum_breaks(e_max: float, above_8MeV: str = "polynomial") -> tuple[float, ...]:
    """Energies [MeV] between which s(E) is smooth: 0, the two capture Q values,
    2 MeV, 8 MeV (unless the polynomial continues smoothly) and the upper end."""
    edges = [0.0, Q_BETA_NP239, Q_BETA_U239, E_SPLIT]
    if above_8MeV == "cutoff":
        return (*edges, min(E_FIT_MAX, e_max))
    if above_8MeV == "exponential" and e_max > E_FIT_MAX:
        edges.append(E_FIT_MAX)
    return (*edges, e_max)


def neutrinos_per_fission(
    fission_fractions,
    captures_per_fission,
    e_max: float,
    order: int = 200,
    model: str = "huber-mueller",
    above_8MeV: str = "polynomial",
    xp=jnp,
):
    """∫₀^{e_max} s(E) dE: antineutrinos per fission [1], by piecewise
    Gauss–Legendre between :func:`spectrum_breaks` (s is smooth on each piece)."""
    edges = spectrum_breaks(e_max, above_8MeV)
    x, w = np.polynomial.legendre.leggauss(order)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        half = 0.5 * (hi - lo)
        e = xp.asarray(lo + half + half * x)
        total = total + xp.sum(
            half * w * reactor_spectrum(e, fission_fractions, captures_per_fission, model, above_8MeV, xp)
        )
    return total


def fission_rate(thermal_power_gw: float, fission_fractions, energy_per_fission_mev) -> float:
    """Fissions per second of a reactor at ``thermal_power_gw`` [GW]."""
    mean_energy = float(np.dot(np.asarray(fission_fractions), np.asarray(energy_per_fission_mev)))
    return thermal_power_gw * 1e9 / (mean_energy * units.MEV_TO_JOULE)


def flux_scale(source) -> float:
    """The factor ``A`` in φ(E) = A · s(E) [cm⁻² s⁻¹ fission] for a ``source``
    mapping with ``fission_fractions`` (4, :data:`FISSION_ISOTOPES` order),
    ``distance_m``, ``normalisation`` and the fields that mode needs
    (``total_flux_cm2_s``, ``captures_per_fission``, ``e_max_MeV``; or
    ``thermal_power_GW``, ``energy_per_fission_MeV``), and optionally
    ``spectrum_model`` and ``above_8MeV``."""
    fractions = np.asarray(source["fission_fractions"])
    distance_cm = source["distance_m"] * units.METRE
    mode = source["normalisation"]
    if mode == "total_flux":
        per_fission = float(
            neutrinos_per_fission(
                fractions,
                source["captures_per_fission"],
                source["e_max_MeV"],
                model=source.get("spectrum_model", "huber-mueller"),
                above_8MeV=source.get("above_8MeV", "polynomial"),
                xp=np,
            )
        )
        return source["total_flux_cm2_s"] / per_fission
    if mode == "thermal_power":
        rate = fission_rate(source["thermal_power_GW"], fractions, source["energy_per_fission_MeV"])
        return rate / (4.0 * math.pi * distance_cm**2)
    raise ValueError(f"source.normalisation: unknown mode {mode!r}; allowed: 'total_flux', 'thermal_power'")
