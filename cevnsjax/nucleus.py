"""Target nuclei: isotope data, kinematics and nuclear form factors.

Targets are data (``data/targets/*.json``); nothing here is specific to
germanium. Energies and masses in MeV, q in MeV (``q[fm⁻¹] = q / ħc[MeV fm]``).

Kinematics of elastic ν–nucleus scattering (nuclear mass M):

* ``T_max(E) = 2E² / (M + 2E)``
* ``E_min(T) = (T + sqrt(T² + 2MT)) / 2``
* ``q² = 2MT``

Form factors (both equal 1 at q = 0 exactly, with finite gradients there):

* Helm (Lewin & Smith 1996, Astropart. Phys. 6, 87):
  ``F = 3 j1(qR0)/(qR0) · exp(−q²s²/2)``, ``R0² = c² + (7/3)π²a² − 5s²``,
  ``c = 1.23 A^{1/3} − 0.60 fm``, ``a = 0.52 fm``, ``s = 0.9 fm``.
* Klein–Nystrand (Phys. Rev. C 60, 014903 (1999)):
  ``F = 3 j1(qR_A)/(qR_A) / (1 + q²a_k²)``, ``R_A = 1.2 A^{1/3} fm``, ``a_k = 0.7 fm``.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from . import units

FORM_FACTORS = ("helm", "klein-nystrand", "none")


@dataclass(frozen=True)
class Isotope:
    """One isotope of a target: mass number ``A``, atomic number ``Z``,
    fractional abundance (sums to 1 over the target) and atomic mass [u]."""

    A: int
    Z: int
    abundance: float
    atomic_mass_u: float

    @property
    def N(self) -> int:
        return self.A - self.Z

    @property
    def nuclear_mass(self) -> float:
        """Nuclear mass [MeV]: atomic mass minus Z electron masses (electron
        binding, ≲ 100 keV in all, neglected: < 2e-6 relative)."""
        return self.atomic_mass_u * units.ATOMIC_MASS_UNIT - self.Z * units.M_ELECTRON


@dataclass(frozen=True)
class Target:
    """A detector material: its isotopes and material constants."""

    name: str
    symbol: str
    Z: int
    isotopes: tuple[Isotope, ...]
    fano: float
    pair_energy_eV: float
    #: atomic shells ((binding energy [MeV], electrons), ...) for the stepping approximation
    shells: tuple[tuple[float, int], ...] = ()

    @property
    def mean_atomic_mass_u(self) -> float:
        return float(sum(i.abundance * i.atomic_mass_u for i in self.isotopes))

    @property
    def atoms_per_kg(self) -> float:
        """Atoms per kg of the natural-abundance material."""
        return 1000.0 / (self.mean_atomic_mass_u * units.ATOMIC_MASS_UNIT_G)


def max_recoil(energy, mass):
    """Maximal recoil energy T_max [MeV] for neutrino energy ``energy`` [MeV]."""
    return 2.0 * energy**2 / (mass + 2.0 * energy)


def min_neutrino_energy(recoil, mass):
    """Minimal neutrino energy E_min [MeV] that can give recoil ``recoil`` [MeV]."""
    return 0.5 * (recoil + jnp.sqrt(recoil**2 + 2.0 * mass * recoil))


def momentum_transfer(recoil, mass):
    """|q| [MeV] for recoil energy ``recoil`` [MeV] on a nucleus of mass ``mass``."""
    return jnp.sqrt(2.0 * mass * recoil)


def _three_j1_over_x(x):
    """3 j1(x)/x, exact at x = 0 with finite derivatives (series below 0.3)."""
    small = x < 0.3
    xs = jnp.where(small, 1.0, x)  # double-where: the closed form never sees x≈0
    closed = 3.0 * (jnp.sin(xs) - xs * jnp.cos(xs)) / xs**3
    x2 = jnp.where(small, x, 0.0) ** 2
    # 3 j1(x)/x = 3 Σ_n (-1)^n (2n+2) x^{2n} / (2n+3)!
    series = 1.0 - x2 / 10.0 + x2**2 / 280.0 - x2**3 / 15120.0 + x2**4 / 1330560.0
    return jnp.where(small, series, closed)


def helm_form_factor(q, A):
    """Helm form factor for momentum transfer ``q`` [MeV] and mass number ``A``."""
    q_fm = q / units.HBARC_MEV_FM
    a, s = 0.52, 0.9
    c = 1.23 * A ** (1.0 / 3.0) - 0.60
    r0 = np.sqrt(c**2 + (7.0 / 3.0) * np.pi**2 * a**2 - 5.0 * s**2)
    return _three_j1_over_x(q_fm * r0) * jnp.exp(-0.5 * (q_fm * s) ** 2)


def klein_nystrand_form_factor(q, A):
    """Klein–Nystrand form factor for ``q`` [MeV] and mass number ``A``."""
    q_fm = q / units.HBARC_MEV_FM
    r_a = 1.2 * A ** (1.0 / 3.0)
    a_k = 0.7
    return _three_j1_over_x(q_fm * r_a) / (1.0 + (q_fm * a_k) ** 2)


def form_factor(name: str, q, A):
    """Form factor ``name`` (one of :data:`FORM_FACTORS`) at ``q`` [MeV]."""
    if name == "helm":
        return helm_form_factor(q, A)
    if name == "klein-nystrand":
        return klein_nystrand_form_factor(q, A)
    if name == "none":
        return jnp.ones_like(jnp.asarray(q, dtype=float))
    raise ValueError(f"form_factor: unknown {name!r}; allowed: {', '.join(FORM_FACTORS)}")
