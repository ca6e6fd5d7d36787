"""Standard Model CEvNS cross section.

Convention (physics spec §3.1; seed paper Eq. 1 is the same expression):

    dσ/dT = (G_F² M / π) · Q_W² · F²(q) · (1 − T/E − M T / (2E²)),
    Q_W = Z g_V^p + N g_V^n,

with the normalisation Q_W ≈ −N/2 (not −N), so σ ∝ G_F² N² / 4. Returned in
natural units [MeV⁻³]; multiply by (ħc)² [MeV² cm²] for cm² MeV⁻¹ (done only
in float64 prefactors, see :mod:`cevnsjax.units`).

Couplings (static choice ``couplings``):

* ``"tree"``: g_V^p = 1/2 − 2 sin²θW, g_V^n = −1/2.
* ``"radiative"``: g_V^p = 0.0298 − 2 (sin²θW − 0.23857), g_V^n = −0.5117
  (radiatively corrected values at sin²θW = 0.23857, physics spec §3.1;
  Erler & Su, Prog. Part. Nucl. Phys. 71 (2013) 119 / PDG); the tree-level
  slope in sin²θW is kept so sin²θW stays a fit parameter.
"""

from __future__ import annotations

import jax.numpy as jnp

from . import units

COUPLINGS = ("tree", "radiative")

G_V_P_RADIATIVE = 0.0298
G_V_N_RADIATIVE = -0.5117


def weak_couplings(sin2_theta_w, couplings: str = "tree"):
    """Vector couplings (g_V^p, g_V^n) of the Z to protons and neutrons."""
    if couplings == "tree":
        return 0.5 - 2.0 * sin2_theta_w, -0.5 + 0.0 * sin2_theta_w
    if couplings == "radiative":
        gp = G_V_P_RADIATIVE - 2.0 * (sin2_theta_w - units.SIN2_THETA_W_LOW_ENERGY)
        return gp, G_V_N_RADIATIVE + 0.0 * sin2_theta_w
    raise ValueError(f"couplings: unknown {couplings!r}; allowed: {', '.join(COUPLINGS)}")


def weak_charge(Z, N, sin2_theta_w, couplings: str = "tree", eps_uV=0.0, eps_dV=0.0):
    """Weak charge Q_W = Z g_V^p + N g_V^n (≈ −N/2), with flavour-diagonal
    vector NSI (physics spec §3.4, seed 004):

        Q_W = Z (g_V^p + 2ε^u + ε^d) + N (g_V^n + ε^u + 2ε^d).

    For a target the degenerate direction is (2Z+N) ε^u + (Z+2N) ε^d = const.
    """
    gp, gn = weak_couplings(sin2_theta_w, couplings)
    return Z * (gp + 2.0 * eps_uV + eps_dV) + N * (gn + eps_uV + 2.0 * eps_dV)


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


def cevns_kinematic_factor(energy, recoil, mass):
    """1 − T/E − MT/(2E²), set to zero outside the kinematically allowed region."""
    factor = 1.0 - recoil / energy - mass * recoil / (2.0 * energy**2)
    return jnp.maximum(factor, 0.0)


def cevns_differential_cross_section(energy, recoil, mass, weak_charge_value, form_factor_value):
    """dσ/dT [MeV⁻³] for neutrino energy ``energy`` and recoil ``recoil`` [MeV]."""
    prefactor = units.G_FERMI**2 * mass / jnp.pi
    return prefactor * weak_charge_value**2 * form_factor_value**2 * cevns_kinematic_factor(energy, recoil, mass)
