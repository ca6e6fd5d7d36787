"""The analysis protocol (cevnsjax.analyses): one model gives the profile χ²,
the marginal likelihood, toys and Asimov data; analyses compose; a
user-written analysis is one class.

Evidence: closed forms against the protocol's generic optimiser profile and
against scipy quadrature over α; simulated moments against the analytic
mean and variance; gradients against finite differences; bad input.
"""

import json
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate, stats

import cevnsjax as cj
from cevnsjax import analyses, infer
from cevnsjax.analyses import Analysis, Nuisance
from cevnsjax.cli import main


@pytest.fixture(scope="module")
def counting(conus_plus):
    return analyses.counting_analysis(conus_plus)


@pytest.mark.parametrize("s", [0.1, 0.2540, 0.4, 0.8])
def test_closed_form_profile_equals_generic_optimiser_profile(counting, nominal, s):
    p = nominal.replace(sin2_theta_w=s)
    closed = float(counting.profile_chi2(p))
    generic = float(Analysis.profile_chi2(counting, p))  # the protocol's optimistix profile over α
    assert generic == pytest.approx(closed, rel=1e-8, abs=1e-10)
    alpha = float(Analysis.profile_nuisances(counting, p)["alpha"])
    assert alpha == pytest.approx(float(counting.profile_nuisances(p)["alpha"]), abs=1e-7)


@pytest.mark.parametrize("s", [0.2, 0.3, 0.6])
def test_analytic_marginal_equals_quadrature_over_alpha(counting, nominal, s):
    """ln ∫ N(N_meas; (1+α) N_th, σ_stat²) N(α; 0, σ_α) dα by scipy quad."""
    p = nominal.replace(sin2_theta_w=s)
    n_th, n, sa = float(counting.predicted(p)), float(counting.measured), float(counting.sigma_alpha)

    def integrand(a):
        return stats.norm.pdf(n, (1 + a) * n_th, math.sqrt(n)) * stats.norm.pdf(a, 0, sa)

    value, _ = integrate.quad(integrand, -12 * sa, 12 * sa, points=[(n - n_th) / n_th], limit=400)
    assert float(counting.log_marginal_likelihood(p)) == pytest.approx(math.log(value), abs=1e-7)
    # the same thing through the protocol: log_likelihood at α plus the α prior
    a0 = 0.05
    direct = stats.norm.logpdf(n, (1 + a0) * n_th, math.sqrt(n))
    assert float(counting.log_likelihood(p, {"alpha": a0})) == pytest.approx(direct, abs=1e-9)


def test_marginal_likelihood_gradient_matches_finite_differences(counting, nominal):
    def f(s):
        return counting.log_marginal_likelihood(nominal.replace(sin2_theta_w=s))

    for s in (0.22, 0.35):
        h = 1e-6
        fd = (float(f(s + h)) - float(f(s - h))) / (2 * h)
        assert float(jax.grad(f)(s)) == pytest.approx(fd, rel=1e-6)


def test_simulated_counts_have_the_marginal_mean_and_variance(counting, nominal):
    p = nominal.replace(sin2_theta_w=0.3)
    keys = jax.random.split(jax.random.PRNGKey(3), 40_000)
    draws = np.asarray(jax.jit(jax.vmap(lambda k: counting.simulate(k, p)))(keys))
    n_th, v = float(counting.predicted(p)), float(counting.variance(p))
    assert draws.mean() == pytest.approx(n_th, abs=4 * math.sqrt(v / draws.size))
    assert draws.var() == pytest.approx(v, rel=4 * math.sqrt(2 / draws.size))


def test_asimov_data_and_with_data_keep_sigma_stat(counting, nominal):
    truth = nominal.replace(sin2_theta_w=0.3)
    asimov = counting.asimov(truth)
    assert float(asimov.measured) == pytest.approx(float(counting.predicted(truth)), rel=1e-12)
    assert float(asimov(truth)) == pytest.approx(0.0, abs=1e-12)
    assert float(asimov.sigma_stat2) == 395.0  # the likelihood's σ_stat stays that of the observed count


def test_combined_analysis_sums_and_prefixes(conus_plus, nominal, counting):
    other = analyses.counting_analysis(conus_plus, measured=356.0, sigma_alpha=0.2)
    joint = analyses.combine(first=counting, second=other)
    assert joint.nuisance_names == ("first/alpha", "second/alpha")
    p = nominal.replace(sin2_theta_w=0.27)
    assert float(joint(p)) == pytest.approx(float(counting(p)) + float(other(p)), rel=1e-12)
    assert float(joint.log_marginal_likelihood(p)) == pytest.approx(
        float(counting.log_marginal_likelihood(p)) + float(other.log_marginal_likelihood(p)), rel=1e-12
    )
    nu = {"first/alpha": 0.1, "second/alpha": -0.2}
    assert float(joint.chi2_at(p, nu)) == pytest.approx(
        float(counting.chi2_at(p, {"alpha": 0.1})) + float(other.chi2_at(p, {"alpha": -0.2})), rel=1e-12
    )
    data = joint.simulate(jax.random.PRNGKey(0), p)
    assert len(data) == 2 and float(joint.with_data(data).parts[1].measured) == pytest.approx(float(data[1]))
    # the joint model is a model: fits, and posteriors through the same verbs
    best = infer.fit(joint, nominal, ("sin2_theta_w",))
    assert best.converged and 0.2 < best.value("sin2_theta_w") < 0.3
    from cevnsjax.infer import bayes

    sampled = bayes.log_posterior(joint, p, ["sin2_theta_w"], {"sin2_theta_w": 0.27, **nu}, analytic=False)
    direct = (
        float(joint.log_likelihood(p, nu))
        + stats.norm.logpdf(0.1, 0, float(counting.sigma_alpha))
        + stats.norm.logpdf(-0.2, 0, 0.2)
    )
    assert sampled == pytest.approx(direct, rel=1e-10)  # flat prior on [0, 1]: log 1 = 0


def test_combine_and_nuisance_bad_input(conus_plus):
    a = analyses.counting_analysis(conus_plus, constraints={"quench_k": (0.162, 0.004)})
    b = analyses.counting_analysis(conus_plus, constraints={"quench_k": (0.162, 0.004)})
    with pytest.raises(cj.ParameterError, match="'quench_k' is constrained by both 'a' and 'b'"):
        analyses.combine(a=a, b=b)
    with pytest.raises(TypeError, match="x=int is not an Analysis"):
        analyses.combine(x=3)
    with pytest.raises(cj.ParameterError, match="nuisance 'alpha': width must be a positive number"):
        Nuisance("alpha", 0.0, 0.0)


class ShiftedCount(Analysis):
    """A user-written analysis (the README example): a count with an additive
    background b ~ N(10, 3) as latent nuisance, Gaussian noise σ = 20."""

    experiment: object
    observed: jax.Array
    constraints: tuple = eqx.field(static=True, default=())
    nuisances = (Nuisance("background", 10.0, 3.0),)

    @property
    def data(self):
        return self.observed

    def with_data(self, data):
        return eqx.tree_at(lambda a: a.observed, self, jnp.asarray(data, dtype=float))

    def expected(self, params, nu):
        return cj.total_counts(params, self.experiment) + nu["background"]

    def data_chi2(self, params, nu):
        return ((self.observed - self.expected(params, nu)) / 20.0) ** 2

    def log_normaliser(self):
        return -0.5 * jnp.log(2 * jnp.pi * 20.0**2)

    def draw(self, key, mean):
        return mean + 20.0 * jax.random.normal(key, jnp.shape(mean))


def test_user_written_analysis_is_one_model(conus_plus, nominal):
    model = ShiftedCount(conus_plus, jnp.asarray(405.0))
    p = nominal.replace(sin2_theta_w=0.26)
    n = float(cj.total_counts(p, conus_plus))
    # profile over the background by the protocol's optimiser = the Gaussian closed form
    closed = (405.0 - n - 10.0) ** 2 / (20.0**2 + 3.0**2)
    assert float(model(p)) == pytest.approx(closed, rel=1e-8)
    best = infer.fit(model, nominal, ("sin2_theta_w",))
    assert float(cj.total_counts(best.params, conus_plus)) == pytest.approx(395.0, rel=1e-6)
    # the NumPyro model samples the background with its constraint as prior
    from cevnsjax.infer import bayes

    logp = bayes.log_posterior(model, p, ["sin2_theta_w"], {"sin2_theta_w": 0.26, "background": 12.0})
    assert logp == pytest.approx(
        stats.norm.logpdf(405.0, n + 12.0, 20.0) + stats.norm.logpdf(12.0, 10.0, 3.0), rel=1e-10
    )
    with pytest.raises(NotImplementedError, match="ShiftedCount has no analytic marginal likelihood"):
        model.log_marginal_likelihood(p)


# --------------------------------------------------------------------------- ON/OFF end to end


@pytest.fixture(scope="module")
def run5_spectra(tmp_path_factory):
    onoff = analyses.onoff_analysis("conus-run5")
    p = cj.nominal_params(onoff.experiment)
    toy = onoff.with_data(onoff.simulate(jax.random.PRNGKey(11), p.replace(flux_norm=1.2)))
    path = tmp_path_factory.mktemp("spectra") / "toy.json"
    analyses.write_spectra(path, toy, kind="toy", generated_with={"flux_norm": 1.2})
    return onoff, path


def test_onoff_model_draws_poisson_spectra(run5_spectra):
    onoff, _ = run5_spectra
    p = cj.nominal_params(onoff.experiment)
    on, off = onoff.simulate(jax.random.PRNGKey(1), p)
    mask = np.asarray(onoff.experiment.bin_mask)
    assert np.all(np.asarray(on) == np.round(np.asarray(on))) and np.all(np.asarray(off)[mask == 0] == 0)
    assert float(onoff.asimov(p)(p)) == pytest.approx(0.0, abs=1e-9)
    assert onoff.nuisances == () and not onoff.analytic_marginal


def test_cli_spectral_experiment_fit_with_spectra_file(capsys, run5_spectra):
    _, path = run5_spectra
    assert main(["fit", "flux_norm", "--experiment", "conus-run5", "--spectra", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["analysis"] == "on-off spectral" and out["data"] == str(path)
    assert out["converged"] and abs(out["best_fit"] - 1.2) < 3 * out["hessian_error"]
    assert out["predicted_at_best_fit"] > 0


def test_cli_spectral_bad_spectra_file_is_a_one_line_error(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema_version": 1, "experiment": "conus-plus", "detectors": []}))
    assert main(["fit", "flux_norm", "--experiment", "conus-run5", "--spectra", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "field experiment is 'conus-plus', expected 'conus-run5'" in err and "\n" not in err
