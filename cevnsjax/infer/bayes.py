"""Bayesian posteriors with NumPyro on the same χ² objectives as the fits.

The bridge: an *objective* is any callable ``objective(params) -> χ²`` with
χ² = −2 ln L + const (:class:`~cevnsjax.infer.CountingAnalysis`, a spectral
ON/OFF analysis, or your own equinox Module). Its log-likelihood is ``−½ χ²``; the NumPyro
model built by :func:`posterior_model` samples the chosen parameters from their
priors, writes them into :class:`~cevnsjax.Params` with ``Params.replace``
(every other field stays at the ``params`` given) and adds ``−½ χ²`` with
``numpyro.factor``. No second likelihood is written here: fits, scans and
posteriors evaluate the same objective.

Priors (:class:`Prior`), each confined to the parameter's allowed range from
:data:`cevnsjax.PARAMETERS` (the one place ranges are defined):

* ``uniform`` over the allowed range (the default) or a sub-range of it;
* ``loguniform`` on [LO, HI], LO > 0 given by the user (for μν and couplings,
  whose allowed ranges start at 0);
* ``gauss`` N(μ, σ) truncated to the allowed range (or a sub-range).

A prior range outside the allowed range, or with LO ≥ HI, is a
:class:`~cevnsjax.ParameterError` naming the parameter and the allowed range.

Nuisances: an objective with Gaussian pull terms (``CountingAnalysis.constraints``
= ((name, centre, width), ...)) adds Σ((θ − θ₀)/σ)² to χ². When such a
parameter is *sampled*, its pull term is removed from the likelihood and
becomes its prior, N(θ₀, σ) truncated to the allowed range, so it is counted
once (``exp(−½ pull²)`` and the Gaussian prior are the same factor). Pull terms
of parameters that are not sampled stay in χ² as a constant. An explicit prior
for a constrained parameter is an error (drop the constraint instead).
Note that the counting analysis' normalisation nuisance α (seed Eq. 2) is
profiled in closed form inside the objective, not sampled.

Sampling (:func:`sample_posterior`): NUTS with several chains, ``chain_method``
``"parallel"`` when JAX sees at least as many devices as chains, else
``"vectorized"`` (one vmapped program on CPU); reproducible: the same seed and
settings give identical samples. Diagnostics and summaries use ArviZ:
rank-normalised split R̂, bulk/tail ESS, divergences, highest-density intervals
(68 % and 90 %) and one-sided credible upper limits (quantiles).

Exact reference: :func:`posterior_on_grid` evaluates prior × exp(−½ χ²) of the
same objective on a 1D or 2D grid (normalised by the trapezoid rule), against
which the sampler is checked where the dimension is low enough.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..parameters import PARAMETERS, ParameterError, Params
from .fit import check_names

PRIOR_KINDS = ("uniform", "loguniform", "gauss")

#: Credible levels reported by :meth:`Posterior.summary`.
SUMMARY_HDI = (0.68, 0.90)


def _arviz():
    """ArviZ, imported on first use (slow import; 0.x warns about its 1.x API)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
    return az


# --------------------------------------------------------------------------- priors


@dataclass(frozen=True)
class Prior:
    """A prior on one parameter: ``kind`` in ``PRIOR_KINDS``, range ``[low, high]``
    (``None``: the parameter's allowed range), and ``mu``, ``sigma`` for ``gauss``.

    Build with :func:`uniform_prior`, :func:`log_uniform_prior`,
    :func:`gaussian_prior` or :func:`parse_prior`; :func:`resolve_prior` fills
    in and checks the range for a given parameter.
    """

    kind: str
    low: float | None = None
    high: float | None = None
    mu: float | None = None
    sigma: float | None = None

    def describe(self) -> str:
        rng = "" if self.low is None or self.high is None else f" on [{self.low:g}, {self.high:g}]"
        if self.kind == "gauss":
            return f"gauss(mu={self.mu:g}, sigma={self.sigma:g}) truncated{rng}"
        return f"{self.kind}{rng}"

    def distribution(self):
        """The NumPyro distribution (range must be resolved)."""
        import numpyro.distributions as dist

        lo, hi = jnp.asarray(self.low, dtype=float), jnp.asarray(self.high, dtype=float)
        if self.kind == "uniform":
            return dist.Uniform(lo, hi)
        if self.kind == "loguniform":
            return dist.LogUniform(lo, hi)
        return dist.TruncatedNormal(jnp.asarray(self.mu, dtype=float), jnp.asarray(self.sigma, dtype=float), low=lo, high=hi)


def uniform_prior(low: float | None = None, high: float | None = None) -> Prior:
    """Flat prior on [low, high] (default: the parameter's allowed range)."""
    return Prior("uniform", low, high)


def log_uniform_prior(low: float, high: float | None = None) -> Prior:
    """Prior flat in ln x on [low, high], low > 0 (high default: the range's upper end)."""
    return Prior("loguniform", low, high)


def gaussian_prior(mu: float, sigma: float, low: float | None = None, high: float | None = None) -> Prior:
    """N(mu, sigma) truncated to [low, high] (default: the allowed range)."""
    return Prior("gauss", low, high, mu, sigma)


def parse_prior(text: str, name: str = "") -> Prior:
    """Parse ``uniform``, ``uniform:LO,HI``, ``loguniform:LO``, ``loguniform:LO,HI``
    or ``gauss:MU,SIGMA`` (``name`` only labels the error message)."""
    where = f"prior on {name!r}" if name else "prior"
    kind, _, rest = str(text).strip().partition(":")
    kind = kind.strip().lower()
    if kind in ("gaussian", "normal"):
        kind = "gauss"
    if kind not in PRIOR_KINDS:
        raise ParameterError(f"{where}: unknown prior {text!r}; use uniform, uniform:LO,HI, loguniform:LO[,HI] or gauss:MU,SIGMA")
    try:
        numbers = [float(v) for v in rest.split(",")] if rest.strip() else []
    except ValueError:
        raise ParameterError(f"{where}: {text!r} has a value that is not a number") from None
    if kind == "uniform" and len(numbers) in (0, 2):
        return uniform_prior(*numbers)
    if kind == "loguniform" and len(numbers) in (1, 2):
        return log_uniform_prior(*numbers)
    if kind == "gauss" and len(numbers) == 2:
        return gaussian_prior(*numbers)
    expected = {"uniform": "uniform or uniform:LO,HI", "loguniform": "loguniform:LO or loguniform:LO,HI",
                "gauss": "gauss:MU,SIGMA"}[kind]
    raise ParameterError(f"{where}: {text!r} has {len(numbers)} number(s); expected {expected}")


def resolve_prior(name: str, prior: Prior | str | None = None) -> Prior:
    """``prior`` for parameter ``name`` with its range filled in from
    :data:`cevnsjax.PARAMETERS` and checked (``None``: uniform over the range)."""
    check_names((name,))
    spec = PARAMETERS[name]
    if prior is None:
        prior = uniform_prior()
    elif isinstance(prior, str):
        prior = parse_prior(prior, name)
    if prior.kind not in PRIOR_KINDS:
        raise ParameterError(f"prior on {name!r}: unknown kind {prior.kind!r}; choose one of {', '.join(PRIOR_KINDS)}")
    allowed = f"the allowed range of {name!r} is {spec.range_text} ({spec.description})"
    lo = spec.lower if prior.low is None else float(prior.low)
    hi = spec.upper if prior.high is None else float(prior.high)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ParameterError(f"prior on {name!r}: range [{lo:g}, {hi:g}] is not finite; {allowed}")
    if prior.kind == "loguniform" and not lo > 0:
        raise ParameterError(f"prior on {name!r}: a log-uniform prior needs a positive lower end, got {lo:g}; "
                             f"give one, e.g. loguniform:{spec.upper * 1e-4 if spec.upper > 0 else 1e-4:g}; {allowed}")
    if not lo < hi:
        raise ParameterError(f"prior on {name!r}: lower end {lo:g} must be below upper end {hi:g}; {allowed}")
    if lo < spec.lower or hi > spec.upper:
        raise ParameterError(f"prior on {name!r}: range [{lo:g}, {hi:g}] leaves the physical range; {allowed}")
    if prior.kind == "gauss":
        mu, sigma = float(prior.mu), float(prior.sigma)
        if not (sigma > 0 and math.isfinite(sigma)):
            raise ParameterError(f"prior on {name!r}: Gaussian width must be positive, got {sigma:g}")
        if not (lo <= mu <= hi):
            raise ParameterError(f"prior on {name!r}: Gaussian centre {mu:g} lies outside the prior range "
                                 f"[{lo:g}, {hi:g}]; {allowed}")
        return gaussian_prior(mu, sigma, lo, hi)
    return Prior(prior.kind, lo, hi)


def is_one_sided(name: str, prior: Prior | None = None) -> bool:
    """Parameters reported with a one-sided credible upper limit: those whose
    Standard-Model value is the lower end of the allowed range (μν ≥ 0,
    mediator couplings ≥ 0), and any parameter with a log-uniform prior."""
    spec = PARAMETERS[name]
    return spec.default == spec.lower or (prior is not None and prior.kind == "loguniform")


# --------------------------------------------------------------------------- model


def _normalise_priors(priors) -> dict:
    if isinstance(priors, str):
        priors = (priors,)
    if not isinstance(priors, dict):
        priors = {name: None for name in priors}
    if not priors:
        raise ParameterError("no parameter to sample: give at least one parameter name")
    check_names(priors)
    return dict(priors)


def prepare_posterior(objective, priors) -> tuple[dict[str, Prior], object]:
    """Resolved priors and the likelihood objective (the pull terms of sampled,
    constrained parameters removed: they become Gaussian priors instead)."""
    priors = _normalise_priors(priors)
    constraints = {c[0]: (c[1], c[2]) for c in getattr(objective, "constraints", ())}
    resolved = {}
    for name, prior in priors.items():
        if name in constraints:
            centre, width = constraints[name]
            if prior is not None:
                raise ParameterError(
                    f"parameter {name!r} is constrained by the objective (Gaussian {centre:g} ± {width:g}), which becomes "
                    f"its prior when it is sampled; give no prior for it, or drop the constraint")
            prior = gaussian_prior(centre, width)
        resolved[name] = resolve_prior(name, prior)
    pulled = [n for n in resolved if n in constraints]
    if pulled:
        remaining = tuple(c for c in objective.constraints if c[0] not in pulled)
        objective = dataclasses.replace(objective, constraints=remaining)
    return resolved, objective


def posterior_model(objective, params: Params, priors):
    """A NumPyro model: one sample site per parameter of ``priors`` (a dict
    name → :class:`Prior` | prior text | None, or a sequence of names for
    uniform priors), the remaining fields fixed at ``params``, and the factor
    ``log_likelihood = −½ objective(params)``; ``chi2`` is recorded as a
    deterministic site."""
    import numpyro

    resolved, likelihood = prepare_posterior(objective, priors)

    def model():
        values = {name: numpyro.sample(name, prior.distribution()) for name, prior in resolved.items()}
        chi2 = likelihood(params.replace(**values))
        numpyro.deterministic("chi2", chi2)
        numpyro.factor("log_likelihood", -0.5 * chi2)

    return model


def log_posterior(objective, params: Params, priors, values: dict) -> float:
    """Unnormalised log posterior density (prior log-densities − ½ χ²) of the
    model of :func:`posterior_model` at ``values`` (name → value)."""
    from numpyro.infer.util import log_density

    model = posterior_model(objective, params, priors)
    logp, _ = log_density(model, (), {}, {k: jnp.asarray(v, dtype=float) for k, v in values.items()})
    return float(logp)


def posterior_on_grid(objective, params: Params, priors, grids: dict) -> dict:
    """The exact posterior on a 1D or 2D grid (the quadrature reference for the
    sampler): ``grids`` maps one or two sampled names to 1-D arrays of values.

    Returns ``{"density": p, "log_density": ln p, "chi2": χ², "grids": ...}``,
    p normalised to unit integral over the grid by the trapezoid rule; arrays
    have shape ``(len(x),)`` or ``(len(y), len(x))`` (y = the second name).
    Only the gridded parameters may be sampled (no marginalisation).
    """
    resolved, likelihood = prepare_posterior(objective, priors)
    names = tuple(grids)
    if set(names) != set(resolved) or len(names) not in (1, 2):
        raise ParameterError(f"posterior_on_grid: grids {names} must cover the sampled parameters {tuple(resolved)} (1 or 2)")
    axes = [jnp.asarray(grids[n], dtype=float) for n in names]
    for n, a in zip(names, axes):
        if not (float(a.min()) >= resolved[n].low and float(a.max()) <= resolved[n].high):
            raise ParameterError(f"posterior_on_grid: the grid of {n!r} leaves its prior range [{resolved[n].low:g}, {resolved[n].high:g}]")
    mesh = jnp.meshgrid(*axes) if len(names) == 2 else axes
    flat = {n: m.ravel() for n, m in zip(names, mesh)}

    @eqx.filter_jit
    def evaluate(obj, p, values):
        def one(point):
            chi2 = obj(p.replace(**point))
            logp = sum(resolved[n].distribution().log_prob(point[n]) for n in names)
            return chi2, logp
        return jax.lax.map(one, values, batch_size=4096)

    chi2, log_prior = (np.asarray(a).reshape(mesh[0].shape) for a in evaluate(likelihood, params, flat))
    log_post = log_prior - 0.5 * chi2
    density = np.exp(log_post - np.max(log_post[np.isfinite(log_post)]))
    norm = np.trapezoid(density, np.asarray(axes[0]), axis=-1)
    if len(names) == 2:
        norm = np.trapezoid(norm, np.asarray(axes[1]))
    density = density / norm
    return {"names": names, "grids": {n: np.asarray(a) for n, a in zip(names, axes)}, "density": density,
            "log_density": np.log(np.where(density > 0, density, np.nan)), "chi2": chi2}


def grid_quantile(xs, density, q):
    """Quantile(s) ``q`` of a 1D density tabulated on ``xs`` (trapezoid CDF, linear interpolation)."""
    xs, density = np.asarray(xs, dtype=float), np.asarray(density, dtype=float)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(xs))])
    return np.interp(q, cdf / cdf[-1], xs)


def grid_hdi(xs, density, prob):
    """Highest-density interval of a unimodal 1D density tabulated on a uniform grid ``xs``."""
    xs, density = np.asarray(xs, dtype=float), np.asarray(density, dtype=float)
    order = np.sort(density)[::-1]
    mass = np.cumsum(order) / np.sum(density)
    threshold = order[min(np.searchsorted(mass, prob), len(order) - 1)]
    inside = xs[density >= threshold]
    return float(inside.min()), float(inside.max())


# --------------------------------------------------------------------------- sampling


def default_chain_method(chains: int) -> str:
    """``"parallel"`` when JAX has a device per chain (e.g. several GPUs), else ``"vectorized"``."""
    return "parallel" if chains > 1 and jax.local_device_count() >= chains else "vectorized"


def _positive_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Posterior:
    """Samples of a NUTS run and their summaries.

    ``samples[name]`` and ``chi2`` have shape (chains, draws) in physical
    units; ``sample_stats`` holds NUTS diagnostics of the same shape
    (``diverging``, ``num_steps``, ``accept_prob``, ``energy``,
    ``potential_energy``); ``settings`` the run's settings.
    """

    samples: dict[str, np.ndarray]
    chi2: np.ndarray
    sample_stats: dict[str, np.ndarray]
    priors: dict[str, Prior]
    settings: dict
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.samples)

    @property
    def divergences(self) -> int:
        return int(np.sum(self.sample_stats["diverging"]))

    def flat(self, name: str) -> np.ndarray:
        return np.asarray(self.samples[name]).reshape(-1)

    def median(self, name: str) -> float:
        return float(np.median(self.flat(name)))

    def mean(self, name: str) -> float:
        return float(np.mean(self.flat(name)))

    def quantile(self, name: str, q):
        return np.quantile(self.flat(name), q)

    def upper_limit(self, name: str, cl: float = 0.9) -> float:
        """One-sided credible upper limit: the ``cl`` quantile of the marginal posterior."""
        if not 0 < cl < 1:
            raise ValueError(f"credible level must be in (0, 1), got {cl:g}")
        return float(self.quantile(name, cl))

    def hdi(self, name: str, prob: float = 0.68) -> tuple[float, float]:
        """Highest-density interval (ArviZ) of the marginal posterior of ``name``."""
        lo, hi = _arviz().hdi(self.flat(name), hdi_prob=prob)
        return float(lo), float(hi)

    def _diagnostic(self, key: str):
        if key not in self._cache:
            az = _arviz()
            posterior = self.to_inference_data(include_stats=False)
            fn = {"r_hat": lambda d: az.rhat(d), "ess_bulk": lambda d: az.ess(d, method="bulk"),
                  "ess_tail": lambda d: az.ess(d, method="tail")}[key]
            result = fn(posterior)
            self._cache[key] = {n: float(result[n]) for n in self.names}
        return self._cache[key]

    def r_hat(self, name: str) -> float:
        """Rank-normalised split R̂ (ArviZ); needs ≥ 2 chains (else NaN)."""
        return self._diagnostic("r_hat")[name]

    def ess_bulk(self, name: str) -> float:
        return self._diagnostic("ess_bulk")[name]

    def ess_tail(self, name: str) -> float:
        return self._diagnostic("ess_tail")[name]

    def summary(self, one_sided=None) -> dict:
        """Per parameter: mean, median, sd, hdi_68, hdi_90, r_hat, ess_bulk,
        ess_tail, prior, and upper_90 (90 % credible upper limit) for the
        ``one_sided`` parameters (default: :func:`is_one_sided`)."""
        out = {}
        for name in self.names:
            flat = self.flat(name)
            entry = {"mean": float(np.mean(flat)), "median": float(np.median(flat)), "sd": float(np.std(flat, ddof=1)),
                     **{f"hdi_{round(100 * p)}": list(self.hdi(name, p)) for p in SUMMARY_HDI},
                     "r_hat": self.r_hat(name), "ess_bulk": self.ess_bulk(name), "ess_tail": self.ess_tail(name),
                     "prior": self.priors[name].describe()}
            sided = is_one_sided(name, self.priors[name]) if one_sided is None else name in one_sided
            if sided:
                entry["upper_90"] = self.upper_limit(name, 0.9)
            out[name] = entry
        return out

    def to_inference_data(self, predictive: dict | None = None, include_stats: bool = True):
        """ArviZ InferenceData: posterior, sample_stats (with ``chi2`` and
        ``diverging``), and optionally posterior_predictive/observed_data from
        :func:`posterior_predictive`."""
        az = _arviz()
        stats = None
        if include_stats:
            names = {"accept_prob": "acceptance_rate", "num_steps": "n_steps", "diverging": "diverging",
                     "energy": "energy", "potential_energy": "potential_energy"}
            stats = {names.get(k, k): np.asarray(v) for k, v in self.sample_stats.items()}
            stats["lp"] = -np.asarray(self.sample_stats["potential_energy"])
            stats["chi2"] = np.asarray(self.chi2)
        kwargs = {}
        if predictive is not None:
            kwargs = {"posterior_predictive": {k: predictive[k] for k in ("replicated", "predicted")},
                      "observed_data": {"replicated": np.asarray(predictive["observed"])}}
        attrs = {"priors": "; ".join(f"{n}: {p.describe()}" for n, p in self.priors.items()),
                 **{k: (v if isinstance(v, (int, float, str)) and not isinstance(v, bool) else str(v))
                    for k, v in self.settings.items()}}  # netCDF attributes: no booleans
        return az.from_dict(posterior={k: np.asarray(v) for k, v in self.samples.items()}, sample_stats=stats,
                            attrs=attrs, **kwargs)


def sample_posterior(objective, params: Params, priors, *, chains: int = 4, samples: int = 2000, warmup: int = 500,
                     seed: int = 0, chain_method: str | None = None, progress_bar: bool = False,
                     init_values: dict | None = None, target_accept: float = 0.8, dense_mass: bool = False,
                     step_size: float = 1.0, adapt_step_size: bool = True, max_tree_depth: int = 10) -> Posterior:
    """Sample the posterior of :func:`posterior_model` with NUTS.

    ``chains`` × ``samples`` draws after ``warmup`` adaptation steps per chain,
    from ``jax.random.PRNGKey(seed)`` (same seed and settings → identical
    samples). The default 2000 draws per chain keep R̂ < 1.01 on the
    heavy-tailed CONUS+ posteriors (bulk ESS ≈ 1300 for sin²θW; with 1000
    draws R̂ scatters around 1.01); compilation, not sampling, dominates the
    run time of these small models. ``chain_method`` default :func:`default_chain_method`.
    ``init_values``: name → value or per-chain values (physical units) to
    start from (default: NumPyro's ``init_to_uniform`` in the unconstrained
    space). ``dense_mass`` adapts a full mass matrix (correlated posteriors
    such as the NSI bands). The remaining options pass to ``numpyro.infer.NUTS``.
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
    model = posterior_model(objective, params, priors)

    init_params = None
    if init_values:
        check_names(init_values)
        if set(init_values) != set(resolved):
            raise ParameterError(f"init_values must give every sampled parameter ({', '.join(resolved)}), "
                                 f"got {', '.join(init_values)}")
        init_params = {}
        for name, prior in resolved.items():
            x = np.broadcast_to(np.asarray(init_values[name], dtype=float), (chains,))
            if not np.all((x > prior.low) & (x < prior.high)):
                raise ParameterError(f"init_values[{name!r}] = {x} must lie inside the prior range ({prior.low:g}, {prior.high:g})")
            u = biject_to(prior.distribution().support).inv(jnp.asarray(x))
            init_params[name] = u if chains > 1 else u[0]

    kernel = NUTS(model, target_accept_prob=float(target_accept), dense_mass=bool(dense_mass), step_size=float(step_size),
                  adapt_step_size=bool(adapt_step_size), max_tree_depth=int(max_tree_depth))
    mcmc = MCMC(kernel, num_warmup=int(warmup), num_samples=samples, num_chains=chains, chain_method=method,
                progress_bar=bool(progress_bar))
    fields = ("diverging", "num_steps", "accept_prob", "energy", "potential_energy")
    mcmc.run(jax.random.PRNGKey(int(seed)), init_params=init_params, extra_fields=fields)
    draws = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
    stats = {k: np.asarray(v) for k, v in mcmc.get_extra_fields(group_by_chain=True).items()}
    settings = {"chains": chains, "samples": samples, "warmup": int(warmup), "seed": int(seed), "chain_method": method,
                "target_accept": float(target_accept), "dense_mass": bool(dense_mass), "max_tree_depth": int(max_tree_depth),
                "sampler": "NUTS (numpyro)"}
    if not adapt_step_size:
        settings["fixed_step_size"] = float(step_size)
    return Posterior(samples={n: draws[n] for n in resolved}, chi2=draws["chi2"], sample_stats=stats,
                     priors=resolved, settings=settings)


# --------------------------------------------------------------------------- predictive


def posterior_predictive(posterior: Posterior, objective, params: Params, *, seed: int = 0) -> dict:
    """Replicated data for every posterior draw, arrays of shape (chains, draws).

    For a :class:`~cevnsjax.infer.CountingAnalysis` the χ² (seed Eq. 2) is the
    Gaussian model N_meas ~ N((1 + α) N_th, σ_stat²), α ~ N(0, σ_α²): each
    replicated count draws α and then the count, with σ_stat = √N_meas as in
    the χ². Other objectives must provide ``predicted(params)`` and
    ``simulate(params, key)``. Returns ``predicted`` (N_th), ``replicated``
    and ``observed``.
    """
    from .likelihood import CountingAnalysis

    shape = posterior.chi2.shape
    flat = {n: jnp.asarray(posterior.flat(n)) for n in posterior.names}
    key = jax.random.PRNGKey(int(seed))
    if isinstance(objective, CountingAnalysis):
        predicted = _map_params(objective.predicted, params, flat)
        k_alpha, k_count = jax.random.split(key)
        alpha = objective.sigma_alpha * jax.random.normal(k_alpha, predicted.shape)
        replicated = (1.0 + alpha) * predicted + jnp.sqrt(objective.measured) * jax.random.normal(k_count, predicted.shape)
        observed = objective.measured
    elif hasattr(objective, "simulate") and hasattr(objective, "predicted"):
        predicted = _map_params(objective.predicted, params, flat)
        keys = jax.random.split(key, predicted.shape[0])
        replicated = jax.vmap(lambda p, k: objective.simulate(p, k))(_batch(params, flat), keys)
        observed = getattr(objective, "observed", getattr(objective, "measured", jnp.nan))
    else:
        raise TypeError(f"posterior_predictive: {type(objective).__name__} has no predicted/simulate methods")
    return {"predicted": np.asarray(predicted).reshape(shape + np.shape(predicted)[1:]),
            "replicated": np.asarray(replicated).reshape(shape + np.shape(replicated)[1:]),
            "observed": np.asarray(observed)}


def _batch(params: Params, flat: dict) -> Params:
    n = next(iter(flat.values())).shape[0]
    batched = jax.tree.map(lambda x: jnp.broadcast_to(x, (n,) + jnp.shape(x)), params)
    return batched.replace(**flat)


@eqx.filter_jit
def _map_params(fn, params: Params, flat: dict):
    return jax.lax.map(lambda point: fn(params.replace(**point)), flat, batch_size=1024)


# --------------------------------------------------------------------------- figures and files


def corner_plot(posterior: Posterior, path, *, reference: dict | None = None) -> list[str]:
    """Corner plot (ArviZ ``plot_pair`` with marginals; one parameter: the
    marginal histogram with its 68 % and 90 % HDIs), written as PNG and PDF.
    ``reference``: name → value drawn as lines (e.g. the profile best fit)."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .. import plots

    az = _arviz()
    names = posterior.names
    with plt.rc_context(plots.STYLE):
        if len(names) == 1:
            name = names[0]
            fig, ax = plt.subplots()
            ax.hist(posterior.flat(name), bins=80, density=True, color="0.6", alpha=0.7, label="posterior (NUTS)")
            for prob, style in ((0.68, "-"), (0.9, "--")):
                lo, hi = posterior.hdi(name, prob)
                ax.axvspan(lo, hi, color=plots.CONUS_COLOR, alpha=0.12 if prob == 0.68 else 0.06)
                ax.axvline(lo, color=plots.CONUS_COLOR, ls=style, lw=1)
                ax.axvline(hi, color=plots.CONUS_COLOR, ls=style, lw=1, label=f"{100 * prob:g} % HDI")
            for rname, value in (reference or {}).items():
                if rname == name:
                    ax.axvline(value, color="k", lw=1.5, label="reference")
            ax.set_xlabel(plots.label(name))
            ax.set_ylabel("posterior density")
            ax.legend(fontsize=9)
        else:
            idata = posterior.to_inference_data(include_stats=False)
            axes = az.plot_pair(idata, var_names=list(names), kind="scatter", marginals=True,
                                scatter_kwargs={"alpha": 0.3, "s": 4}, figsize=(2.6 * len(names) + 1, 2.6 * len(names) + 1),
                                textsize=10)
            axes = np.atleast_2d(axes)
            fig = axes.flat[0].figure
            n = len(names)
            for i, name in enumerate(names):
                if n > 2 or i == 0:  # with two parameters ArviZ draws the second marginal rotated, at the right
                    axes[-1, i].set_xlabel(plots.label(name))
                if i > 0:
                    axes[i, 0].set_ylabel(plots.label(name))
                if name in (reference or {}):
                    value = reference[name]
                    for j in range(i + 1, n):  # the column of `name`
                        axes[j, i].axvline(value, color="k", lw=1)
                    for j in range(i):  # the row of `name`
                        axes[i, j].axhline(value, color="k", lw=1)
                    (axes[i, i].axhline if n == 2 and i == 1 else axes[i, i].axvline)(value, color="k", lw=1)
        fig.suptitle(f"posterior, {posterior.settings['chains']} chains × {posterior.settings['samples']} draws", fontsize=10)
        return plots._save(fig, Path(path))


__all__ = [
    "PRIOR_KINDS", "Posterior", "Prior", "corner_plot", "default_chain_method", "gaussian_prior", "grid_hdi",
    "grid_quantile", "is_one_sided", "log_posterior", "log_uniform_prior", "parse_prior", "posterior_model",
    "posterior_on_grid", "posterior_predictive", "prepare_posterior", "resolve_prior", "sample_posterior",
    "uniform_prior",
]
