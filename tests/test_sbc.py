"""Simulation-based calibration of the counting analysis' posteriors: θ from
the prior, a data set from the model (α from its constraint, then the count),
NUTS on that data set, rank of θ among the draws. 200 data sets per parameter
in one vmapped program; ranks uniform by
Pearson's χ² over 10 bins (≥ 10 expected per bin, p > 0.01) and by the
Kolmogorov–Smirnov distance at its 1 % critical value 1.63/√n."""

import numpy as np
import pytest

from cevnsjax import infer
from cevnsjax.infer import bayes


@pytest.fixture(scope="module")
def analysis(conus_plus):
    return infer.counting_analysis(conus_plus)


N_DATASETS = 200


@pytest.mark.parametrize("name, prior", [("sin2_theta_w", None), ("mu_nu", bayes.uniform_prior(0.0, 2e-9))])
def test_sbc_ranks_are_uniform(analysis, nominal, name, prior):
    result = bayes.simulation_based_calibration(
        analysis, nominal, {name: prior}, n_datasets=N_DATASETS, draws=99, warmup=100, thin=2, seed=1, target_accept=0.9
    )
    ranks = result.ranks[name]
    print(
        f"\nSBC {name}: chi2 {result.chi2[name]:.1f} (9 dof), p {result.p_value[name]:.3f}, "
        f"KS {result.ks_distance[name]:.3f}, divergences {result.divergences}, {result.seconds:.1f} s"
    )
    assert ranks.shape == (N_DATASETS,) and ranks.min() >= 0 and ranks.max() <= 99
    assert result.p_value[name] > 0.01
    assert result.ks_distance[name] < 1.63 / np.sqrt(N_DATASETS)  # KS critical value at 1 %


def test_rank_uniformity_detects_a_biased_sampler():
    """A posterior shifted by half its width gives ranks piled at one end: the χ² test rejects it."""
    rng = np.random.default_rng(0)
    truth = rng.normal(size=200)
    mu_post = truth + rng.normal(size=200)  # a calibrated posterior N(x, 1/2) would centre at x/2 …
    draws = mu_post[:, None] + rng.normal(size=(200, 99)) + 0.8  # … this one is shifted and too narrow
    ranks = np.sum(draws < truth[:, None], axis=1)
    _, p, _ = bayes.rank_uniformity(ranks, 99)
    assert p < 1e-6
    with pytest.raises(ValueError, match="draws \\+ 1 = 100 must be a multiple of bins = 7"):
        bayes.rank_uniformity(ranks, 99, bins=7)
