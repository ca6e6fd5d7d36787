"""Quenching: nuclear recoil energy → ionisation energy (electron equivalent).

Lindhard model (Lindhard et al. 1963), physics spec §4:

    ε = 11.5 Z^{−7/3} T[keV],  g(ε) = 3 ε^0.15 + 0.7 ε^0.6 + ε,
    Y = k g / (1 + k g),        E_ee = Y · T.

For germanium CONUS measured k = 0.162 ± 0.004 (Bonhomme et al.,
Eur. Phys. J. C 82 (2022) 815, arXiv:2202.03754). The map is explicit in T, so
it is differentiable in k and T without root finding.
"""

from __future__ import annotations

import jax.numpy as jnp

from . import units


def lindhard_epsilon(recoil, Z):
    """Reduced energy ε for recoil ``recoil`` [MeV] in a material of atomic number Z."""
    return 11.5 * Z ** (-7.0 / 3.0) * (recoil / units.keV)


def lindhard_yield_from_epsilon(epsilon, k):
    """Quenching factor Y(ε; k); Y → 0 as ε → 0 with finite gradients at ε = 0."""
    positive = epsilon > 0
    eps = jnp.where(positive, epsilon, 1.0)  # double-where for ε^0.15 at 0
    g = 3.0 * eps**0.15 + 0.7 * eps**0.6 + eps
    y = k * g / (1.0 + k * g)
    return jnp.where(positive, y, 0.0)


def lindhard_yield(recoil, Z, k):
    """Lindhard quenching factor for recoil ``recoil`` [MeV]."""
    return lindhard_yield_from_epsilon(lindhard_epsilon(recoil, Z), k)


def ionisation_energy(recoil, Z, k):
    """Electron-equivalent ionisation energy E_ee = Y T [MeV] for recoil T [MeV]."""
    return lindhard_yield(recoil, Z, k) * recoil
