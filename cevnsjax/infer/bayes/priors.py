"""Priors on physics parameters, each confined to the parameter's allowed
range from :data:`cevnsjax.PARAMETERS` (the one place ranges are defined):

* ``uniform`` over the allowed range (the default) or a sub-range of it;
* ``loguniform`` on [LO, HI], LO > 0 given by the user (for μν and couplings,
  whose allowed ranges start at 0);
* ``gauss`` N(μ, σ) truncated to the allowed range (or a sub-range).

A prior range outside the allowed range, or with LO ≥ HI, is a
:class:`~cevnsjax.ParameterError` naming the parameter and the allowed range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp

from ...parameters import PARAMETERS, ParameterError
from ..fit import check_names

PRIOR_KINDS = ("uniform", "loguniform", "gauss")


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
        return dist.TruncatedNormal(
            jnp.asarray(self.mu, dtype=float), jnp.asarray(self.sigma, dtype=float), low=lo, high=hi
        )


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
        raise ParameterError(
            f"{where}: unknown prior {text!r}; use uniform, uniform:LO,HI, loguniform:LO[,HI] or gauss:MU,SIGMA"
        )
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
    expected = {
        "uniform": "uniform or uniform:LO,HI",
        "loguniform": "loguniform:LO or loguniform:LO,HI",
        "gauss": "gauss:MU,SIGMA",
    }[kind]
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
        raise ParameterError(
            f"prior on {name!r}: a log-uniform prior needs a positive lower end, got {lo:g}; "
            f"give one, e.g. loguniform:{spec.upper * 1e-4 if spec.upper > 0 else 1e-4:g}; {allowed}"
        )
    if not lo < hi:
        raise ParameterError(f"prior on {name!r}: lower end {lo:g} must be below upper end {hi:g}; {allowed}")
    if lo < spec.lower or hi > spec.upper:
        raise ParameterError(f"prior on {name!r}: range [{lo:g}, {hi:g}] leaves the physical range; {allowed}")
    if prior.kind == "gauss":
        mu, sigma = float(prior.mu), float(prior.sigma)
        if not (sigma > 0 and math.isfinite(sigma)):
            raise ParameterError(f"prior on {name!r}: Gaussian width must be positive, got {sigma:g}")
        if not (lo <= mu <= hi):
            raise ParameterError(
                f"prior on {name!r}: Gaussian centre {mu:g} lies outside the prior range [{lo:g}, {hi:g}]; {allowed}"
            )
        return gaussian_prior(mu, sigma, lo, hi)
    return Prior(prior.kind, lo, hi)


def is_one_sided(name: str, prior: Prior | None = None) -> bool:
    """Parameters reported with a one-sided credible upper limit: those whose
    Standard-Model value is the lower end of the allowed range (μν ≥ 0,
    mediator couplings ≥ 0), and any parameter with a log-uniform prior."""
    spec = PARAMETERS[name]
    return spec.default == spec.lower or (prior is not None and prior.kind == "loguniform")
