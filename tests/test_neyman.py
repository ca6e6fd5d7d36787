"""Feldman–Cousins (Neyman construction, likelihood-ratio ordering) on the
CONUS+ counting analysis: the closed-form statistic against a brute-force
minimum and the optimiser fit, the toy model, the belts for μν and sin²θW,
and the coverage of FC and Wilks intervals with ≥ 10⁴ toys at two true
values of each parameter.

Choices (see ``cevnsjax/infer/neyman.py``): toys draw α ~ N(0, σ_α) and
N ~ Poisson(N_th(θ)(1+α)); σ_stat² = N is the toy's own count, as in the seed
χ²; t(θ) = χ²(θ) − min over the physical range.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import cevnsjax as cj
from cevnsjax import infer
from cevnsjax.infer.neyman import DEFAULT_CLS

CL68, CL90 = DEFAULT_CLS
TOYS_PER_POINT = 10_000
COVERAGE_TOYS = 100_000


@pytest.fixture(scope="module")
def analysis(conus_plus):
    return infer.counting_analysis(conus_plus)


@pytest.fixture(scope="module")
def mu_belt(analysis, nominal):
    return infer.feldman_cousins(analysis, nominal, "mu_nu", np.linspace(0.0, 1.2e-9, 49), n_toys=TOYS_PER_POINT)


@pytest.fixture(scope="module")
def sin2_belt(analysis, nominal):
    return infer.feldman_cousins(analysis, nominal, "sin2_theta_w", np.linspace(0.15, 0.40, 51), n_toys=TOYS_PER_POINT)


def _predicted(analysis, nominal, poi, values):
    return np.asarray(jax.vmap(lambda x: analysis.predicted(nominal.replace(**{poi: x})))(jnp.asarray(values)))


@pytest.mark.parametrize("poi,lo,hi", [("mu_nu", 0.0, 1e-8), ("sin2_theta_w", 0.0, 1.0)])
def test_closed_form_minimum_matches_brute_force(analysis, nominal, poi, lo, hi):
    """min over the physical range of χ²(θ; N), closed form vs a dense grid of θ:
    the exact minimum lies at most a grid step's worth below the grid's."""
    dense = np.concatenate([np.linspace(lo, lo + 0.2 * (hi - lo), 20001), np.linspace(lo + 0.2 * (hi - lo), hi, 2001)])
    pred = _predicted(analysis, nominal, poi, dense)
    n_min, n_max = pred.min(), pred.max()
    sigma = float(analysis.sigma_alpha)
    for measured in (5.0, 250.0, 357.0, 395.0, 900.0, 5000.0):
        chi2 = np.asarray(infer.counting_chi2(pred, measured, sigma))
        t = np.asarray(infer.likelihood_ratio_statistic(pred, measured, sigma, n_min, n_max))
        assert np.all(t >= 0.0)
        gap = t - (chi2 - chi2.min())  # = grid minimum − exact minimum, the same at every θ
        assert np.ptp(gap) < 1e-9 and -1e-9 <= gap[0] < 1e-4


def test_statistic_agrees_with_the_optimiser_fit(analysis, nominal, conus_plus):
    """The closed-form minimum equals infer.fit inside the allowed range (μν ≥ 0:
    a deficit N < N_th(0) puts the minimum on the boundary)."""
    pred0 = float(_predicted(analysis, nominal, "mu_nu", [0.0])[0])
    sigma = float(analysis.sigma_alpha)
    fitted = {}
    for measured in (300.0, 450.0):
        an = infer.counting_analysis(conus_plus, measured=measured)
        lim = infer.upper_limit(an, nominal, "mu_nu", cl=0.9)  # fits inside [0, 1e-8], boundary included
        closed = float(infer.counting_chi2(np.clip(measured, pred0, np.inf), measured, sigma))
        assert closed == pytest.approx(lim["chi2_min"], abs=1e-7)
        fitted[measured] = lim["best_fit"]
    assert fitted[300.0] < 1e-15 and fitted[450.0] > 1e-10


def test_toys_follow_the_stated_model():
    n, sigma = 400.0, 0.29
    key = jax.random.PRNGKey(1)
    pois = np.asarray(infer.counting_toys(key, n, sigma, 200_000))
    assert np.all(pois == np.round(pois)) and pois.min() >= 0
    assert pois.mean() == pytest.approx(n, rel=0.005)
    assert pois.var() == pytest.approx(n + (n * sigma) ** 2, rel=0.02)  # Poisson ⊕ normalisation
    gauss = np.asarray(infer.counting_toys(key, n, sigma, 200_000, model="gaussian"))
    assert np.any(gauss != np.round(gauss)) and gauss.var() == pytest.approx(n + (n * sigma) ** 2, rel=0.02)
    batched = jax.vmap(lambda k, m: infer.counting_toys(k, m, sigma, 1000))(
        jax.random.split(key, 3), jnp.asarray([10.0, 100.0, 1000.0])
    )
    assert batched.shape == (3, 1000)


def test_mu_nu_belt_gives_an_upper_limit_near_wilks(mu_belt, analysis, nominal):
    """Data 395 vs N_th(0) = 358: FC gives [0, x]; at 90 % it lands close to the
    Wilks limit (5.61e-10), at 68 % below it."""
    assert mu_belt.n_toys >= 10_000 and mu_belt.toys_per_second > 0
    for cl in (CL68, CL90):
        low, _high = mu_belt.intervals[cl]
        assert low == 0.0 and "low" in mu_belt.open_ends[cl] and mu_belt.connected[cl]
    wilks_limit = infer.upper_limit(analysis, nominal, "mu_nu", cl=0.9)["upper_limit"]
    step = mu_belt.values[1] - mu_belt.values[0]
    assert mu_belt.wilks_intervals[CL90][1] == pytest.approx(wilks_limit, abs=0.1 * step)
    assert mu_belt.intervals[CL90][1] == pytest.approx(wilks_limit, rel=0.05)
    assert mu_belt.intervals[CL68][1] < mu_belt.intervals[CL90][1]


def test_sin2_belt_is_two_sided_and_close_to_the_profile_interval(sin2_belt, analysis, nominal):
    best = infer.fit(analysis, nominal, ("sin2_theta_w",))
    prof = infer.profile_interval(analysis, best, "sin2_theta_w")
    low, high = sin2_belt.intervals[CL68]
    assert sin2_belt.connected[CL68] and not sin2_belt.open_ends[CL68]
    assert low == pytest.approx(prof.low, abs=0.004) and high == pytest.approx(prof.high, abs=0.004)
    assert sin2_belt.wilks_intervals[CL68][0] == pytest.approx(prof.low, abs=1e-3)
    assert sin2_belt.wilks_intervals[CL68][1] == pytest.approx(prof.high, abs=1e-3)
    assert sin2_belt.intervals[CL90][0] < low and sin2_belt.intervals[CL90][1] > high


def test_interval_contains_a_grid_value_exactly_when_accepted(sin2_belt):
    """Neyman's definition: θ_j is in the interval of N iff t(θ_j; N) ≤ c_j."""
    j = 20
    theta, n_true = sin2_belt.values[j], sin2_belt.predicted[j]
    toys = np.asarray(infer.counting_toys(jax.random.PRNGKey(7), n_true, sin2_belt.sigma_alpha, 300))
    t = np.asarray(infer.likelihood_ratio_statistic(n_true, toys, sin2_belt.sigma_alpha, *sin2_belt.predicted_range))
    for n, tj in zip(toys, t, strict=False):
        low, high = sin2_belt.interval_for(n, CL68)
        inside = low is not None and low <= theta <= high
        assert inside == (tj <= sin2_belt.critical[CL68][j])


@pytest.mark.parametrize(
    "poi,true", [("mu_nu", 0.0), ("mu_nu", 4e-10), ("sin2_theta_w", 0.23857), ("sin2_theta_w", 0.30)]
)
def test_feldman_cousins_coverage_within_one_percent(analysis, nominal, poi, true):
    cov = infer.coverage(analysis, nominal, poi, true, n_toys=COVERAGE_TOYS, n_construction_toys=COVERAGE_TOYS, seed=5)
    for cl in (CL68, CL90):
        assert abs(cov.feldman_cousins[cl] - cl) < 0.01, (cl, cov.as_dict())
        assert cov.mc_error[cl] < 0.0025
    if (poi, true) == ("mu_nu", 0.0):
        # at the boundary half of the toys fit μν = 0 (t = 0): Wilks covers 1/2 + CL/2
        for cl in (CL68, CL90):
            assert cov.wilks[cl] == pytest.approx(0.5 + 0.5 * cl, abs=0.01)
    elif poi == "sin2_theta_w":
        for cl in (CL68, CL90):
            assert abs(cov.wilks[cl] - cl) < 0.01  # far from any boundary Wilks holds
    else:  # μν = 4e-10: 1.2σ from the boundary; the 90 % Wilks region reaches μν = 0 and over-covers
        assert abs(cov.wilks[CL68] - CL68) < 0.01 and cov.wilks[CL90] > 0.93


def test_bad_input(analysis, nominal, conus_plus):
    with pytest.raises(cj.ParameterError, match="constraint"):
        infer.feldman_cousins(
            infer.counting_analysis(conus_plus, constraints={"sin2_theta_w": (0.24, 0.01)}),
            nominal,
            "sin2_theta_w",
            np.linspace(0.2, 0.3, 5),
            n_toys=100,
        )
    with pytest.raises(ValueError, match="toy model"):
        infer.coverage(analysis, nominal, "mu_nu", 0.0, model="binomial")
    with pytest.raises(ValueError, match="increasing"):
        infer.feldman_cousins(analysis, nominal, "mu_nu", [2e-10, 1e-10], n_toys=100)
    with pytest.raises(cj.ParameterError, match="allowed range"):
        infer.feldman_cousins(analysis, nominal, "mu_nu", [-1e-10, 1e-10], n_toys=100)
    with pytest.raises(cj.ParameterError, match="unknown parameter"):
        infer.coverage(analysis, nominal, "mu", 0.0)
