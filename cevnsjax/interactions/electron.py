"""Elastic ν̄e–electron scattering: the electron channel."""

from __future__ import annotations

import jax.numpy as jnp

from .. import units

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
