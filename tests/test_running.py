"""MS-bar running of sin²θW: published values, an independent ODE integration, limits."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from cevnsjax.physics_running import FERMIONS, M_Z, SIN2_MZ, alpha_inv_msbar, sin2_theta_w_msbar


def test_low_energy_value_matches_published():
    # 0.23857(5): Erler & Ramsey-Musolf, PRD 72 (2005) 073003; 0.23868(5)(2): Erler & Ferro-Hernandez,
    # JHEP 03 (2018) 196. Tolerance 2e-4: perturbative light-quark thresholds (see the module docstring).
    s0 = float(sin2_theta_w_msbar(0.0))
    assert abs(s0 - 0.23857) < 2e-4
    assert abs(s0 - 0.23868) < 2e-4


def test_input_reproduced_at_mz_and_continuous_across_it():
    assert float(sin2_theta_w_msbar(M_Z)) == pytest.approx(SIN2_MZ, abs=1e-12)
    lo, hi = sin2_theta_w_msbar([M_Z * (1 - 1e-7), M_Z * (1 + 1e-7)])
    assert abs(hi - lo) < 1e-8


def _ode_reference(mu_target):
    """Integrate dŝ²/dlnμ = -(2α̂/3π) Σ N Q (T/2 - Q ŝ²) and d(1/α̂)/dlnμ = -(2/3π) Σ N Q²
    numerically with a step in the active set at each threshold."""

    def rhs(t, y):
        mu = math.exp(t)
        act = [f for f in FERMIONS if f[1] < mu]
        s2, a_inv = y
        ds2 = -(2.0 / (3.0 * math.pi)) / a_inv * sum(n * q * (t3 / 2 - q * s2) for _, _, n, q, t3 in act)
        da = -(2.0 / (3.0 * math.pi)) * sum(n * q * q for _, _, n, q, _ in act)
        return [ds2, da]

    thresholds = sorted({f[1] for f in FERMIONS if f[1] > mu_target}, reverse=True)
    y, t = [SIN2_MZ, 127.952], math.log(M_Z)
    for stop in [*thresholds, mu_target]:
        sol = solve_ivp(rhs, (t, math.log(stop) + 1e-12), y, rtol=1e-11, atol=1e-13)
        y, t = sol.y[:, -1], math.log(stop) + 1e-12
    return y


@pytest.mark.parametrize("mu", [0.002, 0.05, 0.2, 1.0, 3.0, 30.0])
def test_closed_form_matches_numerical_integration(mu):
    s2_ref, a_inv_ref = _ode_reference(mu)
    assert float(sin2_theta_w_msbar(mu)) == pytest.approx(s2_ref, abs=2e-9)
    assert alpha_inv_msbar(mu) == pytest.approx(a_inv_ref, rel=1e-8)


def test_above_mz_against_gauge_coupling_integration():
    # independent: integrate 16π² dg/dlnμ = b g³ for g and g' numerically
    e2 = 4 * math.pi / 127.952
    g1, g2 = math.sqrt(e2 / (1 - SIN2_MZ)), math.sqrt(e2 / SIN2_MZ)
    sol = solve_ivp(
        lambda t, y: [41 / 6 * y[0] ** 3 / (16 * math.pi**2), -19 / 6 * y[1] ** 3 / (16 * math.pi**2)],
        (math.log(M_Z), math.log(1000.0)),
        [g1, g2],
        rtol=1e-11,
        atol=1e-13,
    )
    g1, g2 = sol.y[:, -1]
    assert float(sin2_theta_w_msbar(1000.0)) == pytest.approx(g1**2 / (g1**2 + g2**2), abs=1e-9)


def test_shape_of_the_curve():
    mu = np.geomspace(1e-3, 1e3, 400)
    s2 = sin2_theta_w_msbar(mu)
    assert s2.shape == mu.shape
    # decreases from the Thomson limit towards M_Z, rises above it (the familiar dip)
    assert s2[0] > 0.2385 and s2[np.argmin(np.abs(mu - M_Z))] == pytest.approx(SIN2_MZ, abs=1e-4)
    assert s2[-1] > SIN2_MZ
    # one full family has the fixed point 3/8 (λ = Σ N Q T / 2 Σ N Q²)
    fam = [f for f in FERMIONS if f[0] in ("e", "u", "d")]
    lam = sum(n * q * t for _, _, n, q, t in fam) / (2 * sum(n * q * q for _, _, n, q, _ in fam))
    assert lam == pytest.approx(3 / 8)


def test_bad_input():
    with pytest.raises(ValueError, match="mu_gev"):
        sin2_theta_w_msbar(-1.0)
    with pytest.raises(ValueError, match="sin2_mz"):
        sin2_theta_w_msbar(1.0, sin2_mz=1.5)
