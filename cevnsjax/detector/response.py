"""Detector responses: P(bin | μ) for a true observable energy μ.

μ is the quenched energy [MeV ee], or the recoil energy [MeV nr] with
quenching ``"none"``. Each response is an :class:`equinox.Module` found by name
in :data:`RESPONSE_MODELS`, built by :func:`build_response` and evaluated as
``resp.bin_probability(mu, nuis) -> (len(mu), n_bins)``. Members:

* ``"ideal"`` — no smearing, a step efficiency at the first bin edge:
  P(b | μ) = 1[lo_b ≤ μ · energy_scale < hi_b].
* ``"gaussian"`` — efficiency ε on the reconstructed energy E′
  (:mod:`.efficiency`) and a Gaussian around E = μ · energy_scale with σ(E)
  from :mod:`.resolution`:

      P(b | μ) = ∫_{lo_b}^{hi_b} ε(E′) N(E′; E, σ(E)) dE′,

  evaluated by :func:`windowed_integral`: a Gauss–Legendre rule of ``nodes``
  points mapped onto the part of the bin within ``window_sigma`` standard
  deviations of E (outside it the Gaussian is below e^{−w²/2}, 2e-11 for the
  default 7), so the cost is fixed and the moving limits are differentiable.
  Accuracy when a bin holds the whole ±7σ window (the worst case): 8e-5 with
  16 nodes, 3e-9 with 24, 1e-14 with 32 (the default).
* ``"photoelectron"`` — :mod:`.photoelectrons`.

``sharp_edges()`` lists the μ [MeV] where P jumps (at nominal energy scale),
so the recoil quadrature can put node boundaries at their preimages;
``lowest_relevant_energy(extreme)`` is the lowest μ [MeV] whose probability to
reach the first bin can exceed zero (ideal, gaussian: the integral is exactly
zero beyond the window) or 1e-12 (photoelectrons), for nuisances ``extreme``
at the values of largest reach (largest energy_scale, res_scale, fano,
light_yield_scale).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from ..quadrature import map_nodes
from .efficiency import Efficiency, build_efficiency, efficiency_schema, trigger_efficiency
from .photoelectrons import PhotoelectronResponse, photoelectron_schema
from .resolution import Resolution, build_resolution, resolution_schema
from .spec import Bins, DetectorError, Nuisances, check_block, make_bins, member_type

SQRT2PI = 2.5066282746310002


def windowed_integral(mu, sigma, lo, hi, efficiency, order: int, window: float = 7.0):
    """∫_lo^hi ε(E′) N(E′; μ, σ) dE′ for every μ and every bin.

    ``mu``, ``sigma``: shape ``(...)``; ``lo``, ``hi``: ``(n_bins,)`` (lo may
    already be raised to an efficiency step); ``efficiency``: callable on E′.
    Result ``(..., n_bins)``.
    """
    mu = mu[..., None]
    sigma = sigma[..., None]
    a = jnp.maximum(lo, mu - window * sigma)
    b = jnp.minimum(hi, mu + window * sigma)
    nodes, weights = map_nodes(a, b, order)
    z = (nodes - mu[..., None]) / sigma[..., None]
    pdf = jnp.exp(-0.5 * z**2) / (SQRT2PI * sigma[..., None])
    return jnp.sum(weights * efficiency(nodes) * pdf, axis=-1)


def bin_response(mu, sigma, lo, hi, e50, eff_width, order: int, window: float = 7.0):
    """P(μ) = ∫_lo^hi ε(E′) N(E′; μ, σ) dE′ with the erf efficiency (e50, eff_width).

    Shapes: ``mu``, ``sigma`` broadcast to ``(..., 1)`` against bins ``lo``,
    ``hi`` of shape ``(n_bins,)``; result ``(..., n_bins)``.
    """
    return windowed_integral(mu, sigma, lo, hi, lambda e: trigger_efficiency(e, e50, eff_width), order, window)


class IdealResponse(eqx.Module):
    """P(b | μ) = 1[lo_b ≤ μ · energy_scale < hi_b]."""

    lo: jax.Array
    hi: jax.Array
    edges_MeV: tuple = eqx.field(static=True)

    def bin_probability(self, mu, nuis: Nuisances):
        e = (jnp.asarray(mu) * nuis.energy_scale)[..., None]
        return jnp.where((e >= self.lo) & (e < self.hi), 1.0, 0.0)

    def sharp_edges(self) -> tuple:
        return self.edges_MeV

    def lowest_relevant_energy(self, extreme: Nuisances) -> float:
        return self.edges_MeV[0] / float(extreme.energy_scale)


class GaussianResponse(eqx.Module):
    """Efficiency × Gaussian resolution integrated over each bin (see module doc)."""

    lo: jax.Array  # bin edges [MeV]
    hi: jax.Array
    efficiency: Efficiency
    resolution: Resolution
    order: int = eqx.field(static=True, default=32)
    window: float = eqx.field(static=True, default=7.0)

    def bin_probability(self, mu, nuis: Nuisances):
        e = jnp.asarray(mu) * nuis.energy_scale
        sigma = self.resolution.sigma(e, nuis)
        lo = self.lo
        if self.efficiency.has_cut:  # a step efficiency raises the lower limits
            lo = jnp.maximum(lo, self.efficiency.cut(nuis))
        return windowed_integral(e, sigma, lo, self.hi, lambda x: self.efficiency(x, nuis), self.order, self.window)

    def sharp_edges(self) -> tuple:
        return ()

    def lowest_relevant_energy(self, extreme: Nuisances) -> float:
        target = float(self.lo[0])

        def reach(e):  # upper end of the integration window minus the first edge
            return e + self.window * float(self.resolution.sigma(jnp.asarray(e), extreme)) - target

        if reach(0.0) >= 0.0:
            return 0.0
        from scipy.optimize import brentq  # set-up only: keeps scipy out of the import

        return brentq(reach, 0.0, target, xtol=1e-15, rtol=1e-12) / float(extreme.energy_scale)


_NUMERICS = {
    "nodes": {"type": "integer", "minimum": 4, "maximum": 512},
    "window_sigma": {"type": "number", "minimum": 4, "maximum": 12},
}


def _ideal_schema() -> dict:
    return {
        "type": "object",
        "required": ["type"],
        "additionalProperties": False,
        "properties": {"type": {"const": "ideal"}, "source": {"type": "string"}},
    }


def _gaussian_schema() -> dict:
    return {
        "type": "object",
        "required": ["type", "efficiency", "resolution"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": "gaussian"},
            "efficiency": efficiency_schema(),
            "resolution": resolution_schema(),
            "source": {"type": "string"},
            **_NUMERICS,
        },
    }


def _check_shallow(block: dict, schema: dict, origin: str) -> None:
    """Schema check of a block's own fields; sub-blocks are checked by their builders."""
    shallow = dict(
        schema,
        properties={k: ({} if k in ("efficiency", "resolution") else v) for k, v in schema["properties"].items()},
    )
    check_block(block, shallow, origin)


def _energy_bins(bins: Bins, kind: str, origin: str) -> None:
    if bins.observable == "PE":
        raise DetectorError(
            f"{origin}.type: the {kind!r} response needs energy bins (eVee, keVee, keVnr), got PE; "
            "use the 'photoelectron' response for PE bins"
        )


def _build_ideal(block, bins: Bins, base_dir, origin):
    _energy_bins(bins, "ideal", origin)
    check_block(block, _ideal_schema(), origin)
    e = bins.internal
    return IdealResponse(jnp.asarray(e[:-1]), jnp.asarray(e[1:]), tuple(float(v) for v in e))


def _build_gaussian(block, bins: Bins, base_dir, origin):
    _energy_bins(bins, "gaussian", origin)
    _check_shallow(block, _gaussian_schema(), origin)
    eff = build_efficiency(block["efficiency"], bins, base_dir, f"{origin}.efficiency")
    res = build_resolution(block["resolution"], bins, base_dir, f"{origin}.resolution")
    e = bins.internal
    return GaussianResponse(
        jnp.asarray(e[:-1]),
        jnp.asarray(e[1:]),
        eff,
        res,
        order=int(block.get("nodes", 32)),
        window=float(block.get("window_sigma", 7.0)),
    )


def _build_photoelectron(block, bins: Bins, base_dir, origin):
    if bins.observable != "PE":
        raise DetectorError(f"{origin}.type: the 'photoelectron' response needs PE bins, got {bins.unit}")
    return PhotoelectronResponse.from_block(block, bins, base_dir, origin)


#: response member name -> builder(block, bins, base_dir, origin)
RESPONSE_MODELS = {"ideal": _build_ideal, "gaussian": _build_gaussian, "photoelectron": _build_photoelectron}

Response = IdealResponse | GaussianResponse | PhotoelectronResponse


def response_schema() -> dict:
    """JSON Schema of a response block: ``oneOf`` the members' schemas."""
    return {"oneOf": [_ideal_schema(), _gaussian_schema(), photoelectron_schema()]}


def build_response(block: dict, bins, base_dir=None, origin: str = "response") -> Response:
    """Build the response named by ``block["type"]`` for analysis ``bins``
    (``{"unit": "eVee" | "keVee" | "keVnr" | "PE", "edges": [...]}``);
    numbers in the block are in the bin unit. Raises :class:`DetectorError`."""
    bins = make_bins(bins, f"{origin} bins")
    kind = member_type(block, RESPONSE_MODELS, origin)
    return RESPONSE_MODELS[kind](block, bins, base_dir, origin)
