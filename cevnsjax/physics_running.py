"""Scale dependence of the weak mixing angle in the MS-bar scheme, ŝ²(μ).

Below μ = M_Z the one-loop renormalisation-group solution of Erler and
Ramsey-Musolf [ERM05, Eq. (10)] is used, with fermions decoupled one at a time
at their thresholds. Between two thresholds

    ŝ²(μ) = λ + (α̂(μ)/α̂(μ₀)) (ŝ²(μ₀) − λ),
    1/α̂(μ) = 1/α̂(μ₀) − (2 / 3π) Σ_f N_f Q_f² ln(μ/μ₀),
    λ = Σ_f N_f Q_f T_f / (2 Σ_f N_f Q_f²),

where the sums run over the active Dirac fermions (colour factor N_f, charge
Q_f, third component of weak isospin T_f of the left-handed field). One full
family gives λ = 3/8. The W-boson loops between M_W and M_Z are not included
(a shift of order 1e-4 in ŝ²). The light-quark thresholds sit at effective,
constituent-like masses: perturbative QCD is not valid there, and the
dispersive treatment of Erler & Ferro-Hernández [EFH18] is what fixes the
hadronic part precisely. With the defaults below, ŝ²(0) = 0.23865, within
1e-4 of the published 0.23857(5) [ERM05] and 0.23868(5)(2) [EFH18].

Above M_Z the full Standard Model one-loop β functions of the gauge couplings
are used, 16π² dg_i/d ln μ = b_i g_i³ with b_1 = 41/6 (hypercharge, Y = Q − T₃)
and b_2 = −19/6 [MV83], and ŝ² = g'²/(g² + g'²). The top quark is treated as
active from M_Z on.

Sources:
  [ERM05] J. Erler, M. J. Ramsey-Musolf, Phys. Rev. D 72, 073003 (2005),
          arXiv:hep-ph/0409169.
  [EFH18] J. Erler, R. Ferro-Hernández, JHEP 03, 196 (2018), arXiv:1712.09146.
  [MV83]  M. E. Machacek, M. T. Vaughn, Nucl. Phys. B 222, 83 (1983).
  [PDG]   S. Navas et al. (Particle Data Group), Phys. Rev. D 110, 030001 (2024):
          masses; M_Z = 91.1876 GeV; 1/α̂^(5)(M_Z) = 127.952 (review
          "Electroweak model and constraints on new physics").
"""

from __future__ import annotations

import itertools
import math

import numpy as np

#: Z mass [GeV] (PDG).
M_Z = 91.1876
#: ŝ²(M_Z), MS-bar (input; the value used in the seed's running figure, PDG 2018–2020 reviews: 0.23122(4)).
SIN2_MZ = 0.23122
#: 1/α̂^(5)(M_Z), MS-bar, five active quark flavours (PDG electroweak review).
ALPHA_INV_MZ = 127.952

#: Fermions below M_Z: (name, threshold mass [GeV], colour factor, charge, T3 of the left-handed field).
#: Leptons and the c, b MS-bar masses m_q(m_q) from the PDG; u, d, s at effective
#: constituent-like thresholds (0.3, 0.3, 0.45 GeV), see the module docstring.
FERMIONS = (
    ("e", 0.000510999, 1, -1.0, -0.5),
    ("mu", 0.105658, 1, -1.0, -0.5),
    ("tau", 1.77686, 1, -1.0, -0.5),
    ("u", 0.30, 3, 2.0 / 3.0, 0.5),
    ("d", 0.30, 3, -1.0 / 3.0, -0.5),
    ("s", 0.45, 3, -1.0 / 3.0, -0.5),
    ("c", 1.27, 3, 2.0 / 3.0, 0.5),
    ("b", 4.18, 3, -1.0 / 3.0, -0.5),
)
#: One-loop SM gauge β coefficients (three families, one Higgs doublet) [MV83].
B1, B2 = 41.0 / 6.0, -19.0 / 6.0


def _segments(fermions):
    """Intervals between thresholds below M_Z: (upper, lower, Σ N Q², λ)."""
    masses = sorted((f[1] for f in fermions), reverse=True)
    edges = [M_Z, *masses]
    out = []
    for hi, lo in itertools.pairwise(edges):
        active = [f for f in fermions if f[1] < hi]
        nq2 = sum(f[2] * f[3] ** 2 for f in active)
        nqt = sum(f[2] * f[3] * f[4] for f in active)
        out.append((hi, lo, nq2, nqt / (2.0 * nq2)))
    return out


def _below(mu: float, sin2_mz: float, alpha_inv_mz: float, fermions) -> float:
    s2, a_inv = sin2_mz, alpha_inv_mz
    for hi, lo, nq2, lam in _segments(fermions):
        stop = max(mu, lo)
        a_inv_new = a_inv + (2.0 / (3.0 * math.pi)) * nq2 * math.log(hi / stop)
        s2 = lam + (a_inv / a_inv_new) * (s2 - lam)
        a_inv = a_inv_new
        if mu >= lo:
            break
    return s2


def _above(mu: float, sin2_mz: float, alpha_inv_mz: float) -> float:
    # e² = g² s² = g'² c²  ->  1/g'² = c²/e², 1/g² = s²/e² ; 1/g_i²(μ) = 1/g_i²(M_Z) − 2 b_i ln(μ/M_Z) / 16π²
    e2 = 4.0 * math.pi / alpha_inv_mz
    t = math.log(mu / M_Z) / (8.0 * math.pi**2)
    inv_g1 = (1.0 - sin2_mz) / e2 - B1 * t
    inv_g2 = sin2_mz / e2 - B2 * t
    return inv_g2 / (inv_g1 + inv_g2)


def sin2_theta_w_msbar(
    mu_gev, *, sin2_mz: float = SIN2_MZ, alpha_inv_mz: float = ALPHA_INV_MZ, fermions=FERMIONS
) -> np.ndarray:
    """ŝ²(μ) in the MS-bar scheme at scale(s) ``mu_gev`` [GeV]; μ = 0 gives the
    Thomson limit (all fermions decoupled). Returns an array of the shape of ``mu_gev``."""
    mu = np.asarray(mu_gev, dtype=float)
    if not np.all(np.isfinite(mu)) or np.any(mu < 0):
        raise ValueError("mu_gev: scales must be finite and >= 0 GeV; pass e.g. np.geomspace(1e-3, 1e3, 200)")
    if not (0.0 < sin2_mz < 1.0):
        raise ValueError(f"sin2_mz: need 0 < sin2_mz < 1, got {sin2_mz}")
    flat = [
        (_above(m, sin2_mz, alpha_inv_mz) if m > M_Z else _below(m, sin2_mz, alpha_inv_mz, fermions))
        for m in mu.ravel()
    ]
    return np.asarray(flat, dtype=float).reshape(mu.shape)


def alpha_inv_msbar(mu_gev: float, *, alpha_inv_mz: float = ALPHA_INV_MZ, fermions=FERMIONS) -> float:
    """1/α̂(μ) for μ ≤ M_Z [GeV] from the same one-loop fermion running."""
    if not (0.0 <= mu_gev <= M_Z):
        raise ValueError(f"mu_gev: need 0 <= mu <= M_Z = {M_Z} GeV, got {mu_gev}")
    a_inv = alpha_inv_mz
    for hi, lo, nq2, _ in _segments(fermions):
        stop = max(mu_gev, lo)
        a_inv += (2.0 / (3.0 * math.pi)) * nq2 * math.log(hi / stop)
        if mu_gev >= lo:
            break
    return a_inv
