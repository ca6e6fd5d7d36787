"""NUTS sampling of the model of :mod:`.model` (NumPyro), and the posterior
predictive from the same analysis.

Chains: ``chain_method`` ``"parallel"`` when JAX sees at least as many devices
as chains, else ``"vectorized"`` (one vmapped program on CPU); reproducible:
the same seed and settings give identical samples. NUTS cannot cross between
separated modes (e.g. the two NSI bands); R̂ catches chains in different modes
but not chains that all sit in one: use :func:`~.nested.sample_nested` there.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ...analyses.model import Analysis
from ...parameters import ParameterError, Params
from ..fit import check_names
from .io import Posterior
from .model import posterior_model, prepare_posterior


def default_chain_method(chains: int) -> str:
    """``"parallel"`` when JAX has a device per chain (e.g. several GPUs), else ``"vectorized"``."""
    return "parallel" if chains > 1 and jax.local_device_count() >= chains else "vectorized"


def _positive_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


def nuisance_priors(objective, resolved: dict, analytic: bool) -> tuple[dict, tuple[str, ...]]:
    """Priors of every sampled site (physics priors and latent nuisance
    constraints as text) and the names of the nuisance sites."""
    priors = dict(resolved)
    names = [n for n in resolved if n in {c[0] for c in getattr(objective, "constraints", ())}]
    if isinstance(objective, Analysis) and objective.nuisances and not (analytic and objective.analytic_marginal):
        for nu in objective.nuisances:
            priors[nu.name] = f"constraint N({float(nu.centre):g}, {float(nu.width):.4g})"
            names.append(nu.name)
    return priors, tuple(names)


def sample_posterior(
    objective,
    params: Params,
    priors,
    *,
    chains: int = 4,
    samples: int = 2000,
    warmup: int = 500,
    seed: int = 0,
    chain_method: str | None = None,
    progress_bar: bool = False,
    init_values: dict | None = None,
    target_accept: float = 0.8,
    dense_mass: bool = False,
    step_size: float = 1.0,
    adapt_step_size: bool = True,
    max_tree_depth: int = 10,
    analytic: bool = True,
) -> Posterior:
    """Sample the posterior of :func:`~.model.posterior_model` with NUTS.

    ``chains`` × ``samples`` draws after ``warmup`` adaptation steps per chain,
    from ``jax.random.PRNGKey(seed)`` (same seed and settings → identical
    samples). ``analytic``: integrate the analysis' latent nuisances out
    analytically where it can (the counting α), else sample them.
    ``init_values``: name → value or per-chain values (physical units) of the
    parameters of interest (default: NumPyro's ``init_to_uniform``).
    ``dense_mass`` adapts a full mass matrix (correlated posteriors such as the
    NSI bands). The remaining options pass to ``numpyro.infer.NUTS``.
    """
    from numpyro.distributions.transforms import biject_to
    from numpyro.infer import MCMC, NUTS

    chains = _positive_int(chains, "chains")
    samples = _positive_int(samples, "samples")
    if isinstance(warmup, bool) or not isinstance(warmup, (int, np.integer)) or warmup < 0:
        raise ValueError(f"warmup must be a non-negative integer, got {warmup!r}")
    if not 0 < target_accept < 1:
        raise ValueError(f"target_accept must be in (0, 1), got {target_accept:g}")
    method = chain_method or default_chain_method(chains)
    if method not in ("vectorized", "parallel", "sequential"):
        raise ValueError(f"chain_method must be vectorized, parallel or sequential, got {method!r}")
    resolved, _ = prepare_posterior(objective, priors)
    model = posterior_model(objective, params, priors, analytic=analytic)
    all_priors, nuisances = nuisance_priors(objective, resolved, analytic)

    init_params = None
    if init_values:
        check_names(init_values)
        if set(init_values) != set(all_priors):
            raise ParameterError(
                f"init_values must give every sampled site ({', '.join(all_priors)}), got {', '.join(init_values)}"
            )
        init_params = {}
        for name, prior in resolved.items():
            x = np.broadcast_to(np.asarray(init_values[name], dtype=float), (chains,))
            if not np.all((x > prior.low) & (x < prior.high)):
                raise ParameterError(
                    f"init_values[{name!r}] = {x} must lie inside the prior range ({prior.low:g}, {prior.high:g})"
                )
            u = biject_to(prior.distribution().support).inv(jnp.asarray(x))
            init_params[name] = u if chains > 1 else u[0]

    kernel = NUTS(
        model,
        target_accept_prob=float(target_accept),
        dense_mass=bool(dense_mass),
        step_size=float(step_size),
        adapt_step_size=bool(adapt_step_size),
        max_tree_depth=int(max_tree_depth),
    )
    mcmc = MCMC(
        kernel,
        num_warmup=int(warmup),
        num_samples=samples,
        num_chains=chains,
        chain_method=method,
        progress_bar=bool(progress_bar),
    )
    fields = ("diverging", "num_steps", "accept_prob", "energy", "potential_energy")
    mcmc.run(jax.random.PRNGKey(int(seed)), init_params=init_params, extra_fields=fields)
    draws = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
    stats = {k: np.asarray(v) for k, v in mcmc.get_extra_fields(group_by_chain=True).items()}
    settings = {
        "chains": chains,
        "samples": samples,
        "warmup": int(warmup),
        "seed": int(seed),
        "chain_method": method,
        "target_accept": float(target_accept),
        "dense_mass": bool(dense_mass),
        "max_tree_depth": int(max_tree_depth),
        "sampler": "NUTS (numpyro)",
        "nuisances": "analytic" if analytic else "sampled",
    }
    if not adapt_step_size:
        settings["fixed_step_size"] = float(step_size)
    return Posterior(
        samples={n: draws[n] for n in all_priors},
        chi2=draws["chi2"],
        sample_stats=stats,
        priors=all_priors,
        settings=settings,
        nuisances=nuisances,
    )


def posterior_predictive(posterior: Posterior, objective, params: Params, *, seed: int = 0) -> dict:
    """Replicated data for every posterior draw, from the analysis' own model
    (:meth:`~cevnsjax.analyses.Analysis.simulate`): the parameters of the draw,
    latent nuisances taken from the draw where they were sampled, else drawn
    from their constraints, then the data. Arrays have shape (chains, draws, ...).

    Returns ``predicted`` (the expectation at the constraint centres, e.g. N_th),
    ``replicated`` (data pytree) and ``observed`` (the analysis' data).
    """
    if not isinstance(objective, Analysis):
        raise TypeError(
            f"posterior_predictive: {type(objective).__name__} is not an analysis "
            "(cevnsjax.analyses.Analysis): it has no model of its data to simulate"
        )
    shape = posterior.chi2.shape
    latent = set(objective.nuisance_names)
    flat = {n: jnp.asarray(posterior.flat(n)) for n in posterior.names if n not in latent}
    nu_draws = {n: jnp.asarray(posterior.flat(n)) for n in posterior.names if n in latent}
    keys = jax.random.split(jax.random.PRNGKey(int(seed)), flat[next(iter(flat))].shape[0])
    predicted, replicated = _replicate(objective, params, flat, nu_draws, keys)

    def reshape(x):
        return np.asarray(x).reshape(shape + np.shape(x)[1:])

    return {
        "predicted": jax.tree.map(reshape, predicted),
        "replicated": jax.tree.map(reshape, replicated),
        "observed": jax.tree.map(np.asarray, objective.data),
    }


@eqx.filter_jit
def _replicate(analysis, params, flat, nu_draws, keys):
    def one(point, nu, key):
        p = params.replace(**point)
        k_nu, k_data = jax.random.split(key)
        nu = {**analysis.draw_nuisances(k_nu), **nu}
        return analysis.expected(p, analysis.nominal_nuisances()), analysis.draw(k_data, analysis.expected(p, nu))

    return jax.lax.map(lambda args: one(*args), (flat, nu_draws, keys), batch_size=1024)
