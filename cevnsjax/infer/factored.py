"""Factored objectives: the exact polynomial form of the expected counts in the
couplings, built once, so that scans over them cost a few multiply-adds per
point instead of a full forward model.

Why it is exact
---------------
The CEvNS amplitude is linear in the weak charge, and the weak charge is linear
in sin²θW, in the vector NSI couplings ε^{qV}_{αβ} and in the neutrino charge
radii ⟨r²⟩ (which shift g_V^p); the magnetic-moment cross-section adds
incoherently and is proportional to μν². Every stage after the cross-section
(flux average, recoil integration, quenching, detector response, binning) is
linear in it. The expected counts are therefore a polynomial of total degree
two in the parameters of :data:`POLYNOMIAL_PARAMETERS` (all others fixed):

    c(x) = c(x₀) + J (x − x₀) + ½ (x − x₀)ᵀ H (x − x₀)

with J and H the Jacobian and Hessian of the counts at x₀ (taken by automatic
differentiation, so the form is exact up to rounding, not a fit). The
likelihood is then evaluated from these counts as the analysis does it.

Safeguards
----------
* Only parameters in :data:`POLYNOMIAL_PARAMETERS` may vary: a scan over any
  other one (``quench_k``, ``flux_norm``, ...) is never factored.
* The form is checked against the full model at ``n_check`` random points of
  the scanned box; a relative difference above ``rtol`` (of the largest count)
  raises :class:`FactoringError` (the scans then fall back to the full model).
* Only objectives whose counts/likelihood split is known are factored:
  :class:`~cevnsjax.analyses.CountingAnalysis`, :class:`~cevnsjax.analyses.OnOffAnalysis`,
  the COHERENT analyses (their ``precompute`` stage), a
  :class:`~cevnsjax.analyses.CombinedAnalysis` of those, and any object with a
  method ``factored_parts()`` returning ``(counts(params), chi2(counts, params))``.

Scans (:mod:`cevnsjax.infer.scan`) use this automatically (``factored="auto"``)
when they are large enough for the one-off cost (a Hessian and a few checks)
to pay; ``factored=True`` insists (errors say why not), ``False`` never factors.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..parameters import Params

#: Parameters in which the expected counts are a polynomial of total degree ≤ 2.
POLYNOMIAL_PARAMETERS = frozenset(
    {
        "sin2_theta_w",
        "mu_nu",
        "r2_nue",
        "r2_numu",
        "r2_nutau",
        "eps_ee_uV",
        "eps_ee_dV",
        "eps_mumu_uV",
        "eps_mumu_dV",
        "eps_emu_uV",
        "eps_emu_dV",
        "eps_etau_uV",
        "eps_etau_dV",
    }
)

#: Scans of at least this many points are factored automatically.
AUTO_MIN_POINTS = 4096


class FactoringError(ValueError):
    """The objective cannot be written in factored form for this scan."""


# ---------------------------------------------------------------------------
# How each analysis splits into counts (polynomial) and χ² from counts (cheap)
# ---------------------------------------------------------------------------
def _counts(objective, params: Params):
    """The polynomial stage of a supported objective (see :func:`_splitter`)."""
    return _splitter(objective)[1](params)


class _CountsOf(eqx.Module):
    """x ↦ counts at ``params`` with the fields ``names`` set to x (a pytree, so
    that its compiled derivatives are reused across scans of the same analysis)."""

    objective: object
    params: Params
    names: tuple[str, ...] = eqx.field(static=True)

    def __call__(self, x):
        return _counts(self.objective, self.params.replace(**{n: x[i] for i, n in enumerate(self.names)}))


def _splitter(objective):
    """``(kind, counts_fn)`` for a supported objective, else ``None``."""
    from ..analyses import CombinedAnalysis, CountingAnalysis, OnOffAnalysis
    from ..analyses.coherent import CoherentAnalysis

    if hasattr(objective, "factored_parts"):
        return "custom", lambda p: objective.factored_parts()[0](p)
    if isinstance(objective, CountingAnalysis):
        return "counting", objective.predicted
    if isinstance(objective, OnOffAnalysis):
        from ..rates import expected_counts

        return "onoff", lambda p: expected_counts(p, objective.experiment)
    if isinstance(objective, CoherentAnalysis):
        return "coherent", objective.precompute
    if isinstance(objective, CombinedAnalysis):
        parts = [_splitter(a) for a in objective.parts]
        if all(s is not None for s in parts):
            fns = [s[1] for s in parts]
            return "combined", lambda p: tuple(f(p) for f in fns)
    return None


def _chi2_from_counts(objective, counts, params: Params):
    """The objective's value (profile χ²) from its polynomial stage ``counts``."""
    from ..analyses import CombinedAnalysis, CountingAnalysis, OnOffAnalysis
    from ..analyses.coherent import CoherentAnalysis
    from ..analyses.counting import counting_chi2
    from ..analyses.model import gaussian_penalty, poisson_deviance

    if hasattr(objective, "factored_parts"):
        return objective.factored_parts()[1](counts, params)
    if isinstance(objective, CountingAnalysis):
        a = objective
        return counting_chi2(counts, a.measured, a.sigma_alpha, a.sigma_stat2) + gaussian_penalty(params, a.constraints)
    if isinstance(objective, OnOffAnalysis):
        a, ex = objective, objective.experiment
        mask = ex.bin_mask
        bkg = (params.bkg_scale * a.background_flat + params.bkg_noise_scale * a.background_noise) * mask
        on = counts + bkg * ex.exposure[:, None]
        off = bkg * a.exposure_off[:, None]
        chi2 = poisson_deviance(a.on_counts * mask, jnp.where(mask > 0, on, 1.0)) + poisson_deviance(
            a.off_counts * mask, jnp.where(mask > 0, off, 1.0)
        )
        return chi2 + gaussian_penalty(params, a.constraints)
    if isinstance(objective, CoherentAnalysis):
        a = objective
        return a._chi2_pre(counts, params, a.nuisances_at(counts)) + gaussian_penalty(params, a.constraints)
    if isinstance(objective, CombinedAnalysis):
        return sum(_chi2_from_counts(a, c, params) for a, c in zip(objective.parts, counts, strict=True))
    raise FactoringError(f"no factored form for {type(objective).__name__}")  # pragma: no cover


# ---------------------------------------------------------------------------
# The quadratic form and the factored objective
# ---------------------------------------------------------------------------
class QuadraticCounts(eqx.Module):
    """c(x) = c₀ + J·(x − x₀) + ½ (x − x₀)ᵀ H (x − x₀), leaf by leaf of the counts pytree."""

    names: tuple[str, ...] = eqx.field(static=True)
    x0: jax.Array  # (k,)
    c0: object  # pytree of arrays (...)
    jac: object  # same tree, (..., k)
    hess: object  # same tree, (..., k, k)

    def __call__(self, x):
        dx = jnp.asarray(x) - self.x0
        k = len(self.names)

        def form(c, j, h):  # written out term by term: elementwise work that XLA fuses under vmap
            out = c
            for a in range(k):
                row = j[..., a] + 0.5 * h[..., a, a] * dx[a]
                for b in range(a + 1, k):
                    row = row + h[..., a, b] * dx[b]  # H is symmetric: each off-diagonal pair once
                out = out + row * dx[a]
            return out

        return jax.tree.map(form, self.c0, self.jac, self.hess)


class FactoredObjective(eqx.Module):
    """The objective with its counts replaced by their exact quadratic form;
    called like the objective, on :class:`~cevnsjax.Params`."""

    objective: object
    poly: QuadraticCounts

    def __call__(self, params: Params):
        x = jnp.stack([jnp.asarray(getattr(params, n), dtype=self.poly.x0.dtype) for n in self.poly.names])
        return _chi2_from_counts(self.objective, self.poly(x), params)


def quadratic_counts(
    objective, params: Params, names, box, *, n_check: int = 6, rtol: float = 1e-9, seed: int = 0
) -> QuadraticCounts:
    """The exact quadratic form of the counts of ``objective`` (its polynomial
    stage) in the parameters ``names`` over ``box`` = ``{name: (lo, hi)}``
    (expanded at the box centre), checked against the full model at
    ``n_check`` random points of the box.

    Raises :class:`FactoringError` if a name is not in
    :data:`POLYNOMIAL_PARAMETERS` or the check fails."""
    names = tuple(names)
    bad = [n for n in names if n not in POLYNOMIAL_PARAMETERS]
    if bad:
        raise FactoringError(
            f"the counts are not polynomial in {', '.join(bad)}; factored scans take only "
            f"{', '.join(sorted(POLYNOMIAL_PARAMETERS))}"
        )
    dtype = jnp.asarray(0.0).dtype
    lo = np.array([float(box[n][0]) for n in names])
    hi = np.array([float(box[n][1]) for n in names])

    f = _CountsOf(objective, params, names)
    x0 = jnp.asarray(0.5 * (lo + hi), dtype=dtype)
    c0, jac, hess = _taylor(f, x0)
    poly = QuadraticCounts(names, x0, c0, jac, hess)
    if n_check > 0:
        pts = lo + (hi - lo) * np.random.default_rng(seed).random((n_check, len(names)))
        full, approx = _compare(f, poly, jnp.asarray(pts, dtype=dtype))
        for a, b in zip(jax.tree.leaves(full), jax.tree.leaves(approx), strict=True):
            a, b = np.asarray(a), np.asarray(b)
            scale = max(float(np.max(np.abs(a))), 1e-300)
            err = float(np.max(np.abs(a - b))) / scale
            if not err <= rtol:
                raise FactoringError(
                    f"the quadratic form of the counts in {', '.join(names)} differs from the "
                    f"full model by {err:.2e} (relative) at a check point, above {rtol:g}; "
                    "scan the full model"
                )
    return poly


@eqx.filter_jit
def _taylor(f, x0):
    return f(x0), jax.jacfwd(f)(x0), jax.jacfwd(jax.jacfwd(f))(x0)


@eqx.filter_jit
def _compare(f, poly, pts):
    return jax.vmap(f)(pts), jax.vmap(poly)(pts)


def factor_objective(objective, params: Params, names, box, **check) -> FactoredObjective:
    """:class:`FactoredObjective` of ``objective`` for scans of ``names`` over
    ``box`` (see :func:`quadratic_counts` for the check and its options).
    Raises :class:`FactoringError` when it cannot."""
    split = _splitter(objective)
    if split is None:
        raise FactoringError(
            f"no factored form is known for {type(objective).__name__}; give it a method "
            "factored_parts() -> (counts(params), chi2(counts, params)) or scan with factored=False"
        )
    return FactoredObjective(objective, quadratic_counts(objective, params, names, box, **check))


def factor_for_scan(objective, params: Params, names, box, n_points: int, factored) -> tuple[object, dict]:
    """What a scan evaluates: the factored objective where allowed and
    possible, else ``objective``; with a note saying which and why.

    ``factored``: ``"auto"`` (factor scans of ≥ :data:`AUTO_MIN_POINTS` points
    when possible, silently fall back otherwise), ``True`` (factor or raise
    :class:`FactoringError`), ``False`` (never)."""
    if factored not in ("auto", True, False):
        raise ValueError(f"factored must be 'auto', True or False, got {factored!r}")
    if isinstance(objective, FactoredObjective) or factored is False:
        return objective, {"factored": isinstance(objective, FactoredObjective)}
    if factored == "auto":
        if n_points < AUTO_MIN_POINTS:
            return objective, {"factored": False, "factored_reason": f"fewer than {AUTO_MIN_POINTS} points"}
        if any(n not in POLYNOMIAL_PARAMETERS for n in names) or _splitter(objective) is None:
            why = [n for n in names if n not in POLYNOMIAL_PARAMETERS]
            return objective, {
                "factored": False,
                "factored_reason": (
                    f"not polynomial in {', '.join(why)}" if why else f"no factored form for {type(objective).__name__}"
                ),
            }
        try:
            return factor_objective(objective, params, names, box), {"factored": True}
        except FactoringError as err:
            return objective, {"factored": False, "factored_reason": str(err)}
    return factor_objective(objective, params, names, box), {"factored": True}
