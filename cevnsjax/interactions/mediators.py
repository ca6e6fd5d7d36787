"""Light mediators: a vector Z′ (interferes) and a scalar φ (incoherent)."""

from __future__ import annotations

import jax.numpy as jnp

from .. import units

VECTOR_MEDIATORS = ("universal", "b-l")

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
    """ΔQ_W = Q′ g² / (√2 G_F (q² + m²)) (dimensionless; q², m² in MeV²).

    Written as (g²/(√2 G_F)) · Q′ / (q² + m²): the tiny G_F never enters a
    denominator that is squared by differentiation, so gradients stay finite in
    float32 down to the smallest allowed mass.
    """
    strength = g**2 * (1.0 / (jnp.sqrt(2.0) * units.G_FERMI))
    return strength * charge / (q2 + mass**2)


#: Scalar charges per nucleon for universal couplings, Q_φ = 14 N + 15.1 Z
#: (Cerdeño et al., JHEP 05 (2016) 118, arXiv:1604.01025, Tab. IV).
SCALAR_CHARGE_N = 14.0
SCALAR_CHARGE_Z = 15.1


def scalar_charge(Z, N):
    return SCALAR_CHARGE_N * N + SCALAR_CHARGE_Z * Z


def scalar_to_weak_ratio(mass, charge, g, m_phi, recoil):
    """Light scalar φ (adds incoherently):
    dσ/dT = g⁴ Q_φ² M² T / (4π E² (q² + m_φ²)²) F², q² = 2MT,
    divided by the CEvNS prefactor G_F² M / π; multiplies ∫ φ(E)/E² dE.

    Float32 safety: the direct form divides by 4 G_F² (q² + m_φ²)², which
    underflows (and its derivative with it) for m_φ of a few MeV at small
    recoils, giving NaN gradients even at g = 0. Here the small factor G_F is
    divided out first, a = g² Q_φ / (2 G_F) (at most ~1e14), and the recoil
    dependence is the product of two bounded factors,
    b = M T / (q² + m_φ²) ≤ 1/2 and 1/(q² + m_φ²) ≤ 1/m_φ²:
    ratio = a² · b / (q² + m_φ²).
    """
    x = 2.0 * mass * recoil + m_phi**2
    a = g**2 * charge * (0.5 / units.G_FERMI)
    return a**2 * ((mass * recoil) / x) / x
