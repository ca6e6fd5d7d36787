"""Factored scans: the exact quadratic form of the counts in the couplings,
against the full model (values, gradients, every scan verb; sin²θW, NSI, μν and charge radii), automatic use and
fallback, and the memory bound of every scan."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import cevnsjax as cj
from cevnsjax import infer
from cevnsjax.infer.factored import AUTO_MIN_POINTS, FactoredObjective, FactoringError, factor_objective

EPS_U = np.linspace(-0.4, 0.4, 81)
EPS_D = np.linspace(-0.3, 0.3, 61)  # 81 × 61 = 4941 points: factored automatically
RTOL = 1e-8


@pytest.fixture(scope="module")
def analysis(conus_plus):
    return infer.counting_analysis(conus_plus)


@pytest.fixture(scope="module")
def nsi_scans(analysis, nominal):
    axes = {"eps_ee_uV": EPS_U, "eps_ee_dV": EPS_D}
    auto = infer.grid_scan_nd(analysis, nominal, axes)
    full = infer.grid_scan_nd(analysis, nominal, axes, factored=False)
    return auto, full


def test_nsi_grid_is_factored_automatically_and_equals_the_full_scan(nsi_scans, analysis, nominal):
    auto, full = nsi_scans
    assert auto.n_points >= AUTO_MIN_POINTS
    assert auto.notes["factored"] is True and full.notes["factored"] is False
    np.testing.assert_allclose(auto.values, full.values, rtol=RTOL, atol=1e-10)
    # and point by point against the objective itself
    for i, j in ((0, 0), (40, 30), (80, 60), (13, 47)):
        direct = float(analysis(nominal.replace(eps_ee_uV=EPS_U[i], eps_ee_dV=EPS_D[j])))
        assert auto.values[i, j] == pytest.approx(direct, rel=RTOL, abs=1e-10)
    assert auto.best == full.best


def test_random_and_point_scans_are_factored_and_agree(analysis, nominal):
    ranges = {"sin2_theta_w": (0.2, 0.3), "mu_nu": (0.0, 3e-10), "eps_mumu_dV": (-0.2, 0.2), "r2_nue": (-60.0, 60.0)}
    fac = infer.random_scan(analysis, nominal, ranges, 5000, seed=1, factored=True)
    assert fac.notes["factored"] is True
    pts = {n: v[:300] for n, v in fac.points.items()}
    full = infer.points_scan(analysis, nominal, pts, factored=False)
    np.testing.assert_allclose(fac.values[:300], full.values, rtol=RTOL, atol=1e-10)
    again = infer.points_scan(analysis, nominal, pts, factored=True)
    np.testing.assert_allclose(again.values, full.values, rtol=RTOL, atol=1e-10)


def test_gradients_of_the_factored_objective_equal_the_full_model(analysis, nominal):
    names = ("sin2_theta_w", "eps_ee_uV")
    fo = factor_objective(analysis, nominal, names, {"sin2_theta_w": (0.2, 0.3), "eps_ee_uV": (-0.5, 0.5)})
    p = nominal.replace(sin2_theta_w=0.25, eps_ee_uV=0.12)

    def grad(obj):
        at = jnp.array([0.25, 0.12])
        g = eqx.filter_jit(jax.grad(lambda x: obj(p.replace(sin2_theta_w=x[0], eps_ee_uV=x[1]))))(at)
        return np.asarray(g)

    np.testing.assert_allclose(grad(fo), grad(analysis), rtol=1e-7)
    # and against a central finite difference of the full model
    h = 1e-6
    full = eqx.filter_jit(lambda q: analysis(q))
    fd = (float(full(p.replace(eps_ee_uV=0.12 + h))) - float(full(p.replace(eps_ee_uV=0.12 - h)))) / (2 * h)
    assert grad(fo)[1] == pytest.approx(fd, rel=1e-5)


def test_quench_k_is_never_factored(analysis, nominal):
    n = AUTO_MIN_POINTS
    pts = {"sin2_theta_w": np.linspace(0.2, 0.3, n), "quench_k": np.linspace(0.15, 0.18, n)}
    res = infer.points_scan(analysis, nominal, pts, chunk_size=1024)
    assert res.notes["factored"] is False and "quench_k" in res.notes["factored_reason"]
    one = float(analysis(nominal.replace(sin2_theta_w=pts["sin2_theta_w"][7], quench_k=pts["quench_k"][7])))
    assert res.values[7] == pytest.approx(one, rel=1e-12)
    with pytest.raises(FactoringError, match="quench_k"):
        infer.points_scan(analysis, nominal, {n: v[:4] for n, v in pts.items()}, factored=True)
    with pytest.raises(ValueError, match="factored must be"):
        infer.points_scan(analysis, nominal, {n: v[:4] for n, v in pts.items()}, factored="yes")


class _NotQuadratic(eqx.Module):
    """An objective that claims a counts/χ² split but whose counts are not quadratic."""

    def factored_parts(self):
        return (lambda p: 100.0 * jnp.exp(8.0 * p.sin2_theta_w)), (lambda c, p: (c - 500.0) ** 2 / 500.0)

    def __call__(self, p):
        counts, chi2 = self.factored_parts()
        return chi2(counts(p), p)


def test_a_failed_check_falls_back_or_raises(nominal):
    obj = _NotQuadratic()
    xs = np.linspace(0.1, 0.4, AUTO_MIN_POINTS)
    res = infer.points_scan(obj, nominal, {"sin2_theta_w": xs})
    assert res.notes["factored"] is False and "differs from the full model" in res.notes["factored_reason"]
    np.testing.assert_allclose(res.values, (100.0 * np.exp(8.0 * xs) - 500.0) ** 2 / 500.0, rtol=1e-12, atol=1e-12)
    with pytest.raises(FactoringError, match="differs from the full model"):
        factor_objective(obj, nominal, ("sin2_theta_w",), {"sin2_theta_w": (0.1, 0.4)})


def test_onoff_and_combined_analyses_factor(analysis):
    onoff = infer.onoff_analysis("conus-run5")
    p = cj.nominal_params(onoff.experiment)
    pts = {"eps_ee_uV": np.linspace(-0.3, 0.3, 5), "eps_ee_dV": np.linspace(0.2, -0.2, 5)}
    for obj, base in ((infer.combine(plus=analysis, run5=onoff), p),):  # covers both splits
        fac = infer.points_scan(obj, base, pts, factored=True)
        full = infer.points_scan(obj, base, pts, factored=False)
        assert fac.notes["factored"] is True
        np.testing.assert_allclose(fac.values, full.values, rtol=RTOL, atol=1e-9)


def test_every_scan_honours_its_memory_bound(analysis, nominal, nsi_scans):
    """The footprint of one call with two in flight (XLA's buffer assignment plus
    the previous call's outputs and their host copy) stays within the bound, for
    each verb (a prebuilt factored objective, compiled cheaply; the unfactored
    bound is checked in test_scale.py)."""
    budget = 256 << 10  # a few thousand points of the factored form (~80 B each)
    names = ("eps_ee_uV", "eps_ee_dV")
    fo = factor_objective(analysis, nominal, names, {n: (-0.4, 0.4) for n in names})
    scans = [
        infer.grid_scan_nd(fo, nominal, {"eps_ee_uV": EPS_U, "eps_ee_dV": EPS_D}, max_memory_bytes=budget),
        infer.points_scan(fo, nominal, {n: np.linspace(-0.2, 0.2, 3000) for n in names}, max_memory_bytes=budget),
        infer.random_scan(fo, nominal, {n: (-0.2, 0.2) for n in names}, 3000, max_memory_bytes=budget),
    ]
    assert [r.notes["factored"] for r in scans] == [True, True, True]
    for res in scans:
        assert 0 < res.call_memory_bytes <= budget
        assert np.all(np.isfinite(res.values))
    assert scans[0].n_calls > 1  # the bound cut the grid into several calls
    np.testing.assert_allclose(scans[0].values, nsi_scans[1].values, rtol=RTOL, atol=1e-10)


def test_factored_objective_is_reused_not_rebuilt(analysis, nominal):
    fo = factor_objective(analysis, nominal, ("sin2_theta_w",), {"sin2_theta_w": (0.2, 0.3)})
    assert isinstance(fo, FactoredObjective)
    xs = np.linspace(0.2, 0.3, AUTO_MIN_POINTS)
    res = infer.points_scan(fo, nominal, {"sin2_theta_w": xs})
    assert res.notes["factored"] is True
    assert res.values[5] == pytest.approx(float(analysis(nominal.replace(sin2_theta_w=xs[5]))), rel=RTOL)
