"""The tabulated detector response (the default forward path of analyses loaded
by name) against the integrated response it replaces: counts to ≤ 1e-6 relative
and gradients to ≤ 1e-5 (normwise per parameter) over the allowed parameter
box; the table refuses other response-nuisance values (NaN) and the inference
layer switches to the integrated response when it varies them."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import cevnsjax as cj
from cevnsjax import infer
from cevnsjax.analyses import counting_analysis
from cevnsjax.analyses.registry import load_analysis
from cevnsjax.parameters import PARAMETERS, make_params
from cevnsjax.rates import (
    TABLE_NUISANCES,
    exact_response,
    exact_response_for,
    expected_counts,
    tabulate_response,
)
from cevnsjax.targets.form_factors import _three_j1_over_x, series_terms

#: varied over their whole allowed box (the table nuisances stay at the table's values)
VARIED = (
    "sin2_theta_w",
    "quench_k",
    "energy_scale",
    "flux_norm",
    "mu_nu",
    "eps_ee_uV",
    "eps_ee_dV",
    "rn_Ge",
    "g_zp",
    "m_zp",
    "q_nu",
    "r2_nue",
)


def _box_points(p, n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        values = {}
        for name in VARIED:
            spec = PARAMETERS[name]
            lo, hi = spec.lower, spec.upper
            if name in ("mu_nu", "q_nu", "g_zp"):  # BSM couplings: a range where they matter but stay O(SM)
                hi = {"mu_nu": 1e-9, "q_nu": 1e-9, "g_zp": 1e-5}[name]
                lo = 0.0 if name != "q_nu" else -hi
            if name == "m_zp":
                lo, hi = 1.0, 100.0
            if name in ("eps_ee_uV", "eps_ee_dV"):
                lo, hi = -0.5, 0.5
            values[name] = rng.uniform(lo, hi)
        out.append(p.replace(**values))
    return out


@pytest.fixture(scope="module", params=["conus-plus", "conus-run5"])
def pair(request):
    ex = cj.load_experiment(request.param)
    p = make_params(ex.nominal())
    return request.param, ex, p


def _jacobian(ex):
    return jax.jit(jax.jacrev(lambda q: expected_counts(q, ex).ravel()))


@pytest.mark.parametrize("setting", ["nominal", "shifted"])
def test_counts_and_gradients_match_integrated_response(pair, setting):
    name, ex, p = pair
    if setting == "shifted":  # a table built away from nominal is exact there too
        p = p.replace(res_scale=1.3, fano=0.2, eff_shift_eVee=15.0, eff_width_scale=1.4)
    tx = tabulate_response(ex, p)
    assert tx.response_table is not None and exact_response(tx).response_table is None
    f_ex, f_tx = jax.jit(lambda q: expected_counts(q, ex)), jax.jit(lambda q: expected_counts(q, tx))
    j_ex, j_tx = _jacobian(ex), _jacobian(tx)
    worst_count = worst_grad = 0.0
    for q in _box_points(p, 3, seed=3):
        a, b = np.asarray(f_ex(q)).ravel(), np.asarray(f_tx(q)).ravel()
        big = a > 1e-9 * a.max()
        worst_count = max(worst_count, float(np.max(np.abs(b[big] / a[big] - 1.0))))
        ga, gb = j_ex(q), j_tx(q)
        for field in (*VARIED, *TABLE_NUISANCES):
            col_a, col_b = np.asarray(getattr(ga, field)), np.asarray(getattr(gb, field))
            scale = np.max(np.abs(col_a))
            if scale > 0:
                worst_grad = max(worst_grad, float(np.max(np.abs(col_b - col_a)) / scale))
    assert worst_count <= 1e-6, (name, setting, worst_count)
    assert worst_grad <= 1e-5, (name, setting, worst_grad)


def test_table_refuses_other_response_nuisances(pair):
    _, ex, p = pair
    tx = tabulate_response(ex, p)
    for field in TABLE_NUISANCES:
        moved = p.replace(**{field: float(getattr(p, field)) * 1.1 + 0.01})
        assert np.all(np.isnan(np.asarray(expected_counts(moved, tx))))
        assert np.all(np.isfinite(np.asarray(expected_counts(moved, exact_response(tx)))))
    # energy_scale is exact in the table (it moves the argument)
    assert np.all(np.isfinite(np.asarray(expected_counts(p.replace(energy_scale=1.15), tx))))


def test_inference_switches_to_the_integrated_response_when_it_varies_a_table_nuisance():
    loaded = load_analysis("conus-plus")
    analysis = loaded.analysis
    assert analysis.experiment.response_table is not None  # analyses by name use the table
    assert exact_response_for(analysis, ("sin2_theta_w",)) is analysis
    assert exact_response_for(analysis, ("sin2_theta_w", "res_scale")).experiment.response_table is None
    p = make_params(loaded.nominal)
    exact = counting_analysis(exact_response(analysis.experiment), analysis.measured, analysis.sigma_alpha)
    # a fit that frees res_scale runs on the integrated response: finite, and the same as the exact analysis
    best_t = infer.fit(analysis, p, ("sin2_theta_w", "res_scale"), n_starts=1)
    best_e = infer.fit(exact, p, ("sin2_theta_w", "res_scale"), n_starts=1)
    assert np.isfinite(best_t.chi2_min)
    assert best_t.value("res_scale") == pytest.approx(best_e.value("res_scale"), rel=1e-8)
    # a fit of sin2_theta_w alone stays on the table and agrees with the exact analysis
    fit_t = infer.fit(analysis, p, ("sin2_theta_w",), n_starts=1)
    fit_e = infer.fit(exact, p, ("sin2_theta_w",), n_starts=1)
    assert fit_t.value("sin2_theta_w") == pytest.approx(fit_e.value("sin2_theta_w"), rel=1e-6)


def test_form_factor_series_matches_scipy_and_its_derivative():
    from scipy.special import spherical_jn

    x = np.linspace(0.01, 4.0, 4000)
    reference = 3.0 * spherical_jn(1, x) / x
    d_reference = 3.0 * (spherical_jn(1, x, derivative=True) / x - spherical_jn(1, x) / x**2)
    series = np.asarray(_three_j1_over_x(jnp.asarray(x), 4.0))
    d_series = np.asarray(jax.vmap(jax.grad(lambda v: _three_j1_over_x(v, 4.0)))(jnp.asarray(x)))
    assert np.max(np.abs(series - reference)) < 1e-13
    assert np.max(np.abs(d_series - d_reference)) < 1e-12
    assert float(_three_j1_over_x(jnp.asarray(0.0), 4.0)) == 1.0
    assert series_terms(4.5) is None and series_terms(0.5) < series_terms(3.0)
