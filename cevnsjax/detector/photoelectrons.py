"""Photoelectron responses of scintillators (e.g. CsI[Na]) binned in PE.

Mean number of photoelectrons for a true energy μ [MeV ee]:

    n̄ = LY [PE/keVee] · μ [keVee] · light_yield_scale · energy_scale.

Smearing of the detected PE count x (``"smearing"``):

* ``"poisson"`` — x = n ~ Poisson(n̄); integer bin edges; P(bin [a, b)) =
  Σ_{n=a}^{b−1} ε(n) Poisson(n; n̄), summed exactly over n = 0 … last edge − 1
  (fixed cost; differentiable in n̄).
* ``"gamma"`` — the COHERENT CsI[Na] 2021 form (arXiv:2110.07730, data release):
  P(x) = (a(1+b))^{1+b} / Γ(1+b) · x^b e^{−a(1+b)x} with a = 1/n̄ and
  b = c · n̄, i.e. a gamma distribution of shape 1 + c n̄ and scale
  n̄ / (1 + c n̄): mean n̄, variance n̄² / (1 + c n̄) (→ n̄ / c for large n̄).
  COHERENT quote a = 0.0749/E[keVee], b = 9.56 E[keVee] with LY = 13.35
  PE/keVee, i.e. c = 9.56 / 13.35 = 0.716 PE⁻¹ (``"shape_per_PE"``).
  With the CDF F, P(bin [a, b)) = ∫_a^b ε F′ dx is evaluated by parts,
  ε(b)F(b) − ε(a)F(a) − ∫_a^b ε′ F dx, the last integral by a fixed
  Gauss–Legendre rule of ``nodes`` points per bin (absent for ε = 1).

Then the PE efficiency ε (:mod:`.efficiency`, in PE: erf, logistic,
tabulated, step or none).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammainc, gammaln

from .. import units
from ..quadrature import map_nodes
from .efficiency import Efficiency, NoEfficiency, StepEfficiency, build_efficiency, efficiency_schema
from .spec import Bins, DetectorError, Nuisances, check_block, number

_TAIL = 1e-12  # probability below which a true energy cannot reach the first bin
_MAX_PE = 20000


def poisson_pmf(n, mean):
    """Poisson(n; mean) for integer-valued ``n`` (float array), finite gradients at mean = 0."""
    positive = mean > 0
    safe = jnp.where(positive, mean, 1.0)
    log_pmf = n * jnp.log(safe) - safe - gammaln(n + 1.0)
    return jnp.where(positive, jnp.exp(log_pmf), jnp.where(n == 0, 1.0, 0.0))


def gamma_cdf(x, mean, shape_per_pe):
    """CDF at x [PE] of the gamma distribution of shape 1 + c n̄ and scale n̄/(1 + c n̄)."""
    positive = mean > 0
    safe = jnp.where(positive, mean, 1.0)
    shape = 1.0 + shape_per_pe * safe
    cdf = gammainc(shape, jnp.maximum(x, 0.0) * shape / safe)
    return jnp.where(positive, cdf, jnp.where(x > 0, 1.0, 0.0))


class PhotoelectronResponse(eqx.Module):
    """PE smearing (Poisson or gamma) and a PE efficiency; see module doc."""

    light_yield: jax.Array  # [PE / MeV ee]
    shape_per_pe: jax.Array  # c [1/PE] of the gamma smearing
    lo: jax.Array  # bin edges [PE]
    hi: jax.Array
    efficiency: Efficiency
    assign: jax.Array | None  # (n_max, n_bins) 0/1: PE count n -> bin (Poisson)
    smearing: str = eqx.field(static=True, default="poisson")
    order: int = eqx.field(static=True, default=16)

    def mean_pe(self, mu, nuis: Nuisances):
        """n̄ for true energies ``mu`` [MeV ee]."""
        return self.light_yield * nuis.light_yield_scale * nuis.energy_scale * jnp.asarray(mu)

    def bin_probability(self, mu, nuis: Nuisances):
        mean = self.mean_pe(mu, nuis)[..., None]
        if self.smearing == "poisson":
            n = jnp.arange(self.assign.shape[0], dtype=mean.dtype)
            return (poisson_pmf(n, mean) * self.efficiency(n, nuis)) @ self.assign
        lo = self.lo
        if self.efficiency.has_cut:
            lo = jnp.clip(self.efficiency.cut(nuis), self.lo, self.hi)
        n_bins = self.lo.shape[0]
        points = [lo, self.hi]
        quadrature = not isinstance(self.efficiency, (NoEfficiency, StepEfficiency))
        if quadrature:
            nodes, weights = map_nodes(lo, self.hi, self.order)  # (n_bins, order)
            points.append(nodes.ravel())
        # one call of the incomplete gamma function for all points (one compiled kernel)
        cdf = gamma_cdf(jnp.concatenate(points), mean, self.shape_per_pe)
        out = (
            self.efficiency(self.hi, nuis) * cdf[..., n_bins : 2 * n_bins]
            - self.efficiency(lo, nuis) * cdf[..., :n_bins]
        )
        if quadrature:
            _, slope = jax.jvp(lambda x: self.efficiency(x, nuis), (nodes,), (jnp.ones_like(nodes),))
            at_nodes = cdf[..., 2 * n_bins :].reshape(cdf.shape[:-1] + nodes.shape)
            out = out - jnp.sum(weights * slope * at_nodes, axis=-1)
        return out

    def sharp_edges(self) -> tuple:
        return ()

    def lowest_relevant_energy(self, extreme: Nuisances) -> float:
        first = float(self.lo[0])
        if first <= 0.0:
            return 0.0
        from scipy import stats  # imported here: scipy.stats takes ~0.6 s to import, a cost every command would pay

        if self.smearing == "poisson":
            tail = lambda m: stats.poisson.sf(first - 1.0, m)  # noqa: E731 - P(n >= first)
        else:
            c = float(self.shape_per_pe)
            tail = lambda m: stats.gamma.sf(first, 1.0 + c * m, scale=m / (1.0 + c * m))  # noqa: E731
        from scipy.optimize import brentq  # set-up only: keeps scipy out of the import

        log_mean = brentq(
            lambda u: math.log(max(tail(math.exp(u)), 1e-300)) - math.log(_TAIL), math.log(1e-12), math.log(first)
        )
        per_mev = float(self.light_yield) * float(extreme.light_yield_scale) * float(extreme.energy_scale)
        return math.exp(log_mean) / per_mev

    @classmethod
    def from_block(cls, block: dict, bins: Bins, base_dir, origin: str):
        _check_own_fields(block, origin)
        edges = bins.edges
        smearing = block["smearing"]
        eff = build_efficiency(block.get("efficiency", {"type": "none"}), bins, base_dir, f"{origin}.efficiency")
        assign = None
        if smearing == "poisson":
            if np.any(np.abs(edges - np.round(edges)) > 1e-9) or edges[-1] > _MAX_PE:
                raise DetectorError(f"{origin} bins.edges: Poisson smearing needs integer PE edges up to {_MAX_PE}")
            n = np.arange(round(edges[-1]))
            assign = jnp.asarray(((n[:, None] >= edges[None, :-1]) & (n[:, None] < edges[None, 1:])).astype(np.float64))
        elif "shape_per_PE" not in block:
            raise DetectorError(f"{origin}.shape_per_PE: required for gamma smearing (COHERENT CsI 2021: 0.716)")
        return cls(
            jnp.asarray(block["light_yield_PE_per_keVee"] / units.keV),
            jnp.asarray(float(block.get("shape_per_PE", 0.0))),
            jnp.asarray(edges[:-1]),
            jnp.asarray(edges[1:]),
            eff,
            assign,
            smearing=smearing,
            order=int(block.get("nodes", 16)),
        )


def photoelectron_schema() -> dict:
    """JSON Schema of a photoelectron response block."""
    return {
        "type": "object",
        "required": ["type", "light_yield_PE_per_keVee", "smearing"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": "photoelectron"},
            "light_yield_PE_per_keVee": number(0.0, 1e4, exclusive_min=True),
            "smearing": {"enum": ["poisson", "gamma"]},
            "shape_per_PE": number(0.0, 100.0),
            "efficiency": efficiency_schema(),
            "nodes": {"type": "integer", "minimum": 4, "maximum": 512},
            "source": {"type": "string"},
        },
    }


def _check_own_fields(block: dict, origin: str) -> None:
    schema = photoelectron_schema()
    schema["properties"]["efficiency"] = {}  # checked by build_efficiency, with its own path
    check_block(block, schema, origin)
