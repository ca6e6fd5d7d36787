"""Shared pieces of the detector family: the error type, the nuisance tuple,
analysis bins, tabulated curves and block validation.

Every detector block is checked once, at build time, on concrete values (never
under jit); a problem raises :class:`DetectorError` with one line that names
the block (``origin``), the field and the fix.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import NamedTuple

import jax.numpy as jnp
import jsonschema
import numpy as np

from .. import units


class DetectorError(ValueError):
    """A malformed detector block (quenching, efficiency, resolution, response)."""


class Nuisances(NamedTuple):
    """Scalar nuisance values the detector functions read (jax scalars).

    The caller maps its physics parameters onto these; defaults are nominal.

    * ``quench_k`` — Lindhard k [dimensionless]; 0.162 ± 0.004 measured by
      CONUS for germanium (Bonhomme et al., EPJC 82 (2022) 815, arXiv:2202.03754).
    * ``quench_scale`` — multiplier on tabulated / polynomial quenching (1 = nominal).
    * ``eff_shift`` — shift of the efficiency curve [the observable's internal
      unit: MeV for energy bins, PE for photoelectron bins].
    * ``eff_width_scale`` — multiplier on efficiency widths.
    * ``res_scale`` — multiplier on σ0 (``fano`` resolution) or on a tabulated σ(E).
    * ``fano`` — Fano factor; 0.11 is the germanium value of the physics
      specification (§4).
    * ``energy_scale`` — multiplier on the true observable energy before smearing.
    * ``light_yield_scale`` — multiplier on the light yield of photoelectron responses.
    """

    quench_k: object = 0.162
    quench_scale: object = 1.0
    eff_shift: object = 0.0
    eff_width_scale: object = 1.0
    res_scale: object = 1.0
    fano: object = 0.11
    energy_scale: object = 1.0
    light_yield_scale: object = 1.0


def nominal_nuisances(**overrides) -> Nuisances:
    """:class:`Nuisances` at the nominal values, with ``overrides``, as jax scalars."""
    unknown = sorted(set(overrides) - set(Nuisances._fields))
    if unknown:
        raise DetectorError(
            f"nuisances: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(Nuisances._fields)}"
        )
    values = Nuisances()._replace(**overrides)
    return Nuisances(*(jnp.asarray(v, dtype=float) for v in values))


#: bin unit -> (size in the internal unit, observable kind)
BIN_UNITS: dict[str, tuple[float, str]] = {
    "eVee": (units.eV, "ee"),
    "keVee": (units.keV, "ee"),
    "keVnr": (units.keV, "nr"),
    "PE": (1.0, "PE"),
}


class Bins(NamedTuple):
    """Analysis bins: ``unit`` (a key of :data:`BIN_UNITS`), ``edges`` in that
    unit, ``internal`` = edges in the internal unit (MeV, or PE)."""

    unit: str
    edges: np.ndarray
    internal: np.ndarray

    @property
    def observable(self) -> str:
        return BIN_UNITS[self.unit][1]

    @property
    def scale(self) -> float:
        return BIN_UNITS[self.unit][0]


def make_bins(bins, origin: str = "bins") -> Bins:
    """Validate ``{"unit": ..., "edges": [...]}`` (or a :class:`Bins`)."""
    if isinstance(bins, Bins):
        return bins
    if not isinstance(bins, dict) or set(bins) != {"unit", "edges"}:
        raise DetectorError(f"{origin}: give the bins as {{'unit': one of {', '.join(BIN_UNITS)}, 'edges': [...]}}")
    unit = bins["unit"]
    if unit not in BIN_UNITS:
        raise DetectorError(f"{origin}.unit: {unit!r} is not a bin unit; allowed: {', '.join(BIN_UNITS)}")
    edges = finite_array(bins["edges"], f"{origin}.edges")
    if edges.size < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0:
        raise DetectorError(f"{origin}.edges: need >= 2 non-negative, strictly increasing edges")
    return Bins(unit, edges, edges * BIN_UNITS[unit][0])


def finite_array(values, where: str) -> np.ndarray:
    """``values`` as a 1-d float64 array, or a DetectorError naming ``where``."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DetectorError(f"{where}: must be a list of numbers") from None
    if arr.ndim != 1:
        raise DetectorError(f"{where}: must be a flat list of numbers")
    if not np.all(np.isfinite(arr)):
        raise DetectorError(f"{where}: contains NaN or infinity; give finite numbers")
    return arr


def _reject_non_finite(value, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise DetectorError(f"{where}: {value} is not a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_non_finite(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _reject_non_finite(item, f"{where}[{i}]")


def check_block(block, schema: dict, origin: str) -> dict:
    """Validate ``block`` against ``schema``; raise one line naming the field."""
    if not isinstance(block, dict):
        raise DetectorError(f"{origin}: must be an object with a 'type' field")
    _reject_non_finite(block, origin)
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(block), key=lambda e: len(list(e.absolute_path))
    )
    if errors:
        err = errors[0]
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path)
        hint = ""
        if err.validator == "additionalProperties":
            hint = f"; allowed fields here: {', '.join(sorted(err.schema.get('properties', {})))}"
        elif err.validator == "enum":
            hint = f"; allowed values: {', '.join(map(repr, err.validator_value))}"
        raise DetectorError(f"{origin}{path}: {err.message}{hint}")
    return block


def member_type(block, registry: dict, origin: str) -> str:
    """The ``type`` of a block, checked against a registry of member names."""
    if not isinstance(block, dict) or "type" not in block:
        raise DetectorError(f"{origin}.type: missing; allowed: {', '.join(registry)}")
    kind = block["type"]
    if kind not in registry:
        raise DetectorError(f"{origin}.type: unknown type {kind!r}; allowed: {', '.join(registry)}")
    return kind


def number(minimum: float | None = None, maximum: float | None = None, exclusive_min: bool = False) -> dict:
    """JSON-Schema fragment of a bounded number."""
    out: dict = {"type": "number"}
    if minimum is not None:
        out["exclusiveMinimum" if exclusive_min else "minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    return out


def array_of(item: dict, min_items: int = 2) -> dict:
    return {"type": "array", "minItems": min_items, "items": item}


def read_table(block: dict, xkey: str, ykey: str, base_dir, origin: str) -> tuple[np.ndarray, np.ndarray]:
    """The ``(x, y)`` columns of a tabulated curve, inline or from ``"file"``.

    A file (path relative to ``base_dir``) is JSON holding the same two keys,
    or text with two whitespace- or comma-separated columns (``#`` comments).
    Checks: equal lengths >= 2, finite, ``x`` strictly increasing.
    """
    if "file" in block:
        if xkey in block or ykey in block:
            raise DetectorError(f"{origin}.file: give either 'file' or '{xkey}'/'{ykey}', not both")
        path = Path(base_dir or ".") / block["file"]
        try:
            text = path.read_text()
        except OSError as exc:
            raise DetectorError(f"{origin}.file: cannot read {str(path)!r} ({exc.strerror})") from None
        if path.suffix == ".json":
            try:
                data = json.loads(text)
                x, y = data[xkey], data[ykey]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise DetectorError(
                    f"{origin}.file: {str(path)!r} must be a JSON object with '{xkey}' and '{ykey}'"
                ) from None
        else:
            try:
                rows = np.loadtxt(path, comments="#", delimiter="," if "," in text else None, ndmin=2)
            except ValueError:
                raise DetectorError(f"{origin}.file: {str(path)!r} must hold two numeric columns") from None
            if rows.shape[1] != 2:
                raise DetectorError(f"{origin}.file: {str(path)!r} must hold two columns ({xkey}, {ykey})")
            x, y = rows[:, 0], rows[:, 1]
    else:
        if xkey not in block or ykey not in block:
            raise DetectorError(f"{origin}: give '{xkey}' and '{ykey}' (or 'file')")
        x, y = block[xkey], block[ykey]
    x = finite_array(x, f"{origin}.{xkey}")
    y = finite_array(y, f"{origin}.{ykey}")
    if x.size != y.size:
        raise DetectorError(f"{origin}.{ykey}: has {y.size} entries but {xkey} has {x.size}; give one per point")
    if x.size < 2:
        raise DetectorError(f"{origin}.{xkey}: a table needs at least 2 points")
    if np.any(np.diff(x) <= 0):
        raise DetectorError(f"{origin}.{xkey}: must be strictly increasing (sort the table, drop duplicates)")
    return x, y


def table_schema(name: str, xkey: str, ykey: str, y_item: dict, extra: dict | None = None) -> dict:
    """Schema of a tabulated block of type ``name``: inline columns or a file."""
    props = {
        "type": {"const": name},
        xkey: array_of(number(0.0, 1e7)),
        ykey: array_of(y_item),
        "file": {"type": "string", "minLength": 1},
    }
    props.update(extra or {})
    return {"type": "object", "required": ["type"], "additionalProperties": False, "properties": props}
