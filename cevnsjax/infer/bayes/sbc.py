"""Simulation-based calibration (SBC; Talts et al. 2018, arXiv:1804.06788):
draw θ from the prior, simulate a data set from the analysis' own model,
sample the posterior of that data set, and rank θ among the posterior draws.
If the sampler and the model agree, the ranks are uniform on {0, …, L}.

All data sets run as one vmapped program: NumPyro's functional NUTS kernel
(``numpyro.infer.hmc.hmc``) with the data as a dynamic model argument, so one
compilation serves every data set; warm-up adapts the step size and mass
matrix per data set (each lane has its own adaptation state). Draws are
thinned to reduce autocorrelation before ranking.

Uniformity is tested with Pearson's χ² on ``bins`` equal groups of ranks
(p-value from the regularised incomplete gamma function) and reported with
the Kolmogorov–Smirnov distance of the normalised ranks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaincc

from ...parameters import Params
from .model import posterior_model, prepare_posterior


@dataclass(frozen=True)
class SBCResult:
    """Ranks (n_datasets, per parameter) of the true values among ``draws``
    posterior draws, their χ² uniformity test and KS distance."""

    names: tuple[str, ...]
    ranks: dict
    truths: dict
    draws: int
    chi2: dict
    p_value: dict
    ks_distance: dict
    divergences: int
    seconds: float

    def as_dict(self) -> dict:
        return {
            "parameters": list(self.names),
            "n_datasets": len(next(iter(self.ranks.values()))),
            "draws_per_dataset": self.draws,
            "chi2": self.chi2,
            "p_value": self.p_value,
            "ks_distance": self.ks_distance,
            "divergences": self.divergences,
            "seconds": self.seconds,
        }


def rank_uniformity(ranks, draws: int, bins: int = 10) -> tuple[float, float, float]:
    """Pearson χ², its p-value (bins − 1 dof) and the KS distance of ranks in
    {0, …, draws} against the discrete uniform distribution."""
    ranks = np.asarray(ranks)
    if (draws + 1) % bins:
        raise ValueError(f"draws + 1 = {draws + 1} must be a multiple of bins = {bins}")
    counts = np.bincount(ranks * bins // (draws + 1), minlength=bins)
    expected = ranks.size / bins
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    p = float(gammaincc(0.5 * (bins - 1), 0.5 * chi2))
    sorted_r = np.sort(ranks)
    cdf_emp = np.arange(1, ranks.size + 1) / ranks.size
    cdf_uni = (sorted_r + 1) / (draws + 1)
    return chi2, p, float(np.max(np.abs(cdf_emp - cdf_uni)))


def simulation_based_calibration(
    analysis,
    params: Params,
    priors,
    *,
    n_datasets: int = 200,
    draws: int = 99,
    warmup: int = 150,
    thin: int = 2,
    seed: int = 0,
    bins: int = 10,
    target_accept: float = 0.8,
    analytic: bool = True,
) -> SBCResult:
    """SBC of the analysis' posterior for ``priors`` (see the module docstring).

    ``n_datasets`` data sets, ``draws`` thinned NUTS draws each (every
    ``thin``-th after ``warmup`` adaptation steps), ranks tested in ``bins``.
    """
    from numpyro.distributions.transforms import biject_to
    from numpyro.infer.hmc import hmc
    from numpyro.infer.util import initialize_model

    if n_datasets < bins * 5:
        raise ValueError(f"n_datasets must be at least {bins * 5} (5 per rank bin), got {n_datasets}")
    resolved, likelihood = prepare_posterior(analysis, priors)
    model = posterior_model(analysis, params, priors, analytic=analytic)
    key = jax.random.PRNGKey(int(seed))
    k_truth, k_data, k_init, k_run = jax.random.split(key, 4)

    # truths from the prior (every sampled physics parameter), then data from the model
    tkeys = jax.random.split(k_truth, len(resolved))
    truths = {n: p.distribution().sample(k, (n_datasets,)) for (n, p), k in zip(resolved.items(), tkeys, strict=False)}
    data = _simulate(likelihood, params, truths, jax.random.split(k_data, n_datasets))

    info = initialize_model(k_init, model, model_args=(jax.tree.map(lambda d: d[0], data),), dynamic_args=True)
    init_kernel, sample_kernel = hmc(potential_fn_gen=info.potential_fn, algo="NUTS")
    ikeys = jax.random.split(k_init, len(resolved) + 1)
    z0 = {n: jnp.zeros((n_datasets, *jnp.shape(v))) for n, v in info.param_info.z.items()}
    for (n, p), k in zip(resolved.items(), ikeys[1:], strict=False):  # start each lane at an independent prior draw
        z0[n] = biject_to(p.distribution().support).inv(p.distribution().sample(k, (n_datasets,)))
    keys = jax.random.split(k_run, n_datasets)
    t0 = time.perf_counter()
    z, diverging = _run(
        init_kernel, sample_kernel, z0, data, keys, int(warmup), int(draws), int(thin), float(target_accept)
    )
    post = _constrain(info.postprocess_fn, z, data)  # (datasets, draws) per site
    post = jax.block_until_ready(post)
    seconds = time.perf_counter() - t0
    ranks, chi2, pval, ks = {}, {}, {}, {}
    for n in resolved:
        r = np.sum(np.asarray(post[n]) < np.asarray(truths[n])[:, None], axis=1)
        ranks[n] = r
        chi2[n], pval[n], ks[n] = rank_uniformity(r, draws, bins)
    return SBCResult(
        tuple(resolved),
        ranks,
        {n: np.asarray(v) for n, v in truths.items()},
        int(draws),
        chi2,
        pval,
        ks,
        int(np.sum(np.asarray(diverging))),
        seconds,
    )


@eqx.filter_jit
def _simulate(likelihood, params, truths, keys):
    return jax.vmap(lambda t, k: likelihood.simulate(k, params.replace(**t)))(truths, keys)


@partial(jax.jit, static_argnums=0)
def _constrain(postprocess_fn, z, data):
    def one(zz, d):
        return jax.vmap(lambda point: postprocess_fn(d)(point))(zz)

    return jax.vmap(one)(z, data)


@partial(jax.jit, static_argnums=(0, 1, 5, 6, 7, 8))
def _run(init_kernel, sample_kernel, z0, data, keys, warmup, draws, thin, target_accept):
    def init(z, d, k):
        return init_kernel(z, num_warmup=warmup, model_args=(d,), rng_key=k, target_accept_prob=target_accept)

    state = jax.vmap(init)(z0, data, keys)
    step = jax.vmap(lambda s, d: sample_kernel(s, model_args=(d,)))

    def adapt(s, _):
        return step(s, data), None

    state, _ = jax.lax.scan(adapt, state, None, length=warmup)

    def sample(s, _):
        s, _ = jax.lax.scan(adapt, s, None, length=thin)
        return s, (s.z, s.diverging)

    _, (z, div) = jax.lax.scan(sample, state, None, length=draws)
    return jax.tree.map(lambda x: jnp.swapaxes(x, 0, 1), z), div
