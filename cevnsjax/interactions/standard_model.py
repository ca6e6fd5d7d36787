"""Standard Model CEvNS: weak couplings per neutrino flavour, the weak charge
with proton and neutron form factors, and the kinematic factor.

Convention (physics spec §3.1; seed paper Eq. 1 is the same expression):

    dσ/dT = (G_F² M / π) · Q_W(q)² · (1 − T/E − M T / (2E²)),
    Q_W(q) = Z g_V^p F_p(q) + N g_V^n F_n(q),

with the normalisation Q_W ≈ −N/2 (not −N), so σ ∝ G_F² N² / 4. With equal
proton and neutron form factors this is the familiar Q_W² F². Returned in
natural units [MeV⁻³]; multiply by (ħc)² [MeV² cm²] for cm² MeV⁻¹ (done only in
float64 prefactors, see :mod:`cevnsjax.units`).

Couplings (static choice ``couplings``):

* ``"tree"``: g_V^p = 1/2 − 2 sin²θW, g_V^n = −1/2, for every flavour.
* ``"radiative"``: g_V^n = −0.5117 and a flavour-dependent
  g_V^p(ν_ℓ) = 0.0298 − 2 (sin²θW − 0.23857) − K (⟨r²_νℓ⟩ − ⟨r²_νμ⟩), where
  0.0298 is the radiatively corrected ν_μ value at sin²θW = 0.23857 (Erler &
  Su, Prog. Part. Nucl. Phys. 71 (2013) 119; PDG) and the flavour dependence
  comes from the Standard-Model neutrino charge radii ⟨r²_νe⟩ = −0.83,
  ⟨r²_νμ⟩ = −0.48, ⟨r²_ντ⟩ = −0.30 × 10⁻³² cm² (Bernabéu et al., PRD 62
  (2000) 113012; as used by Cadeddu et al., PRD 98 (2018) 113010), with
  K = √2 π α / (3 G_F) (:func:`cevnsjax.interactions.electromagnetic.charge_radius_shift`).
  This gives g_V^p = 0.0381 (ν_e), 0.0298 (ν_μ), 0.0255 (ν_τ), in line with
  the 0.0379 / 0.0297 / 0.0253 of Atzori Corona et al., JHEP 05 (2024) 271.
  The tree-level slope in sin²θW is kept so sin²θW stays a fit parameter.

Antineutrinos: for spin-0 nuclei the coherent cross section depends only on
the vector couplings squared, so ν and ν̄ of a flavour have the same cross
section (tested); the charge-radius and millicharge parameters are those of
the neutrino, and the antineutrino's opposite charge radius and charge come
with its opposite weak vector coupling, leaving the cross section unchanged.
"""

from __future__ import annotations

import jax.numpy as jnp

from .. import units
from .electromagnetic import SM_CHARGE_RADII, charge_radius_shift

COUPLINGS = ("tree", "radiative")

#: Radiatively corrected couplings at sin²θW = 0.23857 (ν_μ; Erler & Su 2013, PDG).
G_V_P_RADIATIVE = 0.0298
G_V_N_RADIATIVE = -0.5117

#: The lepton flavour of each neutrino species.
LEPTON_FLAVOUR = {"nu_e": "e", "nu_e_bar": "e", "nu_mu": "mu", "nu_mu_bar": "mu", "nu_tau": "tau", "nu_tau_bar": "tau"}


def proton_coupling_offset(flavour: str, couplings: str) -> float:
    """Flavour-dependent part of g_V^p under ``couplings`` (0 at tree level)."""
    if couplings == "tree":
        return 0.0
    if couplings == "radiative":
        lep = LEPTON_FLAVOUR[flavour]
        return float(charge_radius_shift(SM_CHARGE_RADII[lep] - SM_CHARGE_RADII["mu"]))
    raise ValueError(f"couplings: unknown {couplings!r}; allowed: {', '.join(COUPLINGS)}")


def weak_couplings(sin2_theta_w, couplings: str = "tree", flavour: str = "nu_mu"):
    """Vector couplings (g_V^p, g_V^n) of the Z to protons and neutrons for a
    neutrino of ``flavour`` (flavour-independent at tree level)."""
    if couplings == "tree":
        return 0.5 - 2.0 * sin2_theta_w, -0.5 + 0.0 * sin2_theta_w
    if couplings == "radiative":
        gp = (
            G_V_P_RADIATIVE
            - 2.0 * (sin2_theta_w - units.SIN2_THETA_W_LOW_ENERGY)
            + proton_coupling_offset(flavour, couplings)
        )
        return gp, G_V_N_RADIATIVE + 0.0 * sin2_theta_w
    raise ValueError(f"couplings: unknown {couplings!r}; allowed: {', '.join(COUPLINGS)}")


def weak_charge(Z, N, sin2_theta_w, couplings: str = "tree", eps_uV=0.0, eps_dV=0.0, flavour: str = "nu_mu"):
    """Weak charge Q_W = Z g_V^p + N g_V^n (≈ −N/2) at q = 0, with flavour-diagonal
    vector NSI (physics spec §3.4, seed 004):

        Q_W = Z (g_V^p + 2ε^u + ε^d) + N (g_V^n + ε^u + 2ε^d).

    For a target the degenerate direction is (2Z+N) ε^u + (Z+2N) ε^d = const.
    """
    gp, gn = weak_couplings(sin2_theta_w, couplings, flavour)
    return Z * (gp + 2.0 * eps_uV + eps_dV) + N * (gn + eps_uV + 2.0 * eps_dV)


def cevns_kinematic_factor(energy, recoil, mass):
    """1 − T/E − MT/(2E²), set to zero outside the kinematically allowed region."""
    factor = 1.0 - recoil / energy - mass * recoil / (2.0 * energy**2)
    return jnp.maximum(factor, 0.0)


def cevns_differential_cross_section(energy, recoil, mass, weak_charge_value, form_factor_value):
    """dσ/dT [MeV⁻³] for neutrino energy ``energy`` and recoil ``recoil`` [MeV]."""
    prefactor = units.G_FERMI**2 * mass / jnp.pi
    return prefactor * weak_charge_value**2 * form_factor_value**2 * cevns_kinematic_factor(energy, recoil, mass)
