"""Nuclear form factors and elastic kinematics.

Energies and masses in MeV, q in MeV (``q[fm⁻¹] = q / ħc[MeV fm]``), radii in fm.

Kinematics of elastic ν–nucleus scattering (nuclear mass M):

* ``T_max(E) = 2E² / (M + 2E)``
* ``E_min(T) = (T + sqrt(T² + 2MT)) / 2``
* ``q² = 2MT``

Form-factor families (each equals 1 at q = 0 exactly, with finite gradients
there). Each is written as a function of ``q`` and of the **rms radius** of the
distribution it describes, so the proton and neutron distributions of a nucleus
can have different radii (the neutron rms radius is a fit parameter):

* Helm (Lewin & Smith 1996, Astropart. Phys. 6, 87):
  ``F = 3 j1(qR0)/(qR0) · exp(−q²s²/2)`` with ``s = 0.9 fm``; the rms radius is
  ``⟨r²⟩ = (3/5) R0² + 3 s²``. The default radius of a nucleus of mass number A
  follows Lewin & Smith: ``R0² = c² + (7/3)π²a² − 5s²``,
  ``c = 1.23 A^{1/3} − 0.60 fm``, ``a = 0.52 fm``.
* Klein–Nystrand (Phys. Rev. C 60, 014903 (1999)):
  ``F = 3 j1(qR_A)/(qR_A) / (1 + q²a_k²)`` with ``a_k = 0.7 fm``; rms radius
  ``⟨r²⟩ = (3/5) R_A² + 6 a_k²``; default ``R_A = 1.2 A^{1/3} fm``.
* ``none``: F = 1.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from .. import units

FORM_FACTORS = ("helm", "klein-nystrand", "none")

HELM_SKIN_FM = 0.9  # s, Lewin & Smith 1996
HELM_A_FM = 0.52  # a, Lewin & Smith 1996
KN_RANGE_FM = 0.7  # a_k, Klein & Nystrand 1999


def max_recoil(energy, mass):
    """Maximal recoil energy T_max [MeV] for neutrino energy ``energy`` [MeV]."""
    return 2.0 * energy**2 / (mass + 2.0 * energy)


def min_neutrino_energy(recoil, mass, xp=jnp):
    """Minimal neutrino energy E_min [MeV] that can give recoil ``recoil`` [MeV]
    (``xp=np``: NumPy, for set-up code)."""
    return 0.5 * (recoil + xp.sqrt(recoil**2 + 2.0 * mass * recoil))


def momentum_transfer(recoil, mass, xp=jnp):
    """|q| [MeV] for recoil energy ``recoil`` [MeV] on a nucleus of mass ``mass``
    (``xp=np``: NumPy, for set-up code)."""
    return xp.sqrt(2.0 * mass * recoil)


def series_terms(x_max: float) -> int | None:
    """Number of terms of the power series of 3 j1(x)/x that reach 1e-17 absolute
    for |x| ≤ ``x_max`` (None above x = 4, where the closed form is used: the
    alternating series would lose digits to cancellation)."""
    if not x_max <= 4.0:
        return None
    n = 1
    while 6.0 * (n + 1) * x_max ** (2 * n) / math.factorial(2 * n + 3) > 1e-17:
        n += 1
    return n


def _three_j1_over_x(x, x_max: float | None = None, xp=jnp):
    """3 j1(x)/x, exact at x = 0 with finite derivatives (series below 0.3).

    With a static bound ``x_max`` ≤ 4 on |x| it is the power series alone,
    3 Σ_n (-1)^n (2n+2) x^{2n} / (2n+3)!, summed to 1e-17 (no sin, cos or
    division: several times cheaper); the caller guarantees the bound."""
    terms = None if x_max is None else series_terms(x_max)
    if terms is not None:
        x2 = x * x
        acc = 0.0
        for n in range(terms, -1, -1):  # Horner in x²
            acc = acc * x2 + 3.0 * (-1) ** n * (2 * n + 2) / math.factorial(2 * n + 3)
        return acc
    small = x < 0.3
    xs = xp.where(small, 1.0, x)  # double-where: the closed form never sees x≈0
    closed = 3.0 * (xp.sin(xs) - xs * xp.cos(xs)) / xs**3
    x2 = xp.where(small, x, 0.0) ** 2
    # 3 j1(x)/x = 3 Σ_n (-1)^n (2n+2) x^{2n} / (2n+3)!
    series = 1.0 - x2 / 10.0 + x2**2 / 280.0 - x2**3 / 15120.0 + x2**4 / 1330560.0
    return xp.where(small, series, closed)


def default_rms_radius(name: str, A: float) -> float:
    """rms radius [fm] of the default distribution of family ``name`` for mass number A."""
    if name == "helm":
        c = 1.23 * A ** (1.0 / 3.0) - 0.60
        r0_sq = c**2 + (7.0 / 3.0) * math.pi**2 * HELM_A_FM**2 - 5.0 * HELM_SKIN_FM**2
        return math.sqrt(0.6 * r0_sq + 3.0 * HELM_SKIN_FM**2)
    if name == "klein-nystrand":
        r_a = 1.2 * A ** (1.0 / 3.0)
        return math.sqrt(0.6 * r_a**2 + 6.0 * KN_RANGE_FM**2)
    if name == "none":
        return 0.0
    raise ValueError(f"form_factor: unknown {name!r}; allowed: {', '.join(FORM_FACTORS)}")


def helm_from_rms(q, rms, x_max: float | None = None, xp=jnp):
    """Helm form factor at ``q`` [MeV] for a distribution of rms radius ``rms`` [fm]
    (``x_max``: a static bound on q·r0, see :func:`_three_j1_over_x`)."""
    q_fm = q / units.HBARC_MEV_FM
    s = HELM_SKIN_FM
    r0 = xp.sqrt(xp.maximum((5.0 / 3.0) * (rms**2 - 3.0 * s**2), 1e-6))
    return _three_j1_over_x(q_fm * r0, x_max, xp) * xp.exp(-0.5 * (q_fm * s) ** 2)


def klein_nystrand_from_rms(q, rms, x_max: float | None = None, xp=jnp):
    """Klein–Nystrand form factor at ``q`` [MeV] for rms radius ``rms`` [fm]
    (``x_max``: a static bound on q·r_A, see :func:`_three_j1_over_x`)."""
    q_fm = q / units.HBARC_MEV_FM
    a_k = KN_RANGE_FM
    r_a = xp.sqrt(xp.maximum((5.0 / 3.0) * (rms**2 - 6.0 * a_k**2), 1e-6))
    return _three_j1_over_x(q_fm * r_a, x_max, xp) / (1.0 + (q_fm * a_k) ** 2)


def form_factor_from_rms(name: str, q, rms, x_max: float | None = None, xp=jnp):
    """Form factor of family ``name`` at ``q`` [MeV] for rms radius ``rms`` [fm];
    ``x_max``: an optional static bound on q·(radius parameter) that allows the
    series evaluation of 3 j1(x)/x; ``xp=np`` evaluates with NumPy (set-up code)."""
    if name == "helm":
        return helm_from_rms(q, rms, x_max, xp)
    if name == "klein-nystrand":
        return klein_nystrand_from_rms(q, rms, x_max, xp)
    if name == "none":
        return xp.ones_like(xp.asarray(q * rms, dtype=float))
    raise ValueError(f"form_factor: unknown {name!r}; allowed: {', '.join(FORM_FACTORS)}")


def form_factor(name: str, q, A):
    """Form factor ``name`` at ``q`` [MeV] with the default radius for mass number A."""
    if name == "none":
        return jnp.ones_like(jnp.asarray(q, dtype=float))
    return form_factor_from_rms(name, q, default_rms_radius(name, A))


def helm_form_factor(q, A):
    """Helm form factor (default radius) for ``q`` [MeV] and mass number ``A``."""
    return form_factor("helm", q, A)


def klein_nystrand_form_factor(q, A):
    """Klein–Nystrand form factor (default radius) for ``q`` [MeV] and mass number ``A``."""
    return form_factor("klein-nystrand", q, A)
