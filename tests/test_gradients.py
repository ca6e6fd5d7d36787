"""Gradients of the expected counts against central finite differences (float64)."""

import jax
import numpy as np
import pytest

import cevnsjax as cj
from cevnsjax import units
from cevnsjax.experiment import build_experiment, read_experiment_spec, validate_experiment_spec
from cevnsjax.quenching import ionisation_energy

#: (parameter, step) – steps chosen so truncation and rounding errors of the
#: central difference are both below 1e-7 relative.
STEPS = {
    "sin2_theta_w": 1e-4,
    "quench_k": 1e-5,
    "flux_norm": 1e-4,
    "eff_shift_eVee": 1e-3,
    "eff_width_scale": 1e-4,
    "res_scale": 1e-4,
    "fano": 1e-4,
}


def central_difference(f, params, name, h):
    x = float(getattr(params, name))
    return (f(params.replace(**{name: x + h})) - f(params.replace(**{name: x - h}))) / (2 * h)


def check_gradients(params, experiment, rtol=1e-5):
    f = jax.jit(cj.total_counts)
    grads = jax.grad(cj.total_counts)(params, experiment)
    for name, h in STEPS.items():
        g = float(getattr(grads, name))
        assert np.isfinite(g), name
        fd = float(central_difference(lambda p: f(p, experiment), params, name, h))
        assert g == pytest.approx(fd, rel=rtol, abs=1e-9 * max(1.0, abs(float(f(params, experiment))))), name


def test_gradients_match_finite_differences_at_nominal(conus_plus, nominal):
    check_gradients(nominal, conus_plus)


def test_gradients_match_finite_differences_away_from_nominal(conus_plus):
    p = cj.nominal_params(
        conus_plus, sin2_theta_w=0.3, quench_k=0.2, eff_shift_eVee=12.0, eff_width_scale=1.4, res_scale=0.8, fano=0.2
    )
    check_gradients(p, conus_plus)


def _experiment_with_thresholds(thresholds_eVee):
    spec = read_experiment_spec("conus-plus")
    for det, thr in zip(spec["detectors"], thresholds_eVee, strict=False):
        det["trigger_efficiency"]["e50_eVee"] += thr - det["threshold_eVee"]
        det["threshold_eVee"] = thr
        det["roi_max_eVee"] = max(det["roi_max_eVee"], thr + 1000.0)
        det.pop("bin_edges_eVee")
    return build_experiment(validate_experiment_spec(spec))


def test_gradients_with_threshold_on_the_kinematic_endpoint(conus_plus):
    """Thresholds at the largest true ionisation energy any recoil can have
    (T_max at E_max, quenched with k = 0.162): the signal there comes only from
    the resolution tail, and the windowed response has empty and partial windows."""
    t_max = float(conus_plus.recoil[-1])
    edge_eVee = float(ionisation_energy(t_max, 32, 0.162)) / units.eV
    ex = _experiment_with_thresholds([edge_eVee - 10.0, edge_eVee, edge_eVee + 10.0])
    p = cj.nominal_params(ex)
    assert 0 < float(cj.total_counts(p, ex)) < 1e-2
    check_gradients(p, ex)


def test_gradients_finite_where_no_recoil_reaches_the_threshold():
    ex = _experiment_with_thresholds([3000.0, 3500.0, 4000.0])
    p = cj.nominal_params(ex)
    grads = jax.grad(cj.total_counts)(p, ex)
    leaves = jax.tree.leaves(grads)
    assert all(np.isfinite(np.asarray(x)).all() for x in leaves)
    assert float(cj.total_counts(p, ex)) == 0.0


def test_gradient_with_respect_to_threshold_is_finite(conus_plus, nominal):
    """The experiment is a pytree too: design studies differentiate through it."""
    g = jax.grad(cj.total_counts, argnums=1)(nominal, conus_plus)
    assert np.all(np.isfinite(np.asarray(g.bin_lo))) and float(g.bin_lo.sum()) < 0


def test_bsm_terms_vanish_at_zero_coupling_with_correct_gradients(conus_plus, nominal):
    """μν and NSI: zero coupling is the Standard Model exactly; derivatives
    agree with finite differences at zero and away from it."""
    sm = float(cj.total_counts(nominal, conus_plus))
    zeroed = nominal.replace(mu_nu=0.0, eps_ee_uV=0.0, eps_ee_dV=0.0)
    assert float(cj.total_counts(zeroed, conus_plus)) == sm
    g0 = jax.grad(cj.total_counts)(nominal, conus_plus)
    assert float(g0.mu_nu) == 0.0  # the rate is even in μν
    f = jax.jit(cj.total_counts)
    for point, name, h in [
        (nominal, "eps_ee_uV", 1e-5),
        (nominal, "eps_ee_dV", 1e-5),
        (nominal.replace(eps_ee_uV=0.2, eps_ee_dV=-0.1), "eps_ee_uV", 1e-5),
        (nominal.replace(mu_nu=3e-10), "mu_nu", 1e-14),
        (nominal.replace(mu_nu=3e-10, eps_ee_dV=0.05), "eps_ee_dV", 1e-5),
    ]:
        g = float(getattr(jax.grad(cj.total_counts)(point, conus_plus), name))
        fd = float(central_difference(lambda p: f(p, conus_plus), point, name, h))
        assert g == pytest.approx(fd, rel=1e-6), name
