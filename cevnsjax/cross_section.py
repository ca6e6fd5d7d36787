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
VECTOR_MEDIATORS = ("universal", "b-l")

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


# --- beyond the Standard Model (physics spec §3) ---------------------------------
#
# Light vector mediator Z′ (mass m, coupling g), convention of this package:
#
#     Q_W → Q_W + Q′ g² / (√2 G_F (q² + m²)),
#
# with Q′ the product of the neutrino's and the target's Z′ charges:
# universal (g to ν and to every quark): Q′ = 3(Z + N) for a nucleus, +1 for an
# electron; B−L (ν charge −1, quark +1/3, electron −1): Q′ = −(Z + N) for a
# nucleus, +1 for an electron. In the heavy-mediator limit m² ≫ q² this is
# vector NSI with ε^{qV} = g² Q′_q / (√2 G_F m²) (Q′_q = 1 universal, −1/3 B−L),
# i.e. the √2 G_F (not 2√2 G_F) normalisation of g²; tested in the suite.
# Universal couplings interfere destructively (Q′ > 0, Q_W < 0), so a second
# coupling reproduces the Standard Model rate.


def vector_mediator_charge(model: str, Z, N):
    """Q′ of a nucleus (Z, N) for the vector mediator ``model``."""
    if model == "universal":
        return 3.0 * (Z + N)
    if model == "b-l":
        return -1.0 * (Z + N)
    raise ValueError(f"vector_mediator: unknown {model!r}; allowed: {', '.join(VECTOR_MEDIATORS)}")


def vector_mediator_shift(charge, g, mass, q2):
    """ΔQ_W = Q′ g² / (√2 G_F (q² + m²)) (dimensionless; q², m² in MeV²)."""
    return charge * g**2 / (jnp.sqrt(2.0) * units.G_FERMI * (q2 + mass**2))


def millicharge_shift(Z, q_nu, q2):
    """ΔQ_W = Z · 2√2 π α q_ν / (G_F q²) from a neutrino millicharge q_ν [e]
    (physics spec §3.3: g_V^p → g_V^p + 2√2 π α q_ν/(G_F q²)); sign convention:
    a positive q_nu raises g_V^p for the ν̄e beam, i.e. interferes destructively
    with the (negative) Standard Model weak charge."""
    return Z * 2.0 * jnp.sqrt(2.0) * jnp.pi * units.ALPHA_EM * q_nu / (units.G_FERMI * q2)


def nsi_charge(Z, N, eps_u, eps_d):
    """Z (2ε^u + ε^d) + N (ε^u + 2ε^d): the NSI contribution to a weak charge."""
    return Z * (2.0 * eps_u + eps_d) + N * (eps_u + 2.0 * eps_d)


#: Scalar charges per nucleon for universal couplings, Q_φ = 14 N + 15.1 Z
#: (Cerdeño et al., JHEP 05 (2016) 118, arXiv:1604.01025, Tab. IV).
SCALAR_CHARGE_N = 14.0
SCALAR_CHARGE_Z = 15.1


def scalar_charge(Z, N):
    return SCALAR_CHARGE_N * N + SCALAR_CHARGE_Z * Z


def scalar_to_weak_ratio(mass, charge, g, m_phi, recoil):
    """Light scalar φ (adds incoherently):
    dσ/dT = g⁴ Q_φ² M² T / (4π E² (q² + m_φ²)²) F², q² = 2MT,
    divided by the CEvNS prefactor G_F² M / π; multiplies ∫ φ(E)/E² dE."""
    q2 = 2.0 * mass * recoil
    return g**4 * charge**2 * mass * recoil / (4.0 * units.G_FERMI**2 * (q2 + m_phi**2) ** 2)


# --- ν̄e–electron elastic scattering (electron channel, physics spec §3.7) --------
#
# Per free electron, in units of the prefactor G_F² m_e / (2π) [MeV⁻³]:
#   SM (NC + CC):  (g_V − g_A)² + (g_V + g_A)² (1 − T/E)² − (g_V² − g_A²) m_e T/E²,
#                  g_V = 1/2 + 2 sin²θW, g_A = +1/2 (antineutrino: the CC-including
#                  couplings with g_A → −g_A relative to νe),
#   Z′:            g_V → g_V + Q′_e g² / (√2 G_F (2 m_e T + m²)), Q′_e = +1 (both models),
#   μν:            (π α²/m_e²)(μν/μB)² (1/T − 1/E),
#   q_ν:           2π α² q_ν² / (m_e T²) (leading term, added incoherently),
#   scalar φ:      g⁴ m_e² T / (4π E² (2 m_e T + m²)²).
# Atomic binding: stepping approximation, the per-electron cross section times
# the number of electrons whose binding energy is below T.


def electron_couplings(sin2_theta_w):
    """(g_V, g_A) of ν̄e–e scattering including the charged current."""
    return 0.5 + 2.0 * sin2_theta_w, 0.5 + 0.0 * sin2_theta_w


def electron_sm_differential_cross_section(energy, recoil, sin2_theta_w):
    """Free-electron ν̄e–e dσ/dT [MeV⁻³] (Standard Model, CC included)."""
    gv, ga = electron_couplings(sin2_theta_w)
    y = recoil / energy
    bracket = (gv - ga) ** 2 + (gv + ga) ** 2 * (1.0 - y) ** 2 - (gv**2 - ga**2) * units.M_ELECTRON * recoil / energy**2
    allowed = recoil <= 2.0 * energy**2 / (units.M_ELECTRON + 2.0 * energy)
    return jnp.where(allowed, units.G_FERMI**2 * units.M_ELECTRON / (2.0 * jnp.pi) * bracket, 0.0)


def stepping_electron_number(recoil, shells):
    """Electrons available at recoil T [MeV]: Σ n_i θ(T − B_i) over ``shells``
    = ((binding [MeV], electrons), ...) — the stepping approximation."""
    recoil = jnp.asarray(recoil)
    total = jnp.zeros_like(recoil)
    for binding, n in shells:
        total = total + n * (recoil > binding)
    return total
