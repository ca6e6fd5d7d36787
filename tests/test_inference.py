"""The CONUS+ χ² analysis: seed-paper numbers, profile machinery, bad input."""

import json

import jax
import numpy as np
import pytest

from cevnsjax import infer
from cevnsjax.cli import main

# seed paper 000
SEED_SIN2 = 0.255
SEED_SIN2_ERR = 0.047
SEED_MU_NU_LIMIT = 5.3e-10


@pytest.fixture(scope="module")
def analysis(conus_plus):
    return infer.counting_analysis(conus_plus)


@pytest.fixture(scope="module")
def sin2_fit(analysis, nominal):
    return infer.fit(analysis, nominal, ("sin2_theta_w",))


def run_cli(capsys, *argv):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_fit_sin2_theta_w_reproduces_seed(capsys):
    """Convention (README): the 1σ half-width is half the Δχ² = 1 profile
    interval; the parabolic (Hessian) error is printed beside it."""
    out = run_cli(capsys, "fit", "sin2_theta_w")
    assert out["parameter"] == "sin2_theta_w"
    assert out["best_fit"] == pytest.approx(SEED_SIN2, abs=0.005)
    low, high = out["interval"]
    assert low < out["best_fit"] < high
    assert 0.5 * (high - low) == pytest.approx(SEED_SIN2_ERR, abs=0.006)
    assert out["hessian_error"] == pytest.approx(SEED_SIN2_ERR, abs=0.006)
    assert out["chi2_min"] == pytest.approx(0.0, abs=1e-8)  # N_th can match N_meas exactly
    assert out["predicted_at_best_fit"] == pytest.approx(395.0, rel=1e-6)


def test_limit_mu_nu_reproduces_seed(capsys):
    out = run_cli(capsys, "limit", "mu_nu", "--cl", "0.9")
    assert out["parameter"] == "mu_nu" and out["cl"] == 0.9
    assert out["upper_limit"] == pytest.approx(SEED_MU_NU_LIMIT, rel=0.15)
    assert out["delta_chi2_level"] == pytest.approx(2.7055, abs=1e-4)


def test_measured_count_option_moves_the_fit(capsys):
    low = run_cli(capsys, "fit", "sin2_theta_w", "--measured", "356")
    assert low["measured"] == 356.0 and low["best_fit"] < SEED_SIN2 - 0.01


def test_nsi_scan_has_two_bands_along_the_degenerate_direction(capsys, conus_plus, analysis, nominal):
    out = run_cli(capsys, "scan", "eps_ee_uV", "eps_ee_dV", "--points", "81")
    d = np.array(out["delta_chi2"])
    assert (
        len(out["x"]) == len(out["y"]) == 81
        and d.shape == (81, 81)
        and {c["cl"] for c in out["contours"]} == {0.682689492137086, 0.9}
    )
    assert any(len(c["lines"]) >= 2 for c in out["contours"])
    level = infer.delta_chi2_level(0.9, 2)

    def dchi2(eu, ed):
        return float(analysis(nominal.replace(eps_ee_uV=eu, eps_ee_dV=ed))) - out["chi2_min_on_grid"]

    # natural Ge: mean N weighted by abundance and Q_W²≈N² (close to the plain mean)
    Z = 32.0
    N = float(np.dot(np.asarray(conus_plus.isotope_N), [0.2052, 0.2745, 0.0776, 0.3652, 0.0775]))
    qw_sm = Z * (0.5 - 2 * 0.23857) - 0.5 * N
    flip = -2.0 * qw_sm  # (2Z+N) εu + (Z+2N) εd where Q_W -> -Q_W_SM
    assert dchi2(0.0, 0.0) < level  # the Standard Model is allowed
    for ed in (-0.5, 0.0, 0.5):  # the degenerate band, at several points along it
        eu = (flip - (Z + 2 * N) * ed) / (2 * Z + N)
        assert dchi2(eu, ed) < level
        eu_gap = (0.5 * flip - (Z + 2 * N) * ed) / (2 * Z + N)  # Q_W ≈ 0 between the bands
        assert dchi2(eu_gap, ed) > 10 * level
    # both bands run along the degenerate direction: shifting along it keeps Δχ²
    step = np.array([Z + 2 * N, -(2 * Z + N)]) / np.hypot(2 * Z + N, Z + 2 * N)
    for t in (-0.4, 0.4):
        assert dchi2(*(t * step)) == pytest.approx(dchi2(0.0, 0.0), abs=0.05)


@pytest.mark.parametrize("predicted", [150.0, 356.0, 395.0, 700.0])
def test_closed_form_and_gradient_profile_of_alpha_agree(predicted):
    closed = float(infer.counting_chi2(predicted, 395.0, infer.SEED_SIGMA_ALPHA))
    alpha, numeric = infer.profile_alpha_numerically(predicted, 395.0, infer.SEED_SIGMA_ALPHA)
    assert float(numeric) == pytest.approx(closed, abs=1e-8)
    assert float(alpha) == pytest.approx(
        float(infer.counting_alpha_hat(predicted, 395.0, infer.SEED_SIGMA_ALPHA)), abs=1e-8
    )


def test_fits_from_several_starting_points_agree(analysis, nominal):
    results = [
        infer.fit(analysis, nominal.replace(sin2_theta_w=s), ("sin2_theta_w",), n_starts=1)
        for s in (0.15, 0.2, 0.5, 0.9, 0.99)
    ]
    values = [r.value("sin2_theta_w") for r in results]
    assert all(r.converged and not r.at_boundary for r in results)
    np.testing.assert_allclose(values, values[0], atol=1e-7)
    # a lone start far below (N_th ≈ 50) runs onto the flat edge at sin²θW = 1 and
    # is flagged; the default multi-start keeps the true minimum
    lone = infer.fit(analysis, nominal.replace(sin2_theta_w=0.05), ("sin2_theta_w",), n_starts=1)
    assert lone.at_boundary == ("sin2_theta_w",) and lone.chi2_min > 1.0
    multi = infer.fit(analysis, nominal.replace(sin2_theta_w=0.05), ("sin2_theta_w",))
    assert multi.value("sin2_theta_w") == pytest.approx(values[0], abs=1e-7) and not multi.at_boundary
    two = infer.fit(analysis, nominal, ("sin2_theta_w", "quench_k"), n_starts=6)
    assert two.chi2_min == pytest.approx(0.0, abs=1e-8)  # a valley of exact solutions


def test_root_found_interval_matches_dense_grid(analysis, nominal, sin2_fit):
    interval = infer.profile_interval(analysis, sin2_fit, "sin2_theta_w")
    xs = np.linspace(0.15, 0.40, 25001)
    d = infer.profile_chi2(analysis, nominal, "sin2_theta_w", xs) - sin2_fit.chi2_min
    inside = xs[d <= 1.0]
    assert interval.low == pytest.approx(inside.min(), abs=2e-5)
    assert interval.high == pytest.approx(inside.max(), abs=2e-5)


def test_hessian_error_matches_finite_difference_curvature(analysis, sin2_fit):
    x0 = sin2_fit.value("sin2_theta_w")
    h = 1e-4
    f = [float(analysis(sin2_fit.params.replace(sin2_theta_w=x0 + k * h))) for k in (-1, 0, 1)]
    curvature = (f[0] - 2 * f[1] + f[2]) / h**2
    assert infer.hessian_error(analysis, sin2_fit, "sin2_theta_w") == pytest.approx(np.sqrt(2 / curvature), rel=1e-5)


def test_gaussian_constraint_profiles_a_nuisance(conus_plus, nominal):
    constrained = infer.counting_analysis(conus_plus, constraints={"quench_k": (0.162, 0.004)})
    best = infer.fit(constrained, nominal, ("sin2_theta_w", "quench_k"))
    assert best.converged and abs(best.value("quench_k") - 0.162) < 3 * 0.004
    free = infer.profile_interval(constrained, best, "sin2_theta_w", nuisances=("quench_k",))
    fixed = infer.profile_interval(constrained, infer.fit(constrained, nominal, ("sin2_theta_w",)), "sin2_theta_w")
    assert (free.high - free.low) > (fixed.high - fixed.low)  # profiling a nuisance widens the interval


def test_delta_chi2_levels():
    assert infer.delta_chi2_level(0.682689492137086, 1) == pytest.approx(1.0, rel=1e-9)
    assert infer.delta_chi2_level(0.9, 1) == pytest.approx(2.70554, rel=1e-5)
    assert infer.delta_chi2_level(0.9, 2) == pytest.approx(4.60517, rel=1e-5)


def test_poisson_deviance_accepts_asimov_and_zero_expectation():
    import jax.numpy as jnp

    obs = jnp.array([3.5, 0.0, 10.0])
    assert float(infer.poisson_deviance(obs, obs)) == pytest.approx(
        0.0, abs=1e-11
    )  # 2 × the 1e-12 floor in the empty bin
    g = jax.grad(infer.poisson_deviance, argnums=1)(obs, jnp.array([3.0, 0.0, 9.0]))
    assert np.all(np.isfinite(np.asarray(g)))


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["fit", "sin2_theta"], "unknown parameter 'sin2_theta'"),
        (["limit", "mu_nu", "--measured", "0"], "measured count must be a positive number"),
        (["fit", "sin2_theta_w", "--measured", "-3"], "measured count must be a positive number"),
        (["limit", "mu_nu", "--cl", "1.2"], "confidence level must be in (0, 1)"),
        (["limit", "mu_nu", "--cl", "0"], "confidence level must be in (0, 1)"),
        (["scan", "eps_ee_uV", "eps_ee_dV", "--range", "-3", "1", "-1", "1"], "leaves its physical range [-2, 2]"),
        (
            ["scan", "mu_nu", "eps_ee_dV", "--range", "-0.0000000001", "0.000000001", "-1", "1"],
            "'mu_nu' leaves its physical range",
        ),
        (["scan", "eps_ee_uV", "nsi"], "unknown parameter 'nsi'"),
    ],
)
def test_inference_bad_input(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err, err


def test_plots_are_written(tmp_path, capsys):
    for argv in (["fit", "sin2_theta_w"], ["limit", "mu_nu"], ["scan", "eps_ee_uV", "eps_ee_dV", "--points", "41"]):
        out = run_cli(capsys, *argv, "--plot", str(tmp_path / f"{argv[1]}.png"))
        expected = 4 if argv[1] == "sin2_theta_w" else 2  # profile (+ running plot), PNG and PDF
        assert len(out["plots"]) == expected
        assert {p.rsplit(".", 1)[1] for p in out["plots"]} == {"png", "pdf"}
        for path in out["plots"]:
            assert (tmp_path / path.split("/")[-1]).stat().st_size > 1000


def test_a_start_running_onto_the_flat_edge_stops_there():
    """χ² that keeps falling towards a range end (flat in u far out): the fit
    stops once |u| passes EDGE_U instead of creeping on for max_steps (in a
    batch of starts it would hold up every other start)."""
    import jax.numpy as jnp
    import optimistix as optx

    from cevnsjax.infer.fit import EDGE_U, TrustRegionBFGS

    sol = optx.minimise(
        lambda u, _: jnp.sum(jax.nn.sigmoid(-u)),
        TrustRegionBFGS(rtol=1e-10, atol=1e-10),
        jnp.array([0.5]),
        max_steps=2000,
        throw=False,
    )
    assert float(sol.value[0]) > EDGE_U and int(sol.stats["num_steps"]) < 100
