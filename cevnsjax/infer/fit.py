"""Fits, profile likelihoods, intervals and limits on any χ² objective.

* Minimisation: optimistix BFGS in an unbounded coordinate u per free
  parameter, ``x = lo + (hi − lo) · sigmoid(u)`` over the parameter's allowed
  range from :data:`cevnsjax.PARAMETERS` (reparametrisation, not clipping).
  Several starting points are minimised in one vmapped call; the best is kept.
* Intervals: Δχ² = χ²_profile(x) − χ²_min crosses the level found by bisection
  (optimistix) on each side of the best fit; the Hessian (parabolic) error
  ``sqrt(2 [H⁻¹]_xx)`` is reported beside it.
* Levels (Wilks): ``Δχ² = z²`` with ``z = Φ⁻¹((1 + CL)/2)`` for 1 dof (1.00 at
  68.27 %, 2.71 at 90 %), ``−2 ln(1 − CL)`` for 2 dof (4.61 at 90 %).
* Upper limits for parameters on a physical boundary (μν ≥ 0): the value above
  the best fit where Δχ² reaches the 1-dof level for the CL (2.71 at 90 %),
  the convention of the seed paper; Feldman–Cousins is separate.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx

from ..parameters import PARAMETERS, ParameterError, Params
from ..rates import exact_response_for


def delta_chi2_level(cl: float, dof: int = 1) -> float:
    """Wilks Δχ² for confidence level ``cl`` and ``dof`` = 1 or 2."""
    cl = float(cl)
    if not 0.0 < cl < 1.0:
        raise ValueError(f"confidence level must be in (0, 1), got {cl:g}")
    if dof == 1:
        return statistics.NormalDist().inv_cdf(0.5 * (1.0 + cl)) ** 2  # plain Python: no JAX dispatch
    if dof == 2:
        return -2.0 * math.log1p(-cl)
    raise ValueError(f"dof must be 1 or 2, got {dof}")


def _bounds(name: str) -> tuple[float, float]:
    spec = PARAMETERS[name]
    return spec.lower, spec.upper


def to_unbounded(name: str, x, xp=jnp):
    """The fit coordinate u of ``x`` (logit of its place in the range, clipped
    to 1e-12 of the ends); ``xp=np`` for concrete values (no JAX dispatch)."""
    lo, hi = _bounds(name)
    f = xp.clip((xp.asarray(x, dtype=float) - lo) / (hi - lo), 1e-12, 1 - 1e-12)
    return xp.log(f) - xp.log1p(-f)


def from_unbounded(name: str, u):
    lo, hi = _bounds(name)
    return lo + (hi - lo) * jax.nn.sigmoid(u)


def _set_free(params: Params, free: tuple[str, ...], u) -> Params:
    return params.replace(**{name: from_unbounded(name, u[i]) for i, name in enumerate(free)})


def check_names(names) -> tuple[str, ...]:
    names = tuple(names)
    for name in names:
        if name not in PARAMETERS:
            raise ParameterError(f"unknown parameter {name!r}; known parameters: {', '.join(PARAMETERS)}")
    return names


#: |u| beyond which a fit stops: sigmoid(30) is 1 - 9e-14, past the clip of :func:`to_unbounded` (1e-12, u = 27.6)
EDGE_U = 30.0


class TrustRegionBFGS(optx.AbstractBFGS):
    """BFGS with a dogleg step inside a classical trust region (optimistix
    building blocks): the first steps cannot jump onto the flat asymptotes
    that χ² objectives have far from the data (e.g. χ² → 1/σ_α² as N_th → ∞)."""

    rtol: float
    atol: float
    norm: object = optx.max_norm
    use_inverse: bool = False
    descent: optx.AbstractDescent = optx.DoglegDescent()
    search: optx.AbstractSearch = optx.ClassicalTrustRegion()
    verbose: object = optx.BFGS(rtol=1.0, atol=1.0).verbose  # optimistix's silent default

    def terminate(self, fn, y, args, options, state, tags):
        """Optimistix's test, and a stop on the flat edge: past |u| = :data:`EDGE_U`
        a parameter sits within 1e-13 of its range end, where χ² no longer
        changes; without this stop a start that runs onto the edge creeps on for
        ``max_steps`` and holds up every other start of the batch."""
        done, result = super().terminate(fn, y, args, options, state, tags)
        return done | jnp.any(jnp.abs(y) > EDGE_U), result


@eqx.filter_jit
def _minimise_batch(objective, params: Params, free: tuple[str, ...], u0s):
    def fn(u, args):
        obj, p = args
        return obj(_set_free(p, free, u))

    def one(u0):
        sol = optx.minimise(
            fn, TrustRegionBFGS(rtol=1e-10, atol=1e-10), u0, args=(objective, params), max_steps=2000, throw=False
        )
        return sol.value, fn(sol.value, (objective, params)), sol.result == optx.RESULTS.successful

    return jax.vmap(one)(u0s)


@dataclass(frozen=True)
class FitResult:
    """Best-fit parameters, χ²_min, which parameters were free, convergence.

    ``at_boundary`` lists free parameters that ended within 1e-6 (relative to
    their range) of a range end: either a physical boundary solution (μν = 0)
    or a start that ran onto the flat edge of the reparametrisation; compare
    with other starts (:func:`fit` keeps the best of ``n_starts``).
    """

    params: Params
    chi2_min: float
    free: tuple[str, ...]
    converged: bool
    n_starts: int

    def value(self, name: str) -> float:
        return float(getattr(self.params, name))

    @property
    def at_boundary(self) -> tuple[str, ...]:
        out = []
        for name in self.free:
            lo, hi = _bounds(name)
            x = self.value(name)
            if min(x - lo, hi - x) <= 1e-6 * (hi - lo):
                out.append(name)
        return tuple(out)


def _starts(params: Params, free, n_starts: int, seed: int):
    """Starting points in u: the given values, then spread over each range."""
    u_given = np.stack([to_unbounded(n, np.asarray(getattr(params, n)), xp=np) for n in free])
    rng = np.random.default_rng(seed)
    spread = rng.uniform(-3.0, 3.0, size=(n_starts - 1, len(free)))
    return np.concatenate([u_given[None, :], spread], axis=0)


def fit(objective, params: Params, free, *, n_starts: int = 4, seed: int = 0) -> FitResult:
    """Minimise ``objective`` over the ``free`` parameters (others fixed at
    ``params``), from ``n_starts`` starting points; returns the best."""
    objective = exact_response_for(objective, tuple(free))
    free = check_names(free)
    if not free:
        return FitResult(params, float(objective(params)), free, True, 1)
    us, chi2s, ok = _minimise_batch(objective, params, free, _starts(params, free, max(1, n_starts), seed))
    chi2s = np.where(np.asarray(ok), np.asarray(chi2s), np.inf)
    best = int(np.argmin(chi2s)) if np.isfinite(chi2s).any() else 0
    return FitResult(
        _set_free(params, free, us[best]),
        float(np.asarray(chi2s)[best]),
        free,
        bool(np.asarray(ok)[best]),
        max(1, n_starts),
    )


@eqx.filter_jit
def _chi2_along(objective, params: Params, poi: str, values):
    return jax.vmap(lambda x: objective(params.replace(**{poi: x})))(values)


@eqx.filter_jit
def _bisect(objective, params: Params, poi: str, offset, lo, hi, sign):
    """Root of χ²(poi = x) − offset on [lo, hi] by optimistix bisection;
    ``sign`` (±1, traced) makes sign·(χ² − offset) negative at ``lo``. The
    caller has checked the sign change, so the solver is told the orientation
    and needs no run-time check of its own: the compiled program (one for both
    ends of an interval) carries no host callback and can go to the persistent
    compilation cache."""

    def fn(x, args):
        obj, p = args
        return sign * (obj(p.replace(**{poi: x})) - offset)

    sol = optx.root_find(
        fn,
        optx.Bisection(rtol=1e-12, atol=1e-14 * jnp.maximum(1.0, jnp.abs(hi - lo)), flip=False),
        0.5 * (lo + hi),
        args=(objective, params),
        options={"lower": lo, "upper": hi},
        max_steps=400,
        throw=False,
    )
    return sol.value


def profile_chi2(objective, params: Params, poi: str, values, nuisances=()) -> np.ndarray:
    """χ² profiled over ``nuisances`` at each value of ``poi`` (vmapped)."""
    objective = exact_response_for(objective, (poi, *nuisances))
    check_names((poi, *nuisances))
    values = jnp.atleast_1d(jnp.asarray(values, dtype=float))
    if not nuisances:
        return np.asarray(_chi2_along(objective, params, poi, values))
    out = []
    for x in np.asarray(values):
        out.append(fit(objective, params.replace(**{poi: x}), nuisances, n_starts=2).chi2_min)
    return np.asarray(out)


@eqx.filter_jit
def _hessian(objective, params: Params, names: tuple[str, ...], x0):
    """Hessian of the objective in ``names`` at ``x0`` (one compiled program)."""

    def f(x):
        return objective(params.replace(**{n: x[i] for i, n in enumerate(names)}))

    return jax.hessian(f)(x0)


def hessian_error(objective, best: FitResult, poi: str) -> float:
    """Parabolic 1σ error of ``poi``: sqrt(2 [H⁻¹]_poi,poi), H the Hessian of χ²
    in the free parameters (physical coordinates) at the best fit."""
    objective = exact_response_for(objective, (*best.free, poi))
    names = best.free if poi in best.free else (poi,)
    x0 = jnp.stack([getattr(best.params, n) for n in names])
    h = _hessian(objective, best.params, tuple(names), x0)
    cov = 2.0 * jnp.linalg.inv(h)
    var = float(cov[names.index(poi), names.index(poi)])
    return math.sqrt(var) if var > 0 else float("nan")


def _crossing(objective, best: FitResult, poi: str, level: float, lo: float, hi: float, nuisances) -> float | None:
    """x in [lo, hi] where Δχ²(x) = level (bisection), or None if no sign change."""
    chi2_min = best.chi2_min

    def delta(x):
        return float(profile_chi2(objective, best.params, poi, [x], nuisances)[0]) - chi2_min - level

    d_lo, d_hi = delta(lo), delta(hi)
    if np.sign(d_lo) == np.sign(d_hi):
        return None
    if not nuisances:
        return float(
            _bisect(
                objective,
                best.params,
                poi,
                jnp.asarray(chi2_min + level),
                jnp.asarray(float(lo)),
                jnp.asarray(float(hi)),
                jnp.asarray(1.0 if d_lo < 0 else -1.0),
            )
        )
    a, b = lo, hi  # nuisances: plain bisection on the profiled Δχ² (each step is a fit)
    for _ in range(60):
        m = 0.5 * (a + b)
        if np.sign(delta(m)) == np.sign(d_lo):
            a = m
        else:
            b = m
    return 0.5 * (a + b)


@dataclass(frozen=True)
class Interval:
    parameter: str
    best_fit: float
    low: float | None
    high: float | None
    level: float
    cl: float
    hessian_error: float
    chi2_min: float

    def as_dict(self) -> dict:
        return {
            "parameter": self.parameter,
            "best_fit": self.best_fit,
            "interval": [self.low, self.high],
            "delta_chi2_level": self.level,
            "cl": self.cl,
            "hessian_error": self.hessian_error,
            "chi2_min": self.chi2_min,
        }


def profile_interval(objective, best: FitResult, poi: str, *, cl: float = 0.682689492137086, nuisances=()) -> Interval:
    """Asymmetric profile-likelihood interval of ``poi`` at ``cl`` (1 dof);
    an end is None where Δχ² stays below the level up to the range boundary."""
    objective = exact_response_for(objective, (*best.free, poi, *nuisances))
    level = delta_chi2_level(cl, 1)
    lo, hi = _bounds(poi)
    x0 = best.value(poi)
    return Interval(
        parameter=poi,
        best_fit=x0,
        low=_crossing(objective, best, poi, level, lo, x0, nuisances),
        high=_crossing(objective, best, poi, level, x0, hi, nuisances),
        level=level,
        cl=cl,
        hessian_error=hessian_error(objective, best, poi),
        chi2_min=best.chi2_min,
    )


def upper_limit(objective, params: Params, poi: str, *, cl: float = 0.9, nuisances=(), n_starts: int = 4) -> dict:
    """One-sided upper limit on ``poi`` (e.g. μν ≥ 0): fit ``poi`` (with
    ``nuisances`` profiled) inside its physical range, then find the value
    above the best fit where Δχ² = z² with z = Φ⁻¹((1+CL)/2)."""
    objective = exact_response_for(objective, (poi, *nuisances))
    check_names((poi, *nuisances))
    level = delta_chi2_level(cl, 1)
    best = fit(objective, params, (poi, *nuisances), n_starts=n_starts)
    lo_range, hi_range = _bounds(poi)
    # the boundary itself is allowed: compare with the boundary value
    at_boundary = float(profile_chi2(objective, best.params, poi, [lo_range], nuisances)[0])
    if at_boundary < best.chi2_min:
        best = FitResult(best.params.replace(**{poi: lo_range}), at_boundary, best.free, best.converged, best.n_starts)
    limit = _crossing(objective, best, poi, level, best.value(poi), hi_range, nuisances)
    return {
        "parameter": poi,
        "upper_limit": limit,
        "cl": cl,
        "delta_chi2_level": level,
        "best_fit": best.value(poi),
        "chi2_min": best.chi2_min,
    }


@eqx.filter_jit
def _fit_many(analysis, params: Params, free: tuple[str, ...], data_batch, u0):
    def fn(u, args):
        a, p = args
        return a(_set_free(p, free, u))

    def one(data):
        a = analysis.with_data(data)
        sol = optx.minimise(fn, TrustRegionBFGS(rtol=1e-9, atol=1e-9), u0, args=(a, params), max_steps=500, throw=False)
        best = _set_free(params, free, sol.value)
        x = jnp.stack([getattr(best, n) for n in free])

        def in_physical(xv):
            return a(params.replace(**{n: xv[i] for i, n in enumerate(free)}))

        cov = 2.0 * jnp.linalg.inv(jax.hessian(in_physical)(x))
        return x, jnp.sqrt(jnp.diag(cov)), fn(sol.value, (a, params)), sol.result == optx.RESULTS.successful

    return jax.vmap(one)(data_batch)


def fit_datasets(analysis, params: Params, free, data_batch) -> dict:
    """Fit ``free`` parameters of an analysis to each data set of a batch
    (``data_batch``: the analysis' data pytree with a leading data-set axis;
    vmapped optimistix fits started at ``params``): best-fit values, Hessian
    errors, χ²_min and convergence flags, arrays with a leading data-set axis."""
    analysis = exact_response_for(analysis, tuple(free))
    free = check_names(free)
    u0 = jnp.stack([to_unbounded(n, getattr(params, n)) for n in free])
    x, err, chi2, ok = _fit_many(analysis, params, free, data_batch, u0)
    return {
        "parameters": free,
        "values": np.asarray(x),
        "errors": np.asarray(err),
        "chi2_min": np.asarray(chi2),
        "converged": np.asarray(ok),
    }
