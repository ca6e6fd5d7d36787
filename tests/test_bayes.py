"""Bayesian posteriors (NumPyro NUTS) on the CONUS+ counting χ².

Evidence, by group:

* exact references: the 1D posterior ∝ prior · exp(−χ²/2) of the *same*
  objective integrated by quadrature on a fine grid (independent of the
  sampler); a linearised model whose posterior is an analytic Gaussian;
* posterior vs profile likelihood, within the difference the exact posterior
  predicts plus Monte Carlo error;
* diagnostics: R̂ < 1.01 and no divergences on the standard runs; chains
  started in the two separated NSI bands are caught (R̂ > 1.01);
* posterior predictive coverage of the measured count;
* reproducibility (same seed → identical samples: the CLI's own compiled run
  reproduces the library's), the nuisance prior counted once, bad input.

Monte Carlo standard errors: a quantile q at x_q has
se ≈ sqrt(q (1 − q) / ESS) / p(x_q), p the exact density; a mean
sd / sqrt(ESS); a standard deviation sd / sqrt(2 ESS). Tolerances are 4 se.
"""

import json
import math
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import cevnsjax as cj
from cevnsjax import infer
from cevnsjax.cli import main
from cevnsjax.infer import bayes

MEASURED = 395.0
PROFILE_SIN2 = 0.2540  # README: cevnsjax fit sin2_theta_w
PROFILE_SIN2_68 = (0.2151, 0.3138)
PROFILE_MU_NU_90 = 5.61e-10  # README: cevnsjax limit mu_nu
NSI_WINDOW = 0.15  # |ε| ≤ 0.15 holds the Standard-Model band only (the flipped band needs (2Z+N)εu + (Z+2N)εd ≈ 40)


@pytest.fixture(scope="module")
def analysis(conus_plus):
    return infer.counting_analysis(conus_plus)


def exact_posterior_1d(analysis, params, name, xs):
    """Quadrature reference: flat prior, p(x) ∝ exp(−χ²(x)/2) on the grid xs."""
    chi2 = np.asarray(jax.vmap(lambda x: analysis(params.replace(**{name: x})))(jnp.asarray(xs)))
    density = np.exp(-0.5 * (chi2 - chi2.min()))
    density /= np.trapezoid(density, xs)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(xs))])
    return density, cdf / cdf[-1], chi2


def quantile_se(q, x, xs, density, ess):
    return math.sqrt(q * (1 - q) / ess) / float(np.interp(x, xs, density))


# --------------------------------------------------------------------------- sin²θW


@pytest.fixture(scope="module")
def sin2_posterior(analysis, nominal):
    return bayes.sample_posterior(analysis, nominal, ["sin2_theta_w"], chains=4, samples=2000, warmup=500, seed=0)


@pytest.fixture(scope="module")
def sin2_exact(analysis, nominal):
    xs = np.linspace(0.0, 1.0, 5001)
    density, cdf, chi2 = exact_posterior_1d(analysis, nominal, "sin2_theta_w", xs)
    median = float(np.interp(0.5, cdf, xs))
    hdi68 = bayes.grid_hdi(xs, density, 0.68)
    level = float(np.interp(hdi68[0], xs, chi2) - chi2.min())  # Δχ² on the HDI's edge
    return {"xs": xs, "density": density, "cdf": cdf, "median": median, "hdi68": hdi68, "hdi_level": level,
            "mean": float(np.trapezoid(xs * density, xs)), "tail_above_0.4": float(1 - np.interp(0.4, xs, cdf))}


def test_sin2_posterior_matches_exact_quadrature_and_profile(sin2_posterior, sin2_exact, analysis, nominal):
    """Flat prior on sin²θW ∈ [0, 1]. Expected posterior − profile difference
    (from the exact quadrature, printed below): the median is ≈ 0.284, +0.030
    above the best fit 0.2540, and the 68 % HDI ≈ [0.207, 0.336] is the set
    Δχ² < 1.59 instead of the Wilks Δχ² < 1, i.e. [−0.008, +0.022] wider than
    the profile interval [0.2151, 0.3138]. The cause is the shape, not the
    prior: with the normalisation nuisance σ_α the χ² saturates at
    1/σ_α² ≈ 12 as N_th grows (χ²(1) ≈ 10), so ~14 % of the posterior mass
    sits in a long tail above 0.4 that the Δχ² construction ignores."""
    best = infer.fit(analysis, nominal, ("sin2_theta_w",))
    profile = infer.profile_interval(analysis, best, "sin2_theta_w")
    assert profile.best_fit == pytest.approx(PROFILE_SIN2, abs=5e-4)
    assert (profile.low, profile.high) == pytest.approx(PROFILE_SIN2_68, abs=5e-4)

    ex, post = sin2_exact, sin2_posterior
    print(f"\nsin2: profile {profile.best_fit:.4f} [{profile.low:.4f}, {profile.high:.4f}]; exact posterior median "
          f"{ex['median']:.4f}, mean {ex['mean']:.4f}, HDI68 [{ex['hdi68'][0]:.4f}, {ex['hdi68'][1]:.4f}] "
          f"(Δχ² < {ex['hdi_level']:.2f}), tail above 0.4: {ex['tail_above_0.4']:.3f}; NUTS median {post.median('sin2_theta_w'):.4f}, "
          f"HDI68 {post.hdi('sin2_theta_w', 0.68)}, ESS {post.ess_bulk('sin2_theta_w'):.0f}")
    # the stated expected difference
    assert ex["median"] - profile.best_fit == pytest.approx(0.030, abs=0.003)
    assert ex["hdi68"][0] - profile.low == pytest.approx(-0.008, abs=0.002)
    assert ex["hdi68"][1] - profile.high == pytest.approx(0.022, abs=0.003)
    assert ex["hdi_level"] == pytest.approx(1.59, abs=0.05)

    ess = min(post.ess_bulk("sin2_theta_w"), post.ess_tail("sin2_theta_w"))
    xs, dens, cdf = ex["xs"], ex["density"], ex["cdf"]
    se_median = quantile_se(0.5, ex["median"], xs, dens, ess)
    median = post.median("sin2_theta_w")
    assert abs(median - ex["median"]) < 4 * se_median
    assert abs(median - profile.best_fit) <= abs(ex["median"] - profile.best_fit) + 4 * se_median
    lo, hi = post.hdi("sin2_theta_w", 0.68)
    for mc, exact, prof in ((lo, ex["hdi68"][0], profile.low), (hi, ex["hdi68"][1], profile.high)):
        se = quantile_se(float(np.interp(exact, xs, cdf)), exact, xs, dens, ess)
        assert abs(mc - exact) < 4 * se
        assert abs(mc - prof) <= abs(exact - prof) + 4 * se
    for q in (0.16, 0.84):  # central interval too
        x = float(np.interp(q, cdf, xs))
        assert float(post.quantile("sin2_theta_w", q)) == pytest.approx(x, abs=4 * quantile_se(q, x, xs, dens, ess))


def test_grid_posterior_is_the_quadrature_reference(analysis, nominal, sin2_exact):
    xs = sin2_exact["xs"][::5]
    grid = bayes.posterior_on_grid(analysis, nominal, ["sin2_theta_w"], {"sin2_theta_w": xs})
    assert bayes.grid_quantile(xs, grid["density"], 0.5) == pytest.approx(sin2_exact["median"], abs=2e-4)


def test_standard_runs_converge_without_divergences(sin2_posterior):
    post = sin2_posterior
    assert post.settings["chain_method"] == bayes.default_chain_method(4)
    assert post.samples["sin2_theta_w"].shape == (4, 2000) and post.chi2.shape == (4, 2000)
    assert post.r_hat("sin2_theta_w") < 1.01
    assert post.divergences == 0
    summary = post.summary()["sin2_theta_w"]
    assert set(summary) >= {"mean", "median", "hdi_68", "hdi_90", "r_hat", "ess_bulk"} and "upper_90" not in summary
    assert summary["hdi_90"][0] < summary["hdi_68"][0] < summary["median"] < summary["hdi_68"][1] < summary["hdi_90"][1]


def test_posterior_predictive_covers_the_measured_count(sin2_posterior, analysis, nominal):
    pp = bayes.posterior_predictive(sin2_posterior, analysis, nominal, seed=1)
    assert pp["replicated"].shape == pp["predicted"].shape == (4, 2000)
    lo, hi = np.quantile(pp["replicated"], [0.05, 0.95])
    p_value = float(np.mean(pp["replicated"] >= MEASURED))
    print(f"\nposterior predictive: 90 % [{lo:.0f}, {hi:.0f}], P(N_rep ≥ 395) = {p_value:.2f}")
    assert lo < MEASURED < hi and 0.1 < p_value < 0.9
    # N_th at each draw is the forward model itself
    draw = float(sin2_posterior.samples["sin2_theta_w"][2, 17])
    assert pp["predicted"][2, 17] == pytest.approx(float(analysis.predicted(nominal.replace(sin2_theta_w=draw))), rel=1e-10)
    idata = sin2_posterior.to_inference_data(pp)
    assert {"posterior", "sample_stats", "posterior_predictive", "observed_data"} <= set(idata.groups())


# --------------------------------------------------------------------------- μν


def test_mu_nu_credible_limit_vs_exact_and_profile(analysis, nominal):
    """Flat prior on μν ∈ [0, 1e-8] μB. The 90 % credible limit (exact: 7.31e-10)
    lies above the Δχ² = 2.71 profile limit 5.61e-10: the same saturating χ²
    tail (and a flat prior out to 1e-8) holds ~10 % of the mass above it."""
    post = bayes.sample_posterior(analysis, nominal, ["mu_nu"], chains=4, samples=2000, warmup=300, seed=0)
    assert post.r_hat("mu_nu") < 1.01 and post.divergences == 0
    xs = np.linspace(0.0, 1e-8, 5001)
    density, cdf, _ = exact_posterior_1d(analysis, nominal, "mu_nu", xs)
    exact90 = float(np.interp(0.9, cdf, xs))
    profile = infer.upper_limit(analysis, nominal, "mu_nu", cl=0.9)["upper_limit"]
    limit = post.summary()["mu_nu"]["upper_90"]
    se = quantile_se(0.9, exact90, xs, density, min(post.ess_bulk("mu_nu"), post.ess_tail("mu_nu")))
    print(f"\nmu_nu 90 %: NUTS {limit:.3g} ± {se:.2g}, exact posterior {exact90:.3g}, profile {profile:.3g}")
    assert profile == pytest.approx(PROFILE_MU_NU_90, rel=2e-3)
    assert exact90 == pytest.approx(7.31e-10, rel=0.01)
    assert abs(limit - exact90) < 4 * se
    assert abs(limit - profile) <= abs(exact90 - profile) + 4 * se


# --------------------------------------------------------------------------- NSI plane


def test_nsi_window_posterior_converges_and_matches_grid(analysis, nominal):
    priors = {n: bayes.uniform_prior(-NSI_WINDOW, NSI_WINDOW) for n in ("eps_ee_uV", "eps_ee_dV")}
    post = bayes.sample_posterior(analysis, nominal, priors, chains=4, samples=500, warmup=300, seed=0,
                                  dense_mass=True, target_accept=0.95)
    assert post.divergences == 0
    xs = np.linspace(-NSI_WINDOW, NSI_WINDOW, 121)
    grid = bayes.posterior_on_grid(analysis, nominal, priors, {"eps_ee_uV": xs, "eps_ee_dV": xs})
    for axis, name in ((0, "eps_ee_uV"), (1, "eps_ee_dV")):
        assert post.r_hat(name) < 1.01
        marginal = np.trapezoid(grid["density"], xs, axis=axis)
        ess = min(post.ess_bulk(name), post.ess_tail(name))
        for q in (0.16, 0.5, 0.84):
            x = float(bayes.grid_quantile(xs, marginal, q))
            assert float(post.quantile(name, q)) == pytest.approx(x, abs=4 * quantile_se(q, x, xs, marginal, ess))


def test_diagnostics_catch_chains_in_separated_nsi_bands(analysis, nominal):
    """One chain starts in the Standard-Model band, one in the flipped-sign band:
    NUTS cannot cross the Q_W ≈ 0 gap (χ² ≈ 395), and R̂ says so."""
    sm, flipped = 0.0, 0.186
    for v in (sm, flipped):
        assert float(analysis(nominal.replace(eps_ee_uV=v, eps_ee_dV=v))) < 1.0  # both are in a band
    priors = {n: bayes.uniform_prior(-1.0, 1.0) for n in ("eps_ee_uV", "eps_ee_dV")}
    start = [sm, flipped]
    post = bayes.sample_posterior(analysis, nominal, priors, chains=2, samples=100, warmup=100, seed=0, dense_mass=True,
                                  init_values={"eps_ee_uV": start, "eps_ee_dV": start})
    r_hat = max(post.r_hat("eps_ee_uV"), post.r_hat("eps_ee_dV"))
    print(f"\nNSI chains started in separated bands: R-hat {r_hat:.3f}")
    assert r_hat > 1.01


# --------------------------------------------------------------------------- analytic posterior


class LinearisedCounting(eqx.Module):
    """χ² of a count linear in sin²θW: a Gaussian likelihood, so with a flat
    prior the posterior is N(s0 + (N_meas − N0)/slope, σ/|slope|)."""

    n0: jax.Array
    slope: jax.Array
    s0: jax.Array
    measured: jax.Array
    sigma: jax.Array

    def __call__(self, params):
        predicted = self.n0 + self.slope * (params.sin2_theta_w - self.s0)
        return ((self.measured - predicted) / self.sigma) ** 2


@pytest.fixture(scope="module")
def linearised(conus_plus, nominal):
    s0 = nominal.sin2_theta_w
    n0, slope = jax.value_and_grad(lambda s: cj.total_counts(nominal.replace(sin2_theta_w=s), conus_plus))(s0)
    sigma = math.sqrt(MEASURED + (infer.SEED_SIGMA_ALPHA * MEASURED) ** 2)
    objective = LinearisedCounting(n0, slope, s0, jnp.asarray(MEASURED), jnp.asarray(sigma))
    mean = float(s0 + (MEASURED - n0) / slope)
    sd = sigma / abs(float(slope))
    assert 5 * sd < min(mean, 1 - mean)  # the flat prior's edges are far away
    return objective, mean, sd


def test_analytic_gaussian_posterior_is_recovered(linearised, nominal):
    objective, mean, sd = linearised
    post = bayes.sample_posterior(objective, nominal, ["sin2_theta_w"], chains=4, samples=1000, warmup=300, seed=2)
    ess = post.ess_bulk("sin2_theta_w")
    flat = post.flat("sin2_theta_w")
    assert post.r_hat("sin2_theta_w") < 1.01 and post.divergences == 0
    assert np.mean(flat) == pytest.approx(mean, abs=4 * sd / math.sqrt(ess))
    assert np.std(flat, ddof=1) == pytest.approx(sd, abs=4 * sd / math.sqrt(2 * ess))
    # the 68 % HDI of a Gaussian is mean ± 0.994 sd
    lo, hi = post.hdi("sin2_theta_w", 0.68)
    assert 0.5 * (hi - lo) == pytest.approx(0.9945 * sd, rel=0.1)


# --------------------------------------------------------------------------- nuisances and priors


def test_constrained_nuisance_prior_is_not_double_counted(conus_plus, nominal):
    """Sampled and constrained: the pull term leaves χ² and becomes the
    (truncated) Gaussian prior. Fixed and constrained: the pull stays in χ²."""
    from jax.scipy.stats import norm

    constrained = infer.counting_analysis(conus_plus, constraints={"quench_k": (0.162, 0.004)})
    plain = infer.counting_analysis(conus_plus)
    point = nominal.replace(sin2_theta_w=0.25, quench_k=0.17)
    chi2 = float(plain(point))
    truncation = float(norm.cdf(0.4, 0.162, 0.004) - norm.cdf(0.0, 0.162, 0.004))
    log_prior_k = float(norm.logpdf(0.17, 0.162, 0.004)) - math.log(truncation)
    sampled = bayes.log_posterior(constrained, point, ["sin2_theta_w", "quench_k"], {"sin2_theta_w": 0.25, "quench_k": 0.17})
    assert sampled == pytest.approx(log_prior_k - 0.5 * chi2, rel=1e-10)
    fixed = bayes.log_posterior(constrained, point, ["sin2_theta_w"], {"sin2_theta_w": 0.25})
    assert fixed == pytest.approx(-0.5 * (chi2 + ((0.17 - 0.162) / 0.004) ** 2), rel=1e-10)
    with pytest.raises(cj.ParameterError, match="constrained by the objective"):
        bayes.posterior_model(constrained, point, {"quench_k": "uniform"})


def test_prior_kinds_and_their_ranges():
    assert bayes.resolve_prior("sin2_theta_w") == bayes.Prior("uniform", 0.0, 1.0)
    assert bayes.resolve_prior("mu_nu", "loguniform:1e-12") == bayes.Prior("loguniform", 1e-12, 1e-8)
    gauss = bayes.resolve_prior("quench_k", "gauss:0.162,0.004")
    assert (gauss.kind, gauss.low, gauss.high, gauss.mu, gauss.sigma) == ("gauss", 0.0, 0.4, 0.162, 0.004)
    # every registered parameter gets a default prior over its registry range
    for name, spec in cj.PARAMETERS.items():
        prior = bayes.resolve_prior(name)
        assert (prior.low, prior.high) == (spec.lower, spec.upper)
    assert bayes.is_one_sided("mu_nu") and not bayes.is_one_sided("sin2_theta_w")
    assert bayes.is_one_sided("sin2_theta_w", bayes.log_uniform_prior(0.1))


@pytest.mark.parametrize("name, text, fragments", [
    ("sin2_theta_w", "uniform:0.5,1.5", ["'sin2_theta_w'", "leaves the physical range", "[0, 1]"]),
    ("sin2_theta_w", "uniform:0.3,0.2", ["'sin2_theta_w'", "must be below", "[0, 1]"]),
    ("mu_nu", "loguniform:0", ["'mu_nu'", "positive lower end", "[0, 1e-08]"]),
    ("mu_nu", "loguniform:-1e-10", ["'mu_nu'", "positive lower end"]),
    ("quench_k", "gauss:0.162,0", ["'quench_k'", "width must be positive"]),
    ("quench_k", "gauss:0.5,0.01", ["'quench_k'", "outside the prior range", "(0, 0.4]"]),
    ("mu_nu", "cauchy:0,1", ["'mu_nu'", "unknown prior"]),
    ("mu_nu", "gauss:1e-10", ["'mu_nu'", "expected gauss:MU,SIGMA"]),
])
def test_impossible_priors_name_the_parameter_and_range(name, text, fragments):
    with pytest.raises(cj.ParameterError) as info:
        bayes.resolve_prior(name, text)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_bad_sampler_settings(analysis, nominal):
    for kwargs, field in (({"chains": 0}, "chains"), ({"samples": 0}, "samples"), ({"warmup": -1}, "warmup")):
        with pytest.raises(ValueError, match=field):
            bayes.sample_posterior(analysis, nominal, ["sin2_theta_w"], **kwargs)
    with pytest.raises(cj.ParameterError, match="unknown parameter 'sin2'"):
        bayes.sample_posterior(analysis, nominal, ["sin2"])


# --------------------------------------------------------------------------- command line


def test_cli_sample_writes_json_netcdf_and_is_reproducible(tmp_path, capsys, sin2_posterior):
    """The CLI with its defaults (4 chains × 2000 draws, 500 warm-up, seed 0)
    compiles its own sampler and reproduces the library run with the same
    settings draw for draw: same seed, identical samples."""
    out = tmp_path / "run"
    assert main(["sample", "sin2_theta_w", "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    entry = result["parameters"]["sin2_theta_w"]
    assert set(entry) >= {"mean", "median", "hdi_68", "hdi_90", "r_hat", "ess_bulk"}
    assert entry["median"] == pytest.approx(sin2_posterior.median("sin2_theta_w"), abs=0)
    assert entry["r_hat"] < 1.01 and result["divergences"] == 0
    assert {k: result["settings"][k] for k in ("chains", "samples", "warmup", "seed")} == \
        {"chains": 4, "samples": 2000, "warmup": 500, "seed": 0}
    assert result["settings"]["priors"] == {"sin2_theta_w": "uniform on [0, 1]"}
    assert result["measured"] == MEASURED
    lo, hi = result["posterior_predictive"]["replicated_interval_90"]
    assert lo < MEASURED < hi
    for name in ("posterior.nc", "corner.png", "corner.pdf"):
        assert (out / name).stat().st_size > 0
    idata = bayes._arviz().from_netcdf(str(out / "posterior.nc"))
    assert np.array_equal(idata.posterior["sin2_theta_w"].values, sin2_posterior.samples["sin2_theta_w"])
    assert np.array_equal(idata.sample_stats["chi2"].values, sin2_posterior.chi2)
    assert int(idata.sample_stats["diverging"].sum()) == 0
    assert idata.posterior_predictive["replicated"].shape == (4, 2000)


@pytest.mark.parametrize("argv, fragments", [
    (["sample", "sin2"], ["unknown parameter 'sin2'"]),
    (["sample", "mu_nu", "--prior", "mu_nu=loguniform:0"], ["'mu_nu'", "positive lower end", "[0, 1e-08]"]),
    (["sample", "sin2_theta_w", "--prior", "sin2_theta_w=uniform:0.4,0.2"], ["'sin2_theta_w'", "must be below", "[0, 1]"]),
    (["sample", "sin2_theta_w", "--prior", "sin2_theta_w=uniform:-1,0.5"], ["'sin2_theta_w'", "physical range", "[0, 1]"]),
    (["sample", "sin2_theta_w", "--prior", "mu_nu=uniform"], ["'mu_nu' is not sampled"]),
    (["sample", "sin2_theta_w", "--chains", "0"], ["--chains", "got 0"]),
    (["sample", "sin2_theta_w", "--samples", "0"], ["--samples", "got 0"]),
])
def test_cli_sample_bad_input_exits_2(capsys, argv, fragments):
    assert main(argv) == 2
    err = capsys.readouterr().err
    for fragment in fragments:
        assert fragment in err, err


# --------------------------------------------------------------------------- notebook

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "06_posteriors_vs_profile.ipynb"
NOTEBOOK_SMALL = "CHAINS, SAMPLES, WARMUP = 2, 200, 100\nGRID_1D, GRID_2D = 2001, 61"


def test_notebook_posteriors_vs_profile_executes(tmp_path):
    """The notebook runs top to bottom (small settings in its tagged cell) and
    prints the profile numbers it compares with."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    cells[0].source = NOTEBOOK_SMALL
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if o.output_type == "stream")
    assert "profile:          best fit 0.2540, 68 % interval [0.2151, 0.3138]" in printed
    assert "profile 90 % CL (Δχ² = 2.71):       5.61e-10" in printed
    assert "whole box, random starts" in printed and "window |eps| <= 0.15" in printed


def test_spectral_onoff_posterior_recovers_asimov_truth():
    """The ON/OFF spectral likelihood is sampled through the same bridge
    (−½ χ² of any objective): on Asimov spectra generated at flux_norm = 1.3
    the posterior median is at the truth within its Monte Carlo error."""
    import cevnsjax as cj
    from cevnsjax.infer import spectral
    from cevnsjax.infer.bayes import sample_posterior

    analysis = spectral.onoff_analysis("conus-run5")
    params = cj.nominal_params(analysis.experiment)
    asimov = spectral.asimov_spectra(analysis, params.replace(flux_norm=1.3))
    post = sample_posterior(asimov, params, {"flux_norm": None, "bkg_scale": None}, chains=2, samples=400, warmup=300,
                            seed=3, progress_bar=False)
    width = post.hdi("flux_norm", 0.68)
    sigma = 0.5 * (width[1] - width[0])
    assert 0.1 < sigma < 0.4  # the Asimov Hessian error is 0.22
    assert abs(post.median("flux_norm") - 1.3) < 0.25 * sigma + 3 * sigma / (post.ess_bulk("flux_norm") ** 0.5)
    assert post.r_hat("flux_norm") < 1.05 and post.divergences == 0
