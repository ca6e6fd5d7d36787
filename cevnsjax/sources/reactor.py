"""Reactor source: electron antineutrinos from fission (``source.type = "reactor"``).

φ(E) = A · s(E) [ν̄ cm⁻² s⁻¹ MeV⁻¹] on 0 < E ≤ ``e_max_MeV`` (8 MeV under
``above_8MeV = "cutoff"``), with s(E) the fission-weighted spectrum per
fission of :mod:`.reactor_spectra` (spectrum models, the continuation above
8 MeV and the ²³⁸U-capture ν̄ are described there). ν̄e only.

Normalisation, two modes (``normalisation``):

* ``"total_flux"``: A = Φ / ∫₀^{e_max} s dE, so the flux integrates to the
  quoted ``total_flux_cm2_s`` Φ (which therefore includes the capture ν̄ and
  the share of Φ the chosen model puts below 2 MeV).
* ``"thermal_power"``: A = P / (4π L² ⟨E_f⟩), ``⟨E_f⟩ = Σ f_i E_i`` with the
  energies per fission of Ma et al. 2013 (default) or Kopeikin et al. 2004.

Defaults (unchanged from the original reactor-only model): Huber–Mueller,
polynomial above 8 MeV, 0.6 captures per fission, ``e_max_MeV`` = 10,
``energy_per_fission`` = ``"ma2013"``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .. import units
from . import reactor_spectra as rs
from .base import Source, fail, validate_block

NAME = "reactor"
FLAVOUR = "nu_e_bar"

DEFAULTS = {
    "energy_per_fission": "ma2013",
    "captures_per_fission": 0.6,
    "e_max_MeV": 10.0,
    "spectrum_model": "huber-mueller",
    "above_8MeV": "polynomial",
}

ENERGY_PER_FISSION = {"ma2013": rs.ENERGY_PER_FISSION_MA2013, "kopeikin2004": rs.ENERGY_PER_FISSION_KOPEIKIN2004}

_FRACTION = {"type": "number", "minimum": 0, "maximum": 1}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "reactor source",
    "type": "object",
    "required": ["type", "distance_m", "fission_fractions", "normalisation"],
    "additionalProperties": False,
    "properties": {
        "type": {"const": NAME},
        # the largest commercial sites run ~8 GW per unit, < 10 units
        "thermal_power_GW": {"type": "number", "minimum": 1e-6, "maximum": 100},  # 1 kW research reactor to 100 GW
        "distance_m": {"type": "number", "exclusiveMinimum": 0.1, "maximum": 1e7},  # 10,000 km: any reactor experiment
        "fission_fractions": {
            "type": "object",
            "required": list(rs.FISSION_ISOTOPES),
            "additionalProperties": False,
            "properties": {iso: _FRACTION for iso in rs.FISSION_ISOTOPES},
        },
        "energy_per_fission": {"enum": list(ENERGY_PER_FISSION)},
        "captures_per_fission": {"type": "number", "minimum": 0, "maximum": 2},
        "e_max_MeV": {"type": "number", "minimum": 8, "maximum": 12},
        "spectrum_model": {"enum": list(rs.SPECTRUM_MODELS)},
        "above_8MeV": {"enum": list(rs.ABOVE_8MEV)},
        "normalisation": {"enum": ["total_flux", "thermal_power"]},
        "total_flux_cm2_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e20},
    },
    "allOf": [
        {
            "if": {"properties": {"normalisation": {"const": "total_flux"}}, "required": ["normalisation"]},
            "then": {"required": ["total_flux_cm2_s"]},
        },
        {
            "if": {"properties": {"normalisation": {"const": "thermal_power"}}, "required": ["normalisation"]},
            "then": {"required": ["thermal_power_GW"]},
        },
    ],
}


def _resolved(block: dict) -> dict:
    """The block with defaults filled in and arrays in FISSION_ISOTOPES order,
    the form :func:`reactor_spectra.flux_scale` reads."""
    src = {**DEFAULTS, **block}
    table = ENERGY_PER_FISSION[src["energy_per_fission"]]
    src["energy_per_fission_MeV"] = [table[i] for i in rs.FISSION_ISOTOPES]
    src["fission_fractions"] = [float(block["fission_fractions"][i]) for i in rs.FISSION_ISOTOPES]
    return src


def fissions_per_cm2_s(block: dict, normalisation: str) -> float:
    """The flux scale A [fissions cm⁻² s⁻¹] of a validated source ``block``
    under ``normalisation`` (``total_flux`` or ``thermal_power``). The flux is
    A · s(E), so every expected count is proportional to it: counts under two
    normalisations differ by the ratio of their scales alone."""
    return float(rs.flux_scale(_resolved({**block, "normalisation": normalisation})))


def build(block: dict, base_dir: Path | None = None, origin: str = "experiment") -> Source:
    """Build the reactor :class:`Source` from a ``source`` block (``base_dir``
    is unused: a reactor source reads no files)."""
    validate_block(SCHEMA, block, origin)
    fractions = block["fission_fractions"]
    total = sum(fractions.values())
    if not math.isclose(total, 1.0, abs_tol=1e-3):
        raise fail(origin, "fission_fractions", f"fractions sum to {total:.4f}", "they must sum to 1 (within 0.001)")
    src = _resolved(block)
    model, tail = src["spectrum_model"], src["above_8MeV"]
    frac = np.asarray(src["fission_fractions"])
    captures = float(src["captures_per_fission"])
    breaks = rs.spectrum_breaks(float(src["e_max_MeV"]), tail)
    e_max = breaks[-1]
    scale = float(rs.flux_scale(src))
    per_fission = float(rs.neutrinos_per_fission(frac, captures, e_max, model=model, above_8MeV=tail, xp=np))

    def spectrum(energy):
        energy = np.asarray(energy, dtype=np.float64)
        s = rs.reactor_spectrum(energy, frac, captures, model, tail, xp=np)
        return np.where(energy <= e_max, scale * s, 0.0)

    info = {
        "type": NAME,
        "spectrum_model": model,
        "above_8MeV": tail,
        "normalisation": src["normalisation"],
        "fission_fractions": dict(zip(rs.FISSION_ISOTOPES, src["fission_fractions"], strict=False)),
        "captures_per_fission": captures,
        "e_max_MeV": e_max,
        "nu_per_fission": per_fission,
        "total_flux_cm2_s": {FLAVOUR: scale * per_fission},
        "fissions_per_cm2_s": scale,
    }
    if "distance_m" in src:
        info["distance_m"] = float(src["distance_m"])
    if "thermal_power_GW" in src:
        info["thermal_power_GW"] = float(src["thermal_power_GW"])
        info["energy_per_fission"] = src["energy_per_fission"]
        info["fissions_per_s"] = rs.fission_rate(src["thermal_power_GW"], frac, src["energy_per_fission_MeV"])
        info["thermal_power_equivalent_flux_cm2_s"] = (
            info["fissions_per_s"] * per_fission / (4.0 * math.pi * (src["distance_m"] * units.METRE) ** 2)
        )
    return Source(
        type=NAME,
        flavours=(FLAVOUR,),
        spectra={FLAVOUR: spectrum},
        breaks={FLAVOUR: breaks},
        lines=(),
        e_max=e_max,
        info=info,
    )
