"""Differentiable sensitivity: gradients against finite differences, and the
optimised design beats the seed's configuration."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import cevnsjax as cj
from cevnsjax import sensitivity as sens


@pytest.fixture(scope="module")
def setup(conus_plus, nominal):
    return nominal, conus_plus, sens.design_of(conus_plus)


def _fd(f, design, field, i, h):
    def shifted(sign):
        moved = getattr(design, field).at[i].add(sign * h)
        return float(f(eqx.tree_at(lambda d: getattr(d, field), design, moved)))

    return (shifted(+1) - shifted(-1)) / (2 * h)


@pytest.mark.parametrize("target", ["sin2", "mu_nu"])
def test_design_gradients_match_finite_differences(setup, target):
    params, ex, design = setup
    fn = sens.sin2_sensitivity if target == "sin2" else sens.mu_nu_expected_limit

    def f(d):
        return fn(params, ex, d)

    grad = jax.grad(f)(design)
    for field, h in [
        ("threshold_eVee", 1e-3),
        ("exposure_kg_day", 1e-3),
        ("sigma0_eVee", 1e-4),
        ("background_flat", 1e-4),
        ("background_noise", 1e-4),
    ]:
        for i in range(3):
            g = float(getattr(grad, field)[i])
            assert np.isfinite(g)
            assert g == pytest.approx(_fd(f, design, field, i, h), rel=1e-5, abs=1e-12), (field, i)
    # physics signs: more exposure or less background improves the sensitivity
    assert np.all(np.asarray(grad.exposure_kg_day) < 0) and np.all(np.asarray(grad.background_flat) > 0)


def test_quenching_gradient_matches_finite_difference(setup):
    params, ex, design = setup

    def f(k):
        return sens.sin2_sensitivity(params.replace(quench_k=k), ex, design)

    g = float(jax.grad(f)(params.quench_k))
    fd = (float(f(0.162 + 1e-5)) - float(f(0.162 - 1e-5))) / 2e-5
    assert g == pytest.approx(fd, rel=1e-5) and g < 0  # more quenching light: more signal


def test_asimov_sensitivity_agrees_with_a_profile_of_the_asimov_chi2(setup):
    """The Fisher formula equals half the Δχ² = 1 width of the explicit Asimov
    χ² (S + 2B statistics, σ_sys) to the linearity of S in sin²θW."""
    params, ex, design = setup
    sigma = float(sens.sin2_sensitivity(params, ex, design))
    var = float(sens._variance(params, ex, design, sens.CostModel()))
    s0 = float(cj.total_counts(params, ex))
    xs = np.linspace(0.23857 - 0.1, 0.23857 + 0.1, 4001)
    counts = np.asarray(jax.vmap(lambda s: cj.total_counts(params.replace(sin2_theta_w=s), ex))(jnp.asarray(xs)))
    inside = xs[(counts - s0) ** 2 / var <= 1.0]
    assert 0.5 * (inside.max() - inside.min()) == pytest.approx(sigma, rel=0.05)


def test_optimised_design_beats_the_seed_configuration(setup):
    params, ex, design = setup
    result = sens.optimise_design(params, ex, design, total_exposure=347.0, steps=150)
    assert result["start_sigma_sin2"] == pytest.approx(float(sens.sin2_sensitivity(params, ex, design)), rel=1e-12)
    assert result["sigma_sin2"] < 0.9 * result["start_sigma_sin2"]
    best = result["design"]
    assert float(jnp.sum(best.exposure_kg_day)) == pytest.approx(347.0, rel=1e-12)
    assert np.all((np.asarray(best.threshold_eVee) >= 100) & (np.asarray(best.threshold_eVee) <= 400))
