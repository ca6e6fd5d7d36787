"""Neutrino electromagnetic properties in CEvNS: magnetic moment (incoherent),
millicharge and charge radius (both shift the proton coupling).

Charge radius (Giunti & Studenikin, Rev. Mod. Phys. 87 (2015) 531, Eq. 9.20;
physics spec §8): g_V^p → g_V^p − (√2 π α / (3 G_F)) ⟨r²_νℓ⟩, i.e. the weak
charge gains −Z F_p K ⟨r²⟩. Parameters ``r2_nue``, ``r2_numu``, ``r2_nutau``
are in units of 10⁻³² cm²; they are *added* to what the coupling scheme already
contains (the ``radiative`` scheme includes the Standard-Model radii, the
``tree`` scheme none).

Antineutrinos: the parameters are the *neutrino* radii ⟨r²_νℓ⟩, and ν̄_ℓ sees the
same shift of g_V^p. In terms of the antineutrino's own radius ⟨r²_ν̄ℓ⟩ = −⟨r²_νℓ⟩
the shift carries the opposite sign (physics spec §8: "for antineutrinos the sign
of ⟨r²⟩ flips"), because the antineutrino's vector current flips sign in both the
Z and the photon exchange, leaving their interference unchanged (Cadeddu et al.,
PRD 98 (2018) 113010, below Eq. 4).
"""

from __future__ import annotations

import jax.numpy as jnp

from .. import units

#: Standard-Model neutrino charge radii [10⁻³² cm²] (Bernabéu et al., PRD 62 (2000) 113012;
#: Cadeddu et al., PRD 98 (2018) 113010, Eq. 5): ⟨r²_νe⟩, ⟨r²_νμ⟩, ⟨r²_ντ⟩.
SM_CHARGE_RADII = {"e": -0.83, "mu": -0.48, "tau": -0.30}

#: 10⁻³² cm² in MeV⁻²: 1 cm = 1 / (ħc [MeV cm]) MeV⁻¹.
R2_UNIT_MEV = 1e-32 / units.HBARC_MEV_CM**2


def charge_radius_shift(r2):
    """δg_V^p = −(√2 π α / (3 G_F)) ⟨r²⟩ for ⟨r²⟩ in 10⁻³² cm² (dimensionless)."""
    return -jnp.sqrt(2.0) * jnp.pi * units.ALPHA_EM / (3.0 * units.G_FERMI) * r2 * R2_UNIT_MEV


def magnetic_to_weak_ratio(mass, Z):
    """Ratio of the magnetic-moment prefactor (π α²/m_e²) Z² (per μB²) to the
    CEvNS prefactor G_F² M / π [MeV]: multiplies the magnetic kinematic factor
    (1/T − 1/E + T/(4E²)) [MeV⁻¹] to compare with Q_W² (1 − T/E − MT/(2E²)).

    Magnetic moment on a nucleus (seed 000 Eq. 3, Vogel & Engel 1989):
    dσ/dT = (π α²/m_e²) (μν/μB)² Z² (1/T − 1/E + T/(4E²)) F², adding
    incoherently to the weak cross section.
    """
    return (jnp.pi**2 * units.ALPHA_EM**2 * Z**2) / (units.M_ELECTRON**2 * units.G_FERMI**2 * mass)


def magnetic_kinematic_factor(energy, recoil):
    """1/T − 1/E + T/(4E²) [MeV⁻¹] (≥ 0 wherever the recoil is allowed)."""
    return jnp.maximum(1.0 / recoil - 1.0 / energy + recoil / (4.0 * energy**2), 0.0)


def magnetic_differential_cross_section(energy, recoil, Z, mu_nu, form_factor_value):
    """Magnetic-moment dσ/dT on a nucleus [MeV⁻³], μν in units of μB."""
    prefactor = jnp.pi * units.ALPHA_EM**2 / units.M_ELECTRON**2
    return prefactor * mu_nu**2 * Z**2 * magnetic_kinematic_factor(energy, recoil) * form_factor_value**2


def millicharge_shift(Z, q_nu, q2):
    """ΔQ_W = Z · 2√2 π α q_ν / (G_F q²) from a neutrino millicharge q_ν [e]
    (physics spec §3.3: g_V^p → g_V^p + 2√2 π α q_ν/(G_F q²)); sign convention:
    a positive q_nu raises g_V^p for the ν̄e beam, i.e. interferes destructively
    with the (negative) Standard Model weak charge."""
    return Z * 2.0 * jnp.sqrt(2.0) * jnp.pi * units.ALPHA_EM * q_nu / (units.G_FERMI * q2)
