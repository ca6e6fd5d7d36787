"""Bayesian posteriors (NumPyro) of the CONUS+ counting analysis: the
normalisation nuisance α integrated out (analytically, or sampled).

Evidence, by group:

* exact references: the 1D marginal posterior ∝ prior · N(N_meas; N_th, V),
  V = N_meas + σ_α² N_th², integrated by numpy quadrature from the package's
  own N_th(sin²θW) on a fine grid (independent of the sampler and of the
  NumPyro model); a linearised model whose posterior is an analytic Gaussian;
* sampling α explicitly as a latent site gives the same posterior as the
  analytic marginal;
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
#: Marginal posterior of sin²θW, flat prior on [0, 1], by quadrature (20001 points) of
#: N(395; N_th, V) with the package's N_th: median 0.26149, 68 % HDI [0.20350, 0.30205].
#: Without the 1/√V factor (exp(−χ²_profile/2)) it would be 0.28369, [0.20720, 0.33505].
MARGINAL_SIN2_MEDIAN = 0.2615
MARGINAL_SIN2_HDI68 = (0.2035, 0.3021)
RUN = dict(chains=2, samples=1000, warmup=500, seed=1)


@pytest.fixture(scope="module")
def analysis():
    """The CONUS+ analysis as the command line loads it (tabulated response), so
    the CLI run below can be compared draw for draw."""
    from cevnsjax.analyses.registry import load_analysis

    return load_analysis("conus-plus").analysis


def quantile_se(q, x, xs, density, ess):
    return math.sqrt(q * (1 - q) / ess) / float(np.interp(x, xs, density))


@pytest.fixture(scope="module")
def sin2_exact(analysis, nominal):
    """Independent quadrature: p(s) ∝ N(N_meas; N_th(s), V(s)) on a flat prior."""
    xs = np.linspace(0.0, 1.0, 20001)
    n_th = np.asarray(jax.jit(jax.vmap(lambda s: analysis.predicted(nominal.replace(sin2_theta_w=s))))(jnp.asarray(xs)))
    sa2 = float(analysis.sigma_alpha) ** 2
    v = MEASURED + sa2 * n_th**2
    out = {"xs": xs}
    for kind, log_p in (
        ("marginal", -0.5 * (MEASURED - n_th) ** 2 / v - 0.5 * np.log(v)),
        ("profile", -0.5 * (MEASURED - n_th) ** 2 / v),
    ):
        d = np.exp(log_p - log_p.max())
        d /= np.trapezoid(d, xs)
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (d[1:] + d[:-1]) * np.diff(xs))])
        out[kind] = {
            "density": d,
            "cdf": cdf / cdf[-1],
            "median": float(np.interp(0.5, cdf / cdf[-1], xs)),
            "hdi68": bayes.grid_hdi(xs, d, 0.68),
        }
    return out


@pytest.fixture(scope="module")
def sin2_posterior(analysis, nominal):
    return bayes.sample_posterior(analysis, nominal, ["sin2_theta_w"], **RUN)


def test_quadrature_reference_marginal_vs_profile(sin2_exact, analysis, nominal):
    """The stated quadrature numbers, and the package's grid posterior (the
    NumPyro model's log density) reproduces them."""
    m, prof = sin2_exact["marginal"], sin2_exact["profile"]
    print(
        f"\nmarginal: median {m['median']:.5f}, HDI68 {m['hdi68']}; exp(-chi2/2): median {prof['median']:.5f}, "
        f"HDI68 {prof['hdi68']}"
    )
    assert m["median"] == pytest.approx(MARGINAL_SIN2_MEDIAN, abs=2e-4)
    assert m["hdi68"] == pytest.approx(MARGINAL_SIN2_HDI68, abs=2e-4)
    assert prof["median"] - m["median"] > 0.02  # the 1/√V factor pulls the tail in
    xs = sin2_exact["xs"][::4]
    grid = bayes.posterior_on_grid(analysis, nominal, ["sin2_theta_w"], {"sin2_theta_w": xs})
    assert bayes.grid_quantile(xs, grid["density"], 0.5) == pytest.approx(m["median"], abs=2e-4)
    best = infer.fit(analysis, nominal, ("sin2_theta_w",))
    profile = infer.profile_interval(analysis, best, "sin2_theta_w")
    assert profile.best_fit == pytest.approx(PROFILE_SIN2, abs=5e-4)
    assert (profile.low, profile.high) == pytest.approx(PROFILE_SIN2_68, abs=5e-4)


def test_cli_sample_sin2_matches_the_marginal_posterior(tmp_path, capsys, sin2_posterior, sin2_exact):
    """``cevnsjax sample sin2_theta_w`` (flat prior, 2 chains × 1000 draws after
    500 warm-up, seed 1): median within 0.006 and 68 % HDI ends within 0.008 of
    the quadrature; R̂ < 1.01, no divergences; the CLI reproduces the library run
    draw for draw; posterior.nc is readable by ArviZ."""
    out = tmp_path / "run"
    argv = ["sample", "sin2_theta_w", "--chains", "2", "--samples", "1000", "--warmup", "500", "--seed", "1"]
    assert main([*argv, "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    entry = result["parameters"]["sin2_theta_w"]
    print(
        f"\nCLI: median {entry['median']:.4f}, HDI68 {entry['hdi_68']}, R-hat {entry['r_hat']:.4f}, ESS "
        f"{entry['ess_bulk']:.0f}"
    )
    assert entry["median"] == pytest.approx(MARGINAL_SIN2_MEDIAN, abs=0.006)
    assert entry["hdi_68"] == pytest.approx(list(MARGINAL_SIN2_HDI68), abs=0.008)
    assert entry["r_hat"] < 1.01 and result["divergences"] == 0
    assert entry["median"] == sin2_posterior.median("sin2_theta_w")  # same seed, same draws
    assert result["settings"]["priors"] == {"sin2_theta_w": "uniform on [0, 1]"}
    assert result["settings"]["sampler"] == "NUTS (numpyro)" and result["settings"]["nuisances"] == "analytic"
    assert result["measured"] == MEASURED
    lo, hi = result["posterior_predictive"]["replicated_interval_90"]
    assert lo < MEASURED < hi
    for name in ("posterior.nc", "corner.png", "corner.pdf"):
        assert (out / name).stat().st_size > 0
    idata = bayes._arviz().from_netcdf(str(out / "posterior.nc"))
    assert np.array_equal(idata["posterior"]["sin2_theta_w"].values, sin2_posterior.samples["sin2_theta_w"])
    assert np.array_equal(idata["sample_stats"]["chi2"].values, sin2_posterior.chi2)
    assert int(idata["sample_stats"]["diverging"].sum()) == 0
    assert idata["posterior_predictive"]["replicated"].shape == (2, 1000)


def test_posterior_predictive_covers_the_measured_count(sin2_posterior, analysis, nominal):
    pp = bayes.posterior_predictive(sin2_posterior, analysis, nominal, seed=1)
    assert pp["replicated"].shape == pp["predicted"].shape == (2, 1000)
    lo, hi = np.quantile(pp["replicated"], [0.05, 0.95])
    p_value = float(np.mean(pp["replicated"] >= MEASURED))
    print(f"\nposterior predictive: 90 % [{lo:.0f}, {hi:.0f}], P(N_rep ≥ 395) = {p_value:.2f}")
    assert lo < MEASURED < hi and 0.1 < p_value < 0.9
    draw = float(sin2_posterior.samples["sin2_theta_w"][1, 17])
    assert pp["predicted"][1, 17] == pytest.approx(
        float(analysis.predicted(nominal.replace(sin2_theta_w=draw))), rel=1e-10
    )
    idata = sin2_posterior.to_inference_data(pp)
    assert {"posterior", "sample_stats", "posterior_predictive", "observed_data"} <= set(idata.groups())


def test_sampling_alpha_explicitly_gives_the_analytic_marginal(analysis, nominal, sin2_exact):
    """α as a latent NumPyro site with prior N(0, σ_α): the sin²θW marginal
    equals the analytic one (quadrature) within Monte Carlo error."""
    post = bayes.sample_posterior(
        analysis, nominal, ["sin2_theta_w"], analytic=False, dense_mass=True, target_accept=0.95, **RUN
    )
    assert post.nuisances == ("alpha",) and post.samples["alpha"].shape == (2, 1000)
    # the (sin²θW, α) ridge N_th (1 + α) ≈ N_meas is harder for NUTS than the 1D marginal: a looser R̂,
    # with the comparison below scaled by the effective sample size
    assert post.divergences == 0 and max(post.r_hat("sin2_theta_w"), post.r_hat("alpha")) < 1.05
    ex = sin2_exact["marginal"]
    ess = min(post.ess_bulk("sin2_theta_w"), post.ess_tail("sin2_theta_w"))
    for q in (0.16, 0.5, 0.84):
        x = float(np.interp(q, ex["cdf"], sin2_exact["xs"]))
        se = quantile_se(q, x, sin2_exact["xs"], ex["density"], ess)
        assert float(post.quantile("sin2_theta_w", q)) == pytest.approx(x, abs=4 * se)
    # the α posterior: its mean follows the data (N_meas/N_th − 1 shrunk by the prior), not 0 exactly
    summary = post.summary()
    assert summary["alpha"]["nuisance"] and "constraint N(0" in summary["alpha"]["prior"]
    assert abs(summary["alpha"]["mean"]) < float(analysis.sigma_alpha)


# --------------------------------------------------------------------------- NSI plane


def test_diagnostics_catch_chains_in_separated_nsi_bands(analysis, nominal):
    """One chain starts in the Standard-Model band, one in the flipped-sign band:
    NUTS cannot cross the Q_W ≈ 0 gap (χ² ≈ 395), and R̂ says so (nested
    sampling, the default for this plane, weighs both: test_nested.py)."""
    sm, flipped = 0.0, 0.186
    for v in (sm, flipped):
        assert float(analysis(nominal.replace(eps_ee_uV=v, eps_ee_dV=v))) < 1.0  # both are in a band
    priors = {n: bayes.uniform_prior(-1.0, 1.0) for n in ("eps_ee_uV", "eps_ee_dV")}
    start = [sm, flipped]
    post = bayes.sample_posterior(
        analysis,
        nominal,
        priors,
        chains=2,
        samples=100,
        warmup=100,
        seed=0,
        dense_mass=True,
        init_values={"eps_ee_uV": start, "eps_ee_dV": start},
    )
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
    post = bayes.sample_posterior(objective, nominal, ["sin2_theta_w"], chains=2, samples=1000, warmup=300, seed=2)
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
    """A constrained parameter is sampled: the pull term leaves χ² and becomes
    the (truncated) Gaussian prior, whether it is listed or not. The counting
    α is integrated out analytically: ln L = −½ χ² − ½ ln(2π V)."""
    from jax.scipy.stats import norm

    constrained = infer.counting_analysis(conus_plus, constraints={"quench_k": (0.162, 0.004)})
    plain = infer.counting_analysis(conus_plus)
    point = nominal.replace(sin2_theta_w=0.25, quench_k=0.17)
    chi2 = float(plain(point)) + math.log(2 * math.pi * float(plain.variance(point)))
    truncation = float(norm.cdf(0.4, 0.162, 0.004) - norm.cdf(0.0, 0.162, 0.004))
    log_prior_k = float(norm.logpdf(0.17, 0.162, 0.004)) - math.log(truncation)
    sampled = bayes.log_posterior(
        constrained, point, ["sin2_theta_w", "quench_k"], {"sin2_theta_w": 0.25, "quench_k": 0.17}
    )
    assert sampled == pytest.approx(log_prior_k - 0.5 * chi2, rel=1e-10)
    # not listed: still sampled, as a nuisance with its pull as prior (never fixed, never profiled)
    nuisance = bayes.log_posterior(constrained, point, ["sin2_theta_w"], {"sin2_theta_w": 0.25, "quench_k": 0.17})
    assert nuisance == pytest.approx(sampled, rel=1e-12)
    assert bayes.nuisance_names(constrained, ["sin2_theta_w"]) == ("quench_k",)
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


@pytest.mark.parametrize(
    "name, text, fragments",
    [
        ("sin2_theta_w", "uniform:0.5,1.5", ["'sin2_theta_w'", "leaves the physical range", "[0, 1]"]),
        ("sin2_theta_w", "uniform:0.3,0.2", ["'sin2_theta_w'", "must be below", "[0, 1]"]),
        ("mu_nu", "loguniform:0", ["'mu_nu'", "positive lower end", "[0, 1e-08]"]),
        ("mu_nu", "loguniform:-1e-10", ["'mu_nu'", "positive lower end"]),
        ("quench_k", "gauss:0.162,0", ["'quench_k'", "width must be positive"]),
        ("quench_k", "gauss:0.5,0.01", ["'quench_k'", "outside the prior range", "(0, 0.4]"]),
        ("mu_nu", "cauchy:0,1", ["'mu_nu'", "unknown prior"]),
        ("mu_nu", "gauss:1e-10", ["'mu_nu'", "expected gauss:MU,SIGMA"]),
    ],
)
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


@pytest.mark.parametrize(
    "argv, fragments",
    [
        (["sample", "sin2"], ["unknown parameter 'sin2'"]),
        (["sample", "mu_nu", "--prior", "mu_nu=loguniform:0"], ["'mu_nu'", "positive lower end", "[0, 1e-08]"]),
        (
            ["sample", "sin2_theta_w", "--prior", "sin2_theta_w=uniform:0.4,0.2"],
            ["'sin2_theta_w'", "must be below", "[0, 1]"],
        ),
        (
            ["sample", "sin2_theta_w", "--prior", "sin2_theta_w=uniform:-1,0.5"],
            ["'sin2_theta_w'", "physical range", "[0, 1]"],
        ),
        (["sample", "sin2_theta_w", "--prior", "mu_nu=uniform"], ["'mu_nu' is not sampled"]),
        (["sample", "sin2_theta_w", "--chains", "0"], ["--chains", "got 0"]),
        (["sample", "sin2_theta_w", "--samples", "0"], ["--samples", "got 0"]),
    ],
)
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
    printed = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"
    )
    assert "profile:          best fit 0.2540, 68 % interval [0.2151, 0.3138]" in printed
    assert "profile 90 % CL (Δχ² = 2.71):       5.61e-10" in printed
    assert "whole box, random starts" in printed and "window |eps| <= 0.15" in printed


def test_spectral_onoff_posterior_recovers_asimov_truth():
    """The ON/OFF spectral model is sampled through the same NumPyro model: on
    Asimov spectra generated at flux_norm = 1.3 the posterior median is at the
    truth within its Monte Carlo error; its pull term (bkg_noise_scale ± 0.1)
    is sampled as a nuisance with the pull as prior, not profiled."""
    import cevnsjax as cj
    from cevnsjax.infer import spectral
    from cevnsjax.infer.bayes import sample_posterior

    analysis = spectral.onoff_analysis("conus-run5", constraints={"bkg_noise_scale": (1.0, 0.1)})
    params = cj.nominal_params(analysis.experiment)
    asimov = spectral.asimov_spectra(analysis, params.replace(flux_norm=1.3))
    post = sample_posterior(
        asimov,
        params,
        {"flux_norm": None, "bkg_scale": None},
        chains=2,
        samples=400,
        warmup=300,
        seed=3,
        progress_bar=False,
    )
    width = post.hdi("flux_norm", 0.68)
    sigma = 0.5 * (width[1] - width[0])
    assert 0.1 < sigma < 0.4  # the Asimov Hessian error is 0.22
    assert abs(post.median("flux_norm") - 1.3) < 0.25 * sigma + 3 * sigma / (post.ess_bulk("flux_norm") ** 0.5)
    assert post.r_hat("flux_norm") < 1.05 and post.divergences == 0
    assert post.nuisances == ("bkg_noise_scale",)
    assert post.median("bkg_noise_scale") == pytest.approx(1.0, abs=0.1)  # the prior; the OFF data agree with it
