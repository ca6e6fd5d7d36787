"""Feldman–Cousins intervals (Neyman construction with the likelihood-ratio
ordering) from vmapped toys for the counting χ² analysis, and coverage checks
of Feldman–Cousins and Wilks intervals.

Choices (stated here, in the README and in the tests)
-----------------------------------------------------
* **Data**: the measured count ``N_meas`` of a :class:`CountingAnalysis` (395
  for CONUS+). One parameter of interest θ (e.g. ``mu_nu``, ``sin2_theta_w``);
  every other physics parameter stays at ``params``; the normalisation
  nuisance α is profiled in closed form (:func:`counting_chi2`).
* **Toy model** (``model="poisson"``, default): for a true θ with prediction
  ``n = N_th(θ)``, draw α ~ N(0, σ_α) and ``N ~ Poisson(max(n (1 + α), 0))`` —
  the model the χ² describes (a Gaussian-constrained normalisation on a Poisson
  count). ``model="gaussian"``: ``N = max(n(1+α) + √(n(1+α)) z, 0)``, z ~ N(0, 1)
  (continuous). Toys are drawn on the device, vmapped, ``fold_in(key, j)`` for
  grid point j.
* **Statistic**: ``t(θ; N) = χ²(θ; N) − min_{θ' ∈ physical range} χ²(θ'; N)``
  with ``χ²(θ; N) = (N − n(θ))² / (N + n(θ)² σ_α²)`` (seed Eq. 2 profiled over
  α). As in the seed, σ_stat² = N is the *toy's own* count (Neyman's χ²); a toy
  with N = 0 gives χ² = 1/σ_α² for every θ, hence t = 0 (accepted everywhere),
  which happens only for predictions of a few events.
* **Minimum over the physical range, closed form**: χ² depends on θ only
  through n, and ``g(n) = (N − n)² / (N + σ_α² n²)`` has
  ``g'(n) = −2N (N − n)(1 + σ_α² n) / (N + σ_α² n²)²``: it falls for n < N and
  rises for n > N. The image of the allowed range under a continuous N_th(θ)
  is an interval [n_min, n_max], so the minimum is ``g(clip(N, n_min, n_max))``.
  n_min, n_max are the extremes of N_th on a dense grid over the whole allowed
  range (``range_points`` values, end points included): exact for monotone
  N_th (μν ≥ 0, sin²θW ∈ [0, 1]), a grid approximation otherwise.
* **Belt**: at each θ_j of the user's grid, ``n_toys`` toys give t; the
  critical value c_j(CL) is the smallest t with empirical P(t ≤ c) ≥ CL (the
  ``ceil(CL·n_toys)``-th order statistic). θ_j is accepted for the data if
  ``t(θ_j; N_meas) ≤ c_j``. The interval is the range of accepted θ_j, each end
  refined by linear interpolation of ``t − c`` to the neighbouring rejected
  grid point; ``connected`` says whether the accepted set had no gaps.
  With integer N the distribution of t is discrete: acceptance ``t ≤ c``
  over-covers by at most the probability of the one count at the edge (≲ 0.3 %
  for CONUS+, whose count spreads over ~±120 events).
* **Wilks** intervals on the same grid: ``t(θ; N_meas) ≤ Δχ²`` (1.00 at
  68.27 %, 2.71 at 90 %), the minimum taken inside the physical range.
* **Coverage** (:func:`coverage`) at a true θ₀: ``n_construction_toys`` toys
  give c(θ₀); independent ``n_toys`` toys give the fraction with
  ``t(θ₀; N) ≤ c(θ₀)`` (FC: θ₀ inside the toy's FC interval, by Neyman's
  definition) and with ``t(θ₀; N) ≤ Δχ²`` (Wilks). Its Monte-Carlo error is
  ``√(CL(1−CL)(1/n_toys + 1/n_construction_toys))``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..parameters import PARAMETERS, ParameterError, Params
from .fit import check_names, delta_chi2_level
from .likelihood import CountingAnalysis, counting_chi2

#: Default confidence levels: 1σ (68.27 %) and 90 %.
DEFAULT_CLS = (0.682689492137086, 0.9)
TOY_MODELS = ("poisson", "gaussian")


def counting_toys(key, predicted, sigma_alpha, n_toys: int, model: str = "poisson"):
    """``n_toys`` measured counts for a true prediction ``predicted`` (scalar):
    α ~ N(0, σ_α), N ~ Poisson(max(n(1+α), 0)) (or the Gaussian model, see the
    module docstring). Returns floats, shape (n_toys,)."""
    if model not in TOY_MODELS:
        raise ValueError(f"toy model must be one of {TOY_MODELS}, got {model!r}")
    k_alpha, k_count = jax.random.split(key)
    predicted = jnp.asarray(predicted, dtype=float)
    alpha = sigma_alpha * jax.random.normal(k_alpha, (n_toys,), dtype=predicted.dtype)
    mean = jnp.maximum(predicted * (1.0 + alpha), 0.0)
    if model == "poisson":
        return jax.random.poisson(k_count, mean, (n_toys,)).astype(predicted.dtype)
    z = jax.random.normal(k_count, (n_toys,), dtype=predicted.dtype)
    return jnp.maximum(mean + jnp.sqrt(mean) * z, 0.0)


def likelihood_ratio_statistic(predicted, measured, sigma_alpha, n_min, n_max):
    """``t = χ²(n) − min_{n' ∈ [n_min, n_max]} χ²(n')`` for the counting χ²
    (closed-form minimum, see the module docstring); broadcasts."""
    best = jnp.clip(measured, n_min, n_max)
    t = counting_chi2(predicted, measured, sigma_alpha) - counting_chi2(best, measured, sigma_alpha)
    return jnp.maximum(t, 0.0)


@eqx.filter_jit
def _predicted_along(analysis: CountingAnalysis, params: Params, poi: str, values):
    return jax.vmap(lambda x: analysis.predicted(params.replace(**{poi: x})))(values)


def _order_index(cls, n_toys: int) -> np.ndarray:
    return np.asarray([max(0, min(n_toys - 1, math.ceil(cl * n_toys - 1e-9) - 1)) for cl in cls], dtype=np.int32)


@eqx.filter_jit
def _critical_values(key, predicted, sigma_alpha, n_min, n_max, order_index, n_toys: int, model: str, batch: int):
    """c_j(CL) for every grid prediction n_j: toys vmapped within a point and
    across ``batch`` points at a time (``lax.map``), shape (G, n_cls)."""

    def one(args):
        j, n = args
        toys = counting_toys(jax.random.fold_in(key, j), n, sigma_alpha, n_toys, model)
        t = jnp.sort(likelihood_ratio_statistic(n, toys, sigma_alpha, n_min, n_max))
        return t[order_index]

    idx = jnp.arange(predicted.shape[0], dtype=jnp.uint32)
    return jax.lax.map(one, (idx, predicted), batch_size=min(batch, predicted.shape[0]))


def _physical_image(analysis, params, poi, range_points: int) -> tuple[float, float]:
    spec = PARAMETERS[poi]
    lo, hi = spec.lower, spec.upper
    span = hi - lo
    lo = lo + 1e-9 * span if spec.lower_open else lo
    hi = hi - 1e-9 * span if spec.upper_open else hi
    pred = np.asarray(_predicted_along(analysis, params, poi, jnp.linspace(lo, hi, int(range_points))))
    return float(pred.min()), float(pred.max())


def _check(analysis, poi: str, values=None, cls=DEFAULT_CLS, model="poisson"):
    if not isinstance(analysis, CountingAnalysis):
        raise TypeError("the Feldman–Cousins construction here is for a CountingAnalysis (closed-form α profile)")
    check_names((poi,))
    if any(name == poi for name, _, _ in analysis.constraints):
        raise ParameterError(
            f"{poi!r} has a Gaussian constraint in this analysis; the closed-form construction "
            "does not include pull terms on the parameter of interest"
        )
    if model not in TOY_MODELS:
        raise ValueError(f"toy model must be one of {TOY_MODELS}, got {model!r}")
    for cl in cls:
        if not 0.0 < float(cl) < 1.0:
            raise ValueError(f"confidence levels must be in (0, 1), got {cl}")
    if values is not None:
        v = np.asarray(values, dtype=float)
        if v.ndim != 1 or v.size < 2 or np.any(np.diff(v) <= 0):
            raise ValueError("values must be a 1-D increasing grid of at least two points")
        spec = PARAMETERS[poi]
        if not (spec.contains(float(v[0])) and spec.contains(float(v[-1]))):
            raise ParameterError(f"grid of {poi!r} [{v[0]:g}, {v[-1]:g}] leaves its allowed range {spec.range_text}")


def _interval_from(values, d):
    """Range of grid points with d ≤ 0, ends interpolated linearly in d; plus flags."""
    ok = d <= 0
    if not ok.any():
        return None, None, False, True
    idx = np.flatnonzero(ok)
    i0, i1 = int(idx[0]), int(idx[-1])
    connected = bool(np.all(ok[i0 : i1 + 1]))

    def edge(a, b):  # a rejected, b accepted
        da, db = d[a], d[b]
        frac = da / (da - db) if da != db else 0.5
        return float(values[a] + (values[b] - values[a]) * frac)

    low = float(values[0]) if i0 == 0 else edge(i0 - 1, i0)
    high = float(values[-1]) if i1 == len(values) - 1 else edge(i1 + 1, i1)
    return low, high, connected, False


@dataclass(frozen=True)
class FeldmanCousinsResult:
    """A Feldman–Cousins belt on a grid of the parameter of interest and the
    intervals it gives for the observed count (FC and Wilks on the same grid).

    ``intervals[cl] = (low, high)``; an end equal to the grid end means the
    accepted region reaches it (a physical boundary such as μν = 0, or a grid
    that should be widened: ``open_ends[cl]`` lists which). ``critical[cl]``
    are the critical values c(θ_j); ``t_observed`` the statistic of the data.
    """

    parameter: str
    values: np.ndarray
    predicted: np.ndarray
    observed: float
    cls: tuple[float, ...]
    critical: dict
    t_observed: np.ndarray
    intervals: dict
    connected: dict
    open_ends: dict
    wilks_intervals: dict
    n_toys: int
    model: str
    predicted_range: tuple[float, float]
    sigma_alpha: float
    seconds: float
    toys_per_second: float

    def interval_for(self, observed: float, cl: float) -> tuple[float | None, float | None]:
        """The Feldman–Cousins interval of this belt for another observed count."""
        t = np.asarray(
            likelihood_ratio_statistic(self.predicted, float(observed), self.sigma_alpha, *self.predicted_range)
        )
        low, high, _, _ = _interval_from(self.values, t - self.critical[cl])
        return low, high

    def as_dict(self) -> dict:
        return {
            "parameter": self.parameter,
            "observed": self.observed,
            "model": self.model,
            "n_toys_per_point": self.n_toys,
            "grid": [float(self.values[0]), float(self.values[-1]), int(self.values.size)],
            "feldman_cousins": {str(cl): list(self.intervals[cl]) for cl in self.cls},
            "connected": {str(cl): self.connected[cl] for cl in self.cls},
            "open_ends": {str(cl): list(self.open_ends[cl]) for cl in self.cls},
            "wilks": {str(cl): list(self.wilks_intervals[cl]) for cl in self.cls},
            "predicted_range_over_physical_range": list(self.predicted_range),
            "seconds": self.seconds,
            "toys_per_second": self.toys_per_second,
        }


def feldman_cousins(
    analysis: CountingAnalysis,
    params: Params,
    poi: str,
    values,
    *,
    cls=DEFAULT_CLS,
    n_toys: int = 10_000,
    seed: int = 0,
    model: str = "poisson",
    observed: float | None = None,
    range_points: int = 4001,
    batch: int = 8,
) -> FeldmanCousinsResult:
    """Feldman–Cousins intervals of ``poi`` for the observed count (default:
    the analysis' ``measured``) from ``n_toys`` toys at each value of the grid
    ``values`` (increasing, inside the allowed range). See the module docstring
    for the toy model, the statistic and the interval convention.

    ``batch`` grid points are processed at once (``lax.map``): memory ≈
    ``batch · n_toys · 8`` bytes a few times over.
    """
    cls = tuple(float(c) for c in cls)
    _check(analysis, poi, values, cls, model)
    values = np.asarray(values, dtype=float)
    n_toys = int(n_toys)
    if n_toys < 10:
        raise ValueError(f"n_toys must be at least 10, got {n_toys}")
    observed = float(analysis.measured if observed is None else observed)
    sigma_alpha = analysis.sigma_alpha
    predicted = _predicted_along(analysis, params, poi, jnp.asarray(values))
    n_min, n_max = _physical_image(analysis, params, poi, range_points)
    key = jax.random.PRNGKey(seed)
    order = _order_index(cls, n_toys)
    args = (
        key,
        predicted,
        sigma_alpha,
        jnp.asarray(n_min),
        jnp.asarray(n_max),
        jnp.asarray(order),
        n_toys,
        model,
        int(batch),
    )
    compiled = _critical_values.lower(*args).compile()  # compile first: the timing is the toys' own
    t0 = time.perf_counter()
    crit = np.asarray(jax.block_until_ready(compiled(*args)))
    seconds = time.perf_counter() - t0
    pred = np.asarray(predicted)
    t_obs = np.asarray(likelihood_ratio_statistic(pred, observed, float(sigma_alpha), n_min, n_max))
    intervals, connected, open_ends, wilks = {}, {}, {}, {}
    for i, cl in enumerate(cls):
        low, high, conn, _empty = _interval_from(values, t_obs - crit[:, i])
        intervals[cl], connected[cl] = (low, high), conn
        open_ends[cl] = tuple(s for s, v, g in (("low", low, values[0]), ("high", high, values[-1])) if v == g)
        wl, wh, _, _ = _interval_from(values, t_obs - delta_chi2_level(cl, 1))
        wilks[cl] = (wl, wh)
    total = n_toys * values.size
    return FeldmanCousinsResult(
        parameter=poi,
        values=values,
        predicted=pred,
        observed=observed,
        cls=cls,
        critical={cl: crit[:, i] for i, cl in enumerate(cls)},
        t_observed=t_obs,
        intervals=intervals,
        connected=connected,
        open_ends=open_ends,
        wilks_intervals=wilks,
        n_toys=n_toys,
        model=model,
        predicted_range=(n_min, n_max),
        sigma_alpha=float(sigma_alpha),
        seconds=seconds,
        toys_per_second=total / seconds if seconds > 0 else float("inf"),
    )


@eqx.filter_jit
def _coverage_counts(
    key, n_true, sigma_alpha, n_min, n_max, order_index, levels, n_toys: int, n_construction: int, model: str
):
    k_belt, k_toys = jax.random.split(key)
    belt = counting_toys(k_belt, n_true, sigma_alpha, n_construction, model)
    crit = jnp.sort(likelihood_ratio_statistic(n_true, belt, sigma_alpha, n_min, n_max))[order_index]
    toys = counting_toys(k_toys, n_true, sigma_alpha, n_toys, model)
    t = likelihood_ratio_statistic(n_true, toys, sigma_alpha, n_min, n_max)
    fc = jnp.sum(t[:, None] <= crit[None, :], axis=0)
    wilks = jnp.sum(t[:, None] <= levels[None, :], axis=0)
    return fc, wilks, crit


@dataclass(frozen=True)
class CoverageResult:
    """Coverage of Feldman–Cousins and Wilks intervals at a true value."""

    parameter: str
    true_value: float
    predicted: float
    cls: tuple[float, ...]
    feldman_cousins: dict
    wilks: dict
    critical: dict
    mc_error: dict
    n_toys: int
    n_construction_toys: int
    model: str
    seconds: float

    @property
    def toys_per_second(self) -> float:
        return (self.n_toys + self.n_construction_toys) / self.seconds if self.seconds > 0 else float("inf")

    def as_dict(self) -> dict:
        return {
            "parameter": self.parameter,
            "true_value": self.true_value,
            "predicted": self.predicted,
            "model": self.model,
            "n_toys": self.n_toys,
            "n_construction_toys": self.n_construction_toys,
            "feldman_cousins": {str(c): self.feldman_cousins[c] for c in self.cls},
            "wilks": {str(c): self.wilks[c] for c in self.cls},
            "critical_value": {str(c): self.critical[c] for c in self.cls},
            "wilks_level": {str(c): delta_chi2_level(c, 1) for c in self.cls},
            "mc_error": {str(c): self.mc_error[c] for c in self.cls},
            "seconds": self.seconds,
            "toys_per_second": self.toys_per_second,
        }


def coverage(
    analysis: CountingAnalysis,
    params: Params,
    poi: str,
    true_value: float,
    *,
    cls=DEFAULT_CLS,
    n_toys: int = 100_000,
    n_construction_toys: int = 100_000,
    seed: int = 0,
    model: str = "poisson",
    range_points: int = 4001,
) -> CoverageResult:
    """Coverage at ``true_value`` of the Feldman–Cousins and Wilks intervals
    (fractions of ``n_toys`` toys whose interval contains it), the FC critical
    value from ``n_construction_toys`` independent toys."""
    cls = tuple(float(c) for c in cls)
    _check(analysis, poi, None, cls, model)
    spec = PARAMETERS[poi]
    if not spec.contains(float(true_value)):
        raise ParameterError(f"true value {true_value:g} of {poi!r} is outside its allowed range {spec.range_text}")
    n_true = _predicted_along(analysis, params, poi, jnp.asarray([float(true_value)]))[0]
    n_min, n_max = _physical_image(analysis, params, poi, range_points)
    levels = jnp.asarray([delta_chi2_level(c, 1) for c in cls])
    args = (
        jax.random.PRNGKey(seed),
        n_true,
        analysis.sigma_alpha,
        jnp.asarray(n_min),
        jnp.asarray(n_max),
        jnp.asarray(_order_index(cls, int(n_construction_toys))),
        levels,
        int(n_toys),
        int(n_construction_toys),
        model,
    )
    compiled = _coverage_counts.lower(*args).compile()
    t0 = time.perf_counter()
    fc, wilks, crit = (np.asarray(x) for x in jax.block_until_ready(compiled(*args)))
    seconds = time.perf_counter() - t0
    mc = {c: math.sqrt(c * (1 - c) * (1 / n_toys + 1 / n_construction_toys)) for c in cls}
    return CoverageResult(
        parameter=poi,
        true_value=float(true_value),
        predicted=float(n_true),
        cls=cls,
        feldman_cousins={c: float(fc[i]) / n_toys for i, c in enumerate(cls)},
        wilks={c: float(wilks[i]) / n_toys for i, c in enumerate(cls)},
        critical={c: float(crit[i]) for i, c in enumerate(cls)},
        mc_error=mc,
        n_toys=int(n_toys),
        n_construction_toys=int(n_construction_toys),
        model=model,
        seconds=seconds,
    )
