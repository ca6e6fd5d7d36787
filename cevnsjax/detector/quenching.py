"""Quenching: nuclear recoil energy → the detector's observable-true energy.

Each model is an :class:`equinox.Module` found by name in
:data:`QUENCHING_MODELS`, built from a spec block by :func:`build_quenching`
and evaluated as ``model.quenched(recoil [MeV], Z, nuis) -> [MeV ee]`` (Z of
the recoiling element; compounds call it per element). Members:

* ``"lindhard"`` — Lindhard et al. (1963), physics spec §4:
  ε = 11.5 Z^{−7/3} T[keV], g(ε) = 3 ε^0.15 + 0.7 ε^0.6 + ε,
  Y = k g / (1 + k g), E_ee = Y · T, with k = ``nuis.quench_k``. For
  germanium CONUS measured k = 0.162 ± 0.004 (Bonhomme et al., Eur. Phys. J. C
  82 (2022) 815, arXiv:2202.03754). The map is explicit in T, so it is
  differentiable in k and T without root finding.
* ``"tabulated"`` — a measured quenching factor Y(T), monotone cubic Hermite
  (:mod:`cevnsjax.interpolation`), E_ee = quench_scale · Y(T) · T.
* ``"polynomial"`` — E_ee[keVee] = quench_scale · Σ_i c_i (T[keVnr])^i.
* ``"none"`` — the detector measures the recoil energy itself (E = T, nr).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import units
from ..interpolation import hermite_eval, monotone_slopes
from .spec import DetectorError, Nuisances, array_of, check_block, member_type, number, read_table, table_schema

# --- the Lindhard functions (pure, used directly by the model) ----------------


def lindhard_epsilon(recoil, Z):
    """Reduced energy ε for recoil ``recoil`` [MeV] in a material of atomic number Z."""
    return 11.5 * Z ** (-7.0 / 3.0) * (recoil / units.keV)


def lindhard_yield_from_epsilon(epsilon, k, xp=jnp):
    """Quenching factor Y(ε; k); Y → 0 as ε → 0 with finite gradients at ε = 0.
    ``xp``: the array module (``numpy`` for set-up code that needs no tracing)."""
    positive = epsilon > 0
    eps = xp.where(positive, epsilon, 1.0)  # double-where for ε^0.15 at 0
    g = 3.0 * eps**0.15 + 0.7 * eps**0.6 + eps
    y = k * g / (1.0 + k * g)
    return xp.where(positive, y, 0.0)


def lindhard_yield(recoil, Z, k, xp=jnp):
    """Lindhard quenching factor for recoil ``recoil`` [MeV]."""
    return lindhard_yield_from_epsilon(lindhard_epsilon(recoil, Z), k, xp)


def ionisation_energy(recoil, Z, k, xp=jnp):
    """Electron-equivalent ionisation energy E_ee = Y T [MeV] for recoil T [MeV]."""
    return lindhard_yield(recoil, Z, k, xp) * recoil


# --- the models ----------------------------------------------------------------

_SOURCE = {"type": "string"}
_UNBOUNDED = (0.0, math.inf)


class LindhardQuenching(eqx.Module):
    """Lindhard quenching with k from ``nuis.quench_k``; the block's optional
    ``"k"`` documents the nominal value only (the parameter value wins)."""

    k_nominal: float | None = eqx.field(static=True, default=None)
    observable: str = eqx.field(static=True, default="ee")
    valid_range_MeV: tuple = eqx.field(static=True, default=_UNBOUNDED)

    def quenched(self, recoil, Z, nuis: Nuisances):
        """E_ee [MeV] for recoil [MeV] of an element of atomic number Z."""
        return ionisation_energy(recoil, Z, nuis.quench_k)

    @staticmethod
    def schema() -> dict:
        return {
            "type": "object",
            "required": ["type"],
            "additionalProperties": False,
            "properties": {"type": {"const": "lindhard"}, "k": number(0.0, 1.0, exclusive_min=True), "source": _SOURCE},
        }

    @classmethod
    def from_block(cls, block: dict, base_dir, origin: str):
        return cls(k_nominal=block.get("k"))


class TabulatedQuenching(eqx.Module):
    """Quenching factor Y(T) interpolated in a table (monotone cubic Hermite,
    Fritsch–Carlson slopes), E_ee = ``nuis.quench_scale`` · Y(T) · T.

    Outside the table the end values of Y are held ("clamp", the only choice
    possible under jit); ``valid_range_MeV`` records the table's range so that
    the experiment builder can check the recoils of interest lie inside.
    """

    recoil_knots: jax.Array  # [MeV]
    factor: jax.Array  # Y at the knots
    slopes: jax.Array  # dY/dT at the knots [1/MeV]
    observable: str = eqx.field(static=True, default="ee")
    valid_range_MeV: tuple = eqx.field(static=True, default=_UNBOUNDED)

    def quenching_factor(self, recoil, nuis: Nuisances):
        """Y(T) · quench_scale at recoil [MeV]."""
        return nuis.quench_scale * hermite_eval(self.recoil_knots, self.factor, self.slopes, recoil)

    def quenched(self, recoil, Z, nuis: Nuisances):
        """E_ee [MeV] for recoil [MeV] (Z unused: the table is per material)."""
        return self.quenching_factor(recoil, nuis) * recoil

    @staticmethod
    def schema() -> dict:
        return table_schema(
            "tabulated", "recoil_keVnr", "quenching_factor", number(0.0, 1.0, exclusive_min=True), {"source": _SOURCE}
        )

    @classmethod
    def from_block(cls, block: dict, base_dir, origin: str):
        t_kev, y = read_table(block, "recoil_keVnr", "quenching_factor", base_dir, origin)
        if np.any(y <= 0.0) or np.any(y > 1.0):
            raise DetectorError(f"{origin}.quenching_factor: values must lie in (0, 1]")
        t = t_kev * units.keV
        return cls(
            jnp.asarray(t),
            jnp.asarray(y),
            jnp.asarray(monotone_slopes(t, y)),
            valid_range_MeV=(float(t[0]), float(t[-1])),
        )


class PolynomialQuenching(eqx.Module):
    """E_ee[keVee] = ``nuis.quench_scale`` · Σ_i c_i (T[keVnr])^i.

    Polynomial forms are what COHERENT publish: CsI[Na] 2021 (arXiv:2110.07730,
    data release) gives E_ee = a x + b x² + c x³ + d x⁴ with x in MeVnr and
    (a, b, c, d) = (0.0554628, 4.30681, −111.707, 840.384), i.e.
    ``coefficients_keV`` = [0, 0.0554628, 4.30681e-3, −1.11707e-4, 8.40384e-7];
    LAr 2020 (COHERENT, PRL 126 (2021) 012002, arXiv:2003.10630) gives
    QF = 0.246 + 7.8e-4 T[keVnr], i.e. ``coefficients_keV`` = [0, 0.246, 7.8e-4].
    The optional ``valid_range_keVnr`` records where the fit holds.
    """

    coefficients: jax.Array  # c_i in keVee / keVnr^i
    observable: str = eqx.field(static=True, default="ee")
    valid_range_MeV: tuple = eqx.field(static=True, default=_UNBOUNDED)

    def quenched(self, recoil, Z, nuis: Nuisances):
        """E_ee [MeV] for recoil [MeV] (Horner's scheme in keV)."""
        x = recoil / units.keV
        acc = jnp.zeros_like(x) + self.coefficients[-1]
        for c in self.coefficients[-2::-1]:  # static length: unrolled at trace time
            acc = acc * x + c
        return nuis.quench_scale * acc * units.keV

    @staticmethod
    def schema() -> dict:
        return {
            "type": "object",
            "required": ["type", "coefficients_keV"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "polynomial"},
                "coefficients_keV": array_of(number(-1e6, 1e6), min_items=1),
                "valid_range_keVnr": {"type": "array", "minItems": 2, "maxItems": 2, "items": number(0.0, 1e7)},
                "source": _SOURCE,
            },
        }

    @classmethod
    def from_block(cls, block: dict, base_dir, origin: str):
        coeffs = np.asarray(block["coefficients_keV"], dtype=np.float64)
        valid = _UNBOUNDED
        if "valid_range_keVnr" in block:
            lo, hi = block["valid_range_keVnr"]
            if not hi > lo:
                raise DetectorError(f"{origin}.valid_range_keVnr: need [low, high] with high > low")
            valid = (lo * units.keV, hi * units.keV)
        return cls(jnp.asarray(coeffs), valid_range_MeV=valid)


class NoQuenching(eqx.Module):
    """The detector measures nuclear-recoil energy: E = T (observable ``nr``)."""

    observable: str = eqx.field(static=True, default="nr")
    valid_range_MeV: tuple = eqx.field(static=True, default=_UNBOUNDED)

    def quenched(self, recoil, Z, nuis: Nuisances):
        """The recoil energy [MeV nr] unchanged."""
        return recoil

    @staticmethod
    def schema() -> dict:
        return {
            "type": "object",
            "required": ["type"],
            "additionalProperties": False,
            "properties": {"type": {"const": "none"}, "source": _SOURCE},
        }

    @classmethod
    def from_block(cls, block: dict, base_dir, origin: str):
        return cls()


QuenchingModel = LindhardQuenching | TabulatedQuenching | PolynomialQuenching | NoQuenching

#: quenching member name -> model class (each has ``schema()`` and ``from_block``)
QUENCHING_MODELS: dict[str, type] = {
    "lindhard": LindhardQuenching,
    "tabulated": TabulatedQuenching,
    "polynomial": PolynomialQuenching,
    "none": NoQuenching,
}


def quenching_schema() -> dict:
    """JSON Schema of a quenching block: ``oneOf`` the members' schemas."""
    return {"oneOf": [cls.schema() for cls in QUENCHING_MODELS.values()]}


def build_quenching(block: dict, base_dir=None, origin: str = "quenching") -> QuenchingModel:
    """Build the quenching model named by ``block["type"]``.

    ``base_dir``: folder that a ``"file"`` path is relative to; ``origin``:
    where the block sits, for error messages. Raises :class:`DetectorError`.
    """
    cls = QUENCHING_MODELS[member_type(block, QUENCHING_MODELS, origin)]
    check_block(block, cls.schema(), origin)
    return cls.from_block(block, base_dir, origin)
