"""Detection efficiency ε(x) on the *reconstructed* observable x.

x is in the internal unit of the detector's bins: MeV for energy bins
(eVee, keVee, keVnr), photoelectrons for PE bins; block fields are given in
the bin unit and converted once. Each curve is an :class:`equinox.Module`
evaluated as ``eff(x, nuis)``; ``nuis.eff_shift`` moves the curve to higher x
and ``nuis.eff_width_scale`` stretches its width. Members (``"type"``):

* ``"none"`` — ε = 1.
* ``"step"`` — ε = 1[x ≥ threshold + shift] (threshold: the block's
  ``"threshold"`` or the first bin edge). Responses that integrate over x move
  their lower limit to the step (``cut``), so the result is differentiable in
  the shift.
* ``"erf"`` — ε = ½ [1 + erf((x − e50 − shift) / (√2 · width · width_scale))].
* ``"logistic"`` — ε = max(A / (1 + exp(−(x − center − shift) / (width ·
  width_scale))) + offset, 0) with A = ``amplitude`` and A + offset ≤ 1. COHERENT CsI[Na] 2021
  (arXiv:2110.07730, data release) use this form in PE with
  (A, 1/width, center, offset) = (1.32045, 0.285979 PE⁻¹, 10.8646 PE, −0.333322).
* ``"tabulated"`` — ``"energy"`` (bin unit) and ``"efficiency"`` in [0, 1],
  monotone cubic Hermite (:mod:`cevnsjax.interpolation`; no overshoot, so the
  curve stays in [0, 1]). Outside the table the end values are held: a table
  should start where ε reaches its low plateau (usually 0) and end on its high
  one. The width scale stretches the curve about ``x50``, the first point where
  the table reaches half its maximum: ε(x50 + (x − shift − x50) / width_scale).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import erf

from ..interpolation import hermite_eval, monotone_slopes
from .spec import Bins, DetectorError, Nuisances, check_block, member_type, number, read_table, table_schema

SQRT2 = 1.4142135623730951
_BIG = 1e7  # bound on block numbers (in the bin unit)


def trigger_efficiency(energy, e50, width):
    """Error-function trigger efficiency at reconstructed energy ``energy``."""
    return 0.5 * (1.0 + erf((energy - e50) / (SQRT2 * width)))


class NoEfficiency(eqx.Module):
    """ε = 1."""

    has_cut = False

    def __call__(self, x, nuis: Nuisances):
        return jnp.ones_like(x)


class StepEfficiency(eqx.Module):
    """ε = 1[x ≥ threshold + eff_shift]; ``cut`` gives the step position."""

    threshold: jax.Array
    has_cut = True

    def cut(self, nuis: Nuisances):
        return self.threshold + nuis.eff_shift

    def __call__(self, x, nuis: Nuisances):
        return jnp.where(x >= self.cut(nuis), 1.0, 0.0)


class ErfEfficiency(eqx.Module):
    """Error-function curve with 50 % point ``e50`` and width ``width``."""

    e50: jax.Array
    width: jax.Array
    has_cut = False

    def __call__(self, x, nuis: Nuisances):
        return trigger_efficiency(x, self.e50 + nuis.eff_shift, self.width * nuis.eff_width_scale)


class LogisticEfficiency(eqx.Module):
    """Logistic curve ``max(amplitude · sigmoid((x − center)/width) + offset, 0)``.

    With a negative offset the curve is zero below its root; ``cut`` gives the
    root so that integrating responses start there (the kink is then at an
    integration limit and the quadrature stays accurate).
    """

    center: jax.Array
    width: jax.Array
    amplitude: jax.Array
    offset: jax.Array
    has_cut: bool = eqx.field(static=True, default=False)

    def cut(self, nuis: Nuisances):
        # root of amplitude · sigmoid(z) + offset = 0: z = logit(−offset / amplitude)
        p = -self.offset / self.amplitude
        return self.center + nuis.eff_shift + self.width * nuis.eff_width_scale * jnp.log(p / (1.0 - p))

    def __call__(self, x, nuis: Nuisances):
        z = (x - self.center - nuis.eff_shift) / (self.width * nuis.eff_width_scale)
        return jnp.maximum(self.amplitude * jax.nn.sigmoid(z) + self.offset, 0.0)


class TabulatedEfficiency(eqx.Module):
    """Monotone cubic Hermite through a table; end values held outside it."""

    knots: jax.Array
    values: jax.Array
    slopes: jax.Array
    x50: jax.Array
    has_cut = False

    def __call__(self, x, nuis: Nuisances):
        u = self.x50 + (x - nuis.eff_shift - self.x50) / nuis.eff_width_scale
        return hermite_eval(self.knots, self.values, self.slopes, u)


Efficiency = NoEfficiency | StepEfficiency | ErfEfficiency | LogisticEfficiency | TabulatedEfficiency

_SOURCE = {"type": "string"}


def _simple(name: str, required: list[str], props: dict) -> dict:
    return {
        "type": "object",
        "required": ["type", *required],
        "additionalProperties": False,
        "properties": {"type": {"const": name}, "source": _SOURCE, **props},
    }


_SCHEMAS = {
    "none": _simple("none", [], {}),
    "step": _simple("step", [], {"threshold": number(0.0, _BIG)}),
    "erf": _simple(
        "erf", ["e50", "width"], {"e50": number(-_BIG, _BIG), "width": number(0.0, _BIG, exclusive_min=True)}
    ),
    "logistic": _simple(
        "logistic",
        ["center", "width"],
        {
            "center": number(-_BIG, _BIG),
            "width": number(0.0, _BIG, exclusive_min=True),
            "amplitude": number(0.0, 10.0, exclusive_min=True),
            "offset": number(-10.0, 1.0),
        },
    ),
    "tabulated": table_schema("tabulated", "energy", "efficiency", number(0.0, 1.0), {"source": _SOURCE}),
}

EFFICIENCY_MODELS = {
    "none": NoEfficiency,
    "step": StepEfficiency,
    "erf": ErfEfficiency,
    "logistic": LogisticEfficiency,
    "tabulated": TabulatedEfficiency,
}


def efficiency_schema() -> dict:
    """JSON Schema of an efficiency block (``oneOf`` the members)."""
    return {"oneOf": list(_SCHEMAS.values())}


def _half_point(x: np.ndarray, eff: np.ndarray, slopes: np.ndarray) -> float:
    """First x where the interpolated table reaches half its maximum (numpy)."""
    fine = np.linspace(x[0], x[-1], 20001)
    values = np.asarray(hermite_eval(x, eff, slopes, fine))
    above = np.nonzero(values >= 0.5 * values.max())[0][0]
    if above == 0:
        return float(fine[0])
    x0, x1, y0, y1 = fine[above - 1], fine[above], values[above - 1], values[above]
    return float(x0 + (0.5 * values.max() - y0) * (x1 - x0) / (y1 - y0))


def build_efficiency(block: dict, bins: Bins, base_dir=None, origin: str = "efficiency") -> Efficiency:
    """Build an efficiency curve; numbers in ``block`` are in ``bins.unit``."""
    kind = member_type(block, EFFICIENCY_MODELS, origin)
    check_block(block, _SCHEMAS[kind], origin)
    s = bins.scale
    a = lambda v: jnp.asarray(float(v) * s)  # noqa: E731 - bin unit -> internal
    if kind == "none":
        return NoEfficiency()
    if kind == "step":
        return StepEfficiency(a(block.get("threshold", bins.edges[0])))
    if kind == "erf":
        return ErfEfficiency(a(block["e50"]), a(block["width"]))
    if kind == "logistic":
        amplitude, offset = float(block.get("amplitude", 1.0)), float(block.get("offset", 0.0))
        if amplitude + offset > 1.0 or amplitude + offset <= 0.0:
            raise DetectorError(
                f"{origin}.amplitude: the plateau amplitude + offset = {amplitude + offset:g} must lie in (0, 1]"
            )
        return LogisticEfficiency(
            a(block["center"]), a(block["width"]), jnp.asarray(amplitude), jnp.asarray(offset), has_cut=offset < 0.0
        )
    x, eff = read_table(block, "energy", "efficiency", base_dir, origin)
    if np.any(eff < 0.0) or np.any(eff > 1.0):
        raise DetectorError(f"{origin}.efficiency: values must lie in [0, 1]")
    if eff.max() <= 0.0:
        raise DetectorError(f"{origin}.efficiency: the table is zero everywhere; give a curve that reaches its plateau")
    x = x * s
    slopes = monotone_slopes(x, eff)
    return TabulatedEfficiency(
        jnp.asarray(x), jnp.asarray(eff), jnp.asarray(slopes), jnp.asarray(_half_point(x, eff, slopes))
    )
