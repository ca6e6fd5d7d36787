"""Tabulated source: a user's spectrum of one flavour (``source.type = "tabulated"``).

The table (energies [MeV], dΦ/dE) is given inline (``energy_MeV``,
``dphi_dE``) or as ``spectrum_file``: two columns, separated by whitespace or
commas, ``#`` starting a comment, a relative path read from the experiment
file's directory.

Between the table points the spectrum is the shape-preserving monotone cubic
(PCHIP, Fritsch & Carlson 1980, :class:`scipy.interpolate.PchipInterpolator`):
it never overshoots the data, so it stays ≥ 0. **Outside the table the flux is
zero** (no extrapolation); the first and last table energies are the ends of
the support, and every table energy is a break (the interpolant is only C¹
there).

Normalisation (``normalisation``):

* ``"total_flux"``: ``dphi_dE`` is a shape in any units; it is scaled so that
  its integral over the table is ``total_flux_cm2_s`` [cm⁻² s⁻¹].
* ``"absolute"``: ``dphi_dE`` is dΦ/dE [cm⁻² s⁻¹ MeV⁻¹] as it is.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from .base import FLAVOURS, Source, SourceError, fail, validate_block

NAME = "tabulated"

_NUMBERS = {"type": "array", "minItems": 2, "items": {"type": "number"}}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "tabulated source",
    "type": "object",
    "required": ["type", "normalisation"],
    "additionalProperties": False,
    "properties": {
        "type": {"const": NAME},
        "flavour": {"enum": list(FLAVOURS)},
        "energy_MeV": _NUMBERS,
        "dphi_dE": _NUMBERS,
        "spectrum_file": {"type": "string", "minLength": 1},
        "normalisation": {"enum": ["total_flux", "absolute"]},
        "total_flux_cm2_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e25},
        "description": {"type": "string"},
    },
    "oneOf": [
        {"required": ["energy_MeV", "dphi_dE"], "not": {"required": ["spectrum_file"]}},
        {"required": ["spectrum_file"], "not": {"anyOf": [{"required": ["energy_MeV"]}, {"required": ["dphi_dE"]}]}},
    ],
    "description": (
        "give the spectrum either inline (energy_MeV and dphi_dE) or as spectrum_file, exactly one of the two"
    ),
    "allOf": [
        {
            "if": {"properties": {"normalisation": {"const": "total_flux"}}, "required": ["normalisation"]},
            "then": {"required": ["total_flux_cm2_s"]},
        },
    ],
}

#: Largest energy a table may reach [MeV] (beyond any CEvNS source).
E_TABLE_MAX = 1e4


def read_spectrum_file(path: Path, origin: str) -> tuple[np.ndarray, np.ndarray]:
    """Read a two-column table (energy [MeV], dΦ/dE); errors name the file and line."""
    where = "spectrum_file"
    if not path.is_file():
        raise fail(
            origin,
            where,
            f"file {str(path)!r} does not exist",
            "give the path of an existing file (relative paths are read from the experiment file's directory)",
        )
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(origin, where, f"file {str(path)!r} cannot be read ({exc})", "give a readable text file") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        cells = [c for c in re.split(r"[,\s]+", content) if c]
        if len(cells) != 2:
            raise fail(
                origin,
                where,
                f"file {str(path)!r} line {number}: {len(cells)} columns",
                "give exactly two columns per line: energy [MeV] and dΦ/dE",
            )
        try:
            rows.append((float(cells[0]), float(cells[1])))
        except ValueError:
            raise fail(
                origin,
                where,
                f"file {str(path)!r} line {number}: {content!r} is not two numbers",
                "write each line as two numbers, e.g. '1.5 2.3e12'",
            ) from None
    if not rows:
        raise fail(
            origin, where, f"file {str(path)!r} holds no data lines", "give at least two lines of energy and dΦ/dE"
        )
    table = np.asarray(rows, dtype=np.float64)
    return table[:, 0], table[:, 1]


def _check_table(energy: np.ndarray, dphi: np.ndarray, origin: str, field_e: str, field_phi: str) -> None:
    def at(name, i):
        return f"{name}[{i}]" if not name.startswith("spectrum_file") else name

    if energy.size != dphi.size:
        raise fail(origin, field_phi, f"{dphi.size} values for {energy.size} energies", "give one dΦ/dE per energy")
    if energy.size < 2:
        raise fail(origin, field_e, f"{energy.size} point(s)", "give at least two table points")
    for name, values in ((field_e, energy), (field_phi, dphi)):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise fail(origin, at(name, bad[0]), f"value {values[bad[0]]} is not finite", "give finite numbers")
    bad = np.flatnonzero(energy <= 0)
    if bad.size:
        raise fail(
            origin, at(field_e, bad[0]), f"energy {energy[bad[0]]:g} MeV is not positive", "energies must be > 0"
        )
    bad = np.flatnonzero(energy > E_TABLE_MAX)
    if bad.size:
        raise fail(
            origin,
            at(field_e, bad[0]),
            f"energy {energy[bad[0]]:g} MeV is above {E_TABLE_MAX:g} MeV",
            "energies are in MeV; check the unit",
        )
    bad = np.flatnonzero(np.diff(energy) <= 0)
    if bad.size:
        i = bad[0] + 1
        raise fail(
            origin,
            at(field_e, i),
            f"energy {energy[i]:g} MeV does not exceed the previous {energy[i - 1]:g} MeV",
            "energies must be strictly increasing",
        )
    bad = np.flatnonzero(dphi < 0)
    if bad.size:
        raise fail(origin, at(field_phi, bad[0]), f"dΦ/dE = {dphi[bad[0]]:g} is negative", "a flux must be >= 0")
    if not np.any(dphi > 0):
        raise fail(origin, field_phi, "all values are zero", "give a spectrum with some flux")


def build(block: dict, base_dir: Path | None = None, origin: str = "experiment") -> Source:
    """Build a tabulated :class:`Source`; ``base_dir`` resolves a relative
    ``spectrum_file`` (default: the working directory)."""
    validate_block(SCHEMA, block, origin)
    if "spectrum_file" in block:
        path = Path(block["spectrum_file"])
        if not path.is_absolute():
            path = Path(base_dir if base_dir is not None else ".") / path
        energy, dphi = read_spectrum_file(path, origin)
        _check_table(energy, dphi, origin, f"spectrum_file ({path})", f"spectrum_file ({path})")
    else:
        energy = np.asarray(block["energy_MeV"], dtype=np.float64)
        dphi = np.asarray(block["dphi_dE"], dtype=np.float64)
        _check_table(energy, dphi, origin, "energy_MeV", "dphi_dE")

    flavour = block.get("flavour", "nu_e_bar")
    from scipy.interpolate import PchipInterpolator  # set-up only: keeps scipy out of the import

    shape = PchipInterpolator(energy, dphi, extrapolate=False)
    table_integral = float(shape.integrate(energy[0], energy[-1]))
    if block["normalisation"] == "total_flux":
        scale = block["total_flux_cm2_s"] / table_integral
    else:
        scale = 1.0
    if not (math.isfinite(scale) and scale > 0):
        raise SourceError(
            f"{origin}: field source.dphi_dE: the table integrates to {table_integral:g}; "
            "give a spectrum with a finite, positive integral"
        )
    lo, hi = float(energy[0]), float(energy[-1])

    def spectrum(e):
        e = np.asarray(e, dtype=np.float64)
        inside = (e >= lo) & (e <= hi)
        values = shape(np.clip(e, lo, hi))
        return np.where(inside, scale * np.maximum(values, 0.0), 0.0)

    info = {
        "type": NAME,
        "flavour": flavour,
        "normalisation": block["normalisation"],
        "interpolation": "pchip, zero outside the table",
        "table_points": int(energy.size),
        "energy_range_MeV": [lo, hi],
        "total_flux_cm2_s": {flavour: scale * table_integral},
    }
    if "spectrum_file" in block:
        info["spectrum_file"] = str(block["spectrum_file"])
    return Source(
        type=NAME,
        flavours=(flavour,),
        spectra={flavour: spectrum},
        breaks={flavour: tuple(float(x) for x in energy)},
        lines=(),
        e_max=hi,
        info=info,
    )
