"""The analysis protocol: one probabilistic model per analysis, from which the
frequentist and the Bayesian verbs are derived.

An analysis (a subclass of :class:`Analysis`, an equinox Module) declares

* its **data** (``data``, a pytree of arrays) and ``with_data(data)``;
* its **nuisance parameters** (``nuisances``: :class:`Nuisance` entries, each a
  Gaussian constraint N(centre, width) on a latent variable of the analysis,
  e.g. the normalisation α of the counting analysis), and Gaussian pull terms
  on *physics* fields of :class:`~cevnsjax.Params` (``constraints``:
  ``((name, centre, width), ...)``, e.g. ``quench_k`` ± 0.004);
* ``expected(params, nu)``: the mean of the data at physics parameters
  ``params`` and nuisance values ``nu`` (a dict name → value);
* ``data_chi2(params, nu)``: −2 ln L(data | params, nu) up to a constant that
  depends on the data only, and ``log_normaliser()`` that constant's share
  such that ``ln L = −½ data_chi2 + log_normaliser()`` is the normalised
  log-likelihood (evidences depend on it);
* ``draw(key, mean)``: one data set around a mean (the noise model).

Everything else is derived here, once, for every analysis:

* **frequentist** — ``chi2_at(params, nu)`` (data term + all pulls) and
  ``profile_chi2(params)`` = min over ν of ``chi2_at`` (optimistix BFGS from
  the constraint centres; an analysis overrides :meth:`Analysis.profile_nuisances`
  where a closed form exists). ``analysis(params)`` is the profile χ², the
  *objective* every fit, interval, limit, scan and exclusion verb of
  :mod:`cevnsjax.infer` minimises or scans;
* **Bayesian** — :meth:`Analysis.bayes_log_likelihood` (used by
  :mod:`cevnsjax.infer.bayes` inside the NumPyro model): the nuisances are
  integrated out, either sampled as latent NumPyro sites whose prior *is* their
  constraint, or analytically (an analysis that can marginalise exactly sets
  ``analytic_marginal = True`` and provides :meth:`Analysis.log_marginal_likelihood`);
* **toys / posterior predictive** — :meth:`Analysis.simulate` draws the
  nuisances from their constraints, then the data; :meth:`Analysis.asimov`
  replaces the data by the expectation at the constraint centres.

Composition: :class:`CombinedAnalysis` of named analyses is again an analysis —
−2 ln L is the sum, physics parameters are shared, and each component's
nuisances are prefixed with its name (``"conus-plus/alpha"``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import optimistix as optx
from jax.scipy.special import xlogy

from ..parameters import PARAMETERS, ParameterError, Params


@dataclass(frozen=True)
class Nuisance:
    """A latent nuisance parameter with its Gaussian constraint N(centre, width),
    truncated to [low, high]. The same object gives the pull ((x − centre)/width)²
    in −2 ln L and the prior of the Bayesian model."""

    name: str
    centre: float
    width: float
    low: float = -math.inf
    high: float = math.inf

    def __post_init__(self):
        if isinstance(self.width, jax.core.Tracer):
            return  # a traced width (an array field of an analysis under jit) is checked where it is built
        if not (float(self.width) > 0 and math.isfinite(float(self.width))):
            raise ParameterError(f"nuisance {self.name!r}: width must be a positive number, got {self.width}")
        if not self.low < self.high:
            raise ParameterError(
                f"nuisance {self.name!r}: lower end {self.low:g} must be below upper end {self.high:g}"
            )

    def pull(self, x):
        """((x − centre)/width)² [dimensionless]."""
        return ((x - self.centre) / self.width) ** 2

    def prior(self):
        """The constraint as a NumPyro distribution (truncated where bounded)."""
        import numpyro.distributions as dist

        c, w = jnp.asarray(self.centre, dtype=float), jnp.asarray(self.width, dtype=float)
        if math.isinf(self.low) and math.isinf(self.high):
            return dist.Normal(c, w)
        low = None if math.isinf(self.low) else self.low
        high = None if math.isinf(self.high) else self.high
        return dist.TruncatedNormal(c, w, low=low, high=high)

    def renamed(self, name: str) -> Nuisance:
        return Nuisance(name, self.centre, self.width, self.low, self.high)


def poisson_deviance(observed, expected, floor: float = 1e-12):
    """−2 ln(L/L_sat) of independent Poisson bins, ``2 Σ [μ − n + n ln(n/μ)]``.

    Accepts non-integer (Asimov) ``observed``; ``expected`` is floored at
    ``floor`` so value and gradient stay finite at zero expectation.
    """
    mu = jnp.maximum(expected, floor)
    return 2.0 * jnp.sum(mu - observed + xlogy(observed, observed) - xlogy(observed, mu))


def gaussian_penalty(params: Params, constraints) -> jax.Array:
    """Σ (θ − θ₀)² / σ² over ``constraints`` = ((name, centre, width), ...)."""
    total = jnp.zeros(())
    for name, centre, width in constraints:
        total = total + ((getattr(params, name) - centre) / width) ** 2
    return total


def check_constraints(constraints) -> tuple[tuple[str, float, float], ...]:
    """Validate ``{name: (centre, width)}`` or a tuple of triples; return triples."""
    items = constraints.items() if isinstance(constraints, dict) else ((c[0], (c[1], c[2])) for c in constraints)
    out = []
    for name, (centre, width) in items:
        if name not in PARAMETERS:
            raise ParameterError(f"constraint on unknown parameter {name!r}; known parameters: {', '.join(PARAMETERS)}")
        if not (width > 0 and math.isfinite(width)):
            raise ParameterError(f"constraint on {name!r}: width must be positive, got {width}")
        out.append((name, float(centre), float(width)))
    return tuple(out)


class Analysis(eqx.Module):
    """Base of every analysis (see the module docstring for the protocol).

    Subclasses are equinox Modules with the fields ``nuisances`` (static tuple
    of :class:`Nuisance`) and ``constraints`` (static tuple of physics pull
    triples) and the methods ``expected``, ``data_chi2``, ``draw``, ``data``,
    ``with_data``.
    """

    #: True where :meth:`log_marginal_likelihood` integrates the nuisances out exactly.
    analytic_marginal: ClassVar[bool] = False

    # ---------------------------------------------------------------- to provide
    @property
    def data(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def with_data(self, data) -> Analysis:  # pragma: no cover - abstract
        raise NotImplementedError

    def expected(self, params: Params, nu: dict):  # pragma: no cover - abstract
        raise NotImplementedError

    def data_chi2(self, params: Params, nu: dict):  # pragma: no cover - abstract
        raise NotImplementedError

    def draw(self, key, mean):  # pragma: no cover - abstract
        raise NotImplementedError

    def log_normaliser(self):
        """Data-only constant of the normalised ln L (default 0)."""
        return jnp.zeros(())

    def log_marginal_likelihood(self, params: Params):
        """ln ∫ L(data | params, ν) Π N(ν) dν, where exact (``analytic_marginal``)."""
        raise NotImplementedError(f"{type(self).__name__} has no analytic marginal likelihood; sample its nuisances")

    # ---------------------------------------------------------------- derived
    @property
    def nuisance_names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nuisances)

    def nominal_nuisances(self) -> dict:
        """Constraint centres of the latent nuisances."""
        return {n.name: jnp.asarray(n.centre, dtype=float) for n in self.nuisances}

    def log_likelihood(self, params: Params, nu: dict):
        """Normalised ln L(data | params, ν) (no constraint terms)."""
        return -0.5 * self.data_chi2(params, nu) + self.log_normaliser()

    def chi2_at(self, params: Params, nu: dict):
        """−2 ln L + Σ nuisance pulls + Σ physics pulls (up to a data constant)."""
        pulls = sum((n.pull(nu[n.name]) for n in self.nuisances), jnp.zeros(()))
        return self.data_chi2(params, nu) + pulls + gaussian_penalty(params, self.constraints)

    def profile_nuisances(self, params: Params) -> dict:
        """ν̂(params) minimising :meth:`chi2_at` (optimistix BFGS from the centres)."""
        names = self.nuisance_names
        if not names:
            return {}
        x0 = jnp.stack([self.nominal_nuisances()[n] for n in names])

        def fn(x, args):
            return self.chi2_at(params, dict(zip(names, x, strict=False)))

        sol = optx.minimise(fn, optx.BFGS(rtol=1e-10, atol=1e-12), x0, max_steps=500, throw=False)
        return dict(zip(names, sol.value, strict=False))

    def profile_chi2(self, params: Params):
        """χ² with the latent nuisances minimised."""
        return self.chi2_at(params, self.profile_nuisances(params))

    def __call__(self, params: Params):
        return self.profile_chi2(params)

    def bayes_log_likelihood(self, params: Params, *, prefix: str = "", analytic: bool = True):
        """Inside a NumPyro model: ln L with the latent nuisances integrated out,
        analytically (``analytic`` and ``analytic_marginal``) or as sample sites
        ``prefix + name`` with their constraint as prior. Physics pulls are *not*
        included (their parameters are sampled with the pull as prior by
        :mod:`cevnsjax.infer.bayes`). Returns ``(log_likelihood, chi2)``, χ² the
        analysis' χ² at this point (recorded as a deterministic site)."""
        import numpyro

        if self.analytic_marginal and analytic:
            return self.log_marginal_likelihood(params), self.profile_chi2(params)
        nu = {n.name: numpyro.sample(prefix + n.name, n.prior()) for n in self.nuisances}
        chi2 = self.data_chi2(params, nu)
        return -0.5 * chi2 + self.log_normaliser(), chi2

    def simulate(self, key, params: Params, nu: dict | None = None):
        """One data set: ν drawn from the constraints (unless given), then the data."""
        k_nu, k_data = jax.random.split(key)
        if nu is None:
            nu = self.draw_nuisances(k_nu)
        return self.draw(k_data, self.expected(params, nu))

    def draw_nuisances(self, key) -> dict:
        keys = jax.random.split(key, max(1, len(self.nuisances)))
        return {n.name: n.prior().sample(k) for n, k in zip(self.nuisances, keys, strict=False)}

    def asimov(self, params: Params) -> Analysis:
        """The analysis with its data replaced by the expectation at the constraint centres."""
        return self.with_data(self.expected(params, self.nominal_nuisances()))

    def without_constraints(self, names) -> Analysis:
        """The analysis without the physics pulls on ``names`` (they become priors when sampled)."""
        names = set(names)
        kept = tuple(c for c in self.constraints if c[0] not in names)
        return dataclasses.replace(self, constraints=kept) if kept != self.constraints else self


def _split(nu: dict, prefix: str) -> dict:
    return {k[len(prefix) :]: v for k, v in nu.items() if k.startswith(prefix)}


class CombinedAnalysis(Analysis):
    """A sum of analyses with shared physics parameters: −2 ln L adds up, each
    component keeps its own nuisances, prefixed ``"<name>/"``. Data is a tuple
    of the components' data. Physics pulls are those of the components (a
    parameter constrained by two components is an error: it would count twice)."""

    names: tuple[str, ...] = eqx.field(static=True)
    parts: tuple

    @property
    def nuisances(self):
        return tuple(
            n.renamed(f"{name}/{n.name}") for name, a in zip(self.names, self.parts, strict=False) for n in a.nuisances
        )

    @property
    def constraints(self):
        return tuple(c for a in self.parts for c in a.constraints)

    @property
    def analytic_marginal(self):  # type: ignore[override]
        return all(a.analytic_marginal or not a.nuisances for a in self.parts)

    @property
    def data(self):
        return tuple(a.data for a in self.parts)

    def with_data(self, data):
        return eqx.tree_at(
            lambda c: c.parts, self, tuple(a.with_data(d) for a, d in zip(self.parts, data, strict=False))
        )

    def expected(self, params, nu):
        return tuple(a.expected(params, _split(nu, f"{n}/")) for n, a in zip(self.names, self.parts, strict=False))

    def data_chi2(self, params, nu):
        return sum(a.data_chi2(params, _split(nu, f"{n}/")) for n, a in zip(self.names, self.parts, strict=False))

    def log_normaliser(self):
        return sum((a.log_normaliser() for a in self.parts), jnp.zeros(()))

    def draw(self, key, mean):
        keys = jax.random.split(key, len(self.parts))
        return tuple(a.draw(k, m) for a, k, m in zip(self.parts, keys, mean, strict=False))

    def profile_chi2(self, params):
        return sum(a.profile_chi2(params) for a in self.parts)  # nuisances are separate: minimise each

    def log_marginal_likelihood(self, params):
        return sum(
            a.log_marginal_likelihood(params) if a.nuisances else a.log_likelihood(params, {}) for a in self.parts
        )

    def bayes_log_likelihood(self, params, *, prefix: str = "", analytic: bool = True):
        total, chi2 = jnp.zeros(()), jnp.zeros(())
        for name, a in zip(self.names, self.parts, strict=False):
            ll, c = a.bayes_log_likelihood(params, prefix=f"{prefix}{name}/", analytic=analytic)
            total, chi2 = total + ll, chi2 + c
        return total, chi2

    def without_constraints(self, names):
        return eqx.tree_at(lambda c: c.parts, self, tuple(a.without_constraints(names) for a in self.parts))


def combine(**analyses) -> CombinedAnalysis:
    """``combine(conus_plus=a, conus_run5=b)``: the joint analysis (names prefix the nuisances)."""
    if not analyses:
        raise ValueError("combine: give at least one analysis, e.g. combine(conus_plus=analysis)")
    seen: dict[str, str] = {}
    for name, a in analyses.items():
        if not isinstance(a, Analysis):
            raise TypeError(f"combine: {name}={type(a).__name__} is not an Analysis")
        for c in a.constraints:
            if c[0] in seen:
                raise ParameterError(
                    f"combine: {c[0]!r} is constrained by both {seen[c[0]]!r} and {name!r}; "
                    "keep the constraint in one of them"
                )
            seen[c[0]] = name
    return CombinedAnalysis(tuple(analyses), tuple(analyses.values()))
