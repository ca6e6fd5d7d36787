"""Experiments as data: the versioned spec format, its validation, and the
:class:`Experiment` pytree the model runs on.

An experiment file (``data/experiments/NAME.json``, ``schema_version`` 1)
names a source, a target (``data/targets/NAME.json``), the nominal values of
nuisance parameters, the detectors and the numerical settings. It is validated
on load against :data:`EXPERIMENT_SCHEMA` (JSON Schema) and a few physics
checks; every error names the path of the bad field and what is allowed.

:func:`load_experiment` turns a spec into an :class:`Experiment`: arrays for
the recoil quadrature grid, the per-isotope flux moments
``I_k(T) = ∫_{E_min(T)}^{E_max} φ(E) E^{-k} dE`` (k = 0, 1, 2, precomputed in
float64 because they do not depend on any fit parameter), form factors, and
stacked detector arrays; plus static choices (couplings, form factor,
quadrature orders). The model jit-compiles once per experiment structure.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import jsonschema

from ..datafiles import data_root, read_json_file
from ..interactions import COUPLINGS, VECTOR_MEDIATORS
from ..parameters import PARAMETERS, ParameterError, validate_value
from ..targets import FORM_FACTORS
from ..targets.target import NAME_PATTERN

SCHEMA_VERSION = 1

#: Signal channels: CEvNS on nuclei, elastic ν̄e scattering on atomic electrons.
CHANNELS = ("nuclear", "electron")

#: Thresholds the model accepts [eVee]. Below 50 eVee (≈ 0.3 keVnr in Ge) the
#: Lindhard description is not validated and the recoil grid would have to
#: reach into the noise region.
THRESHOLD_RANGE_EVEE = (50.0, 10000.0)
#: Upper end of the quench_k range: used to size the recoil grid so that any
#: allowed k is covered.
_K_MAX = PARAMETERS["quench_k"].upper
_RES_SCALE_MAX = PARAMETERS["res_scale"].upper

_POS = {"type": "number", "exclusiveMinimum": 0}
_FRACTION = {"type": "number", "minimum": 0, "maximum": 1}

EXPERIMENT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "cevnsjax experiment",
    "type": "object",
    "required": ["schema_version", "name", "source", "target", "detectors"],
    "additionalProperties": False,
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "name": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "references": {"type": "array", "items": {"type": "string"}},
        "notes": {"type": "object", "additionalProperties": {"type": "string"}},
        "target": {"type": "string", "minLength": 1, "description": "a shipped target name or the path of a target file (.json)"},
        "source": {"type": "object", "description": "the neutrino source; its schema is checked by cevnsjax.sources.build_source"},
        "physics": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "couplings": {"enum": list(COUPLINGS)},
                "form_factor": {"enum": list(FORM_FACTORS)},
                "vector_mediator": {"enum": list(VECTOR_MEDIATORS)},
                "channels": {"type": "array", "minItems": 1, "uniqueItems": True,
                             "items": {"enum": list(CHANNELS)}},
            },
        },
        "nominal_parameters": {"type": "object", "additionalProperties": {"type": "number"}},
        "detectors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "exposure_kg_day", "threshold_eVee", "roi_max_eVee", "trigger_efficiency", "resolution"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "mass_kg": _POS,
                    "exposure_kg_day": _POS,
                    "exposure_off_kg_day": {"type": "number", "minimum": 0},
                    "threshold_eVee": {"type": "number"},
                    "roi_max_eVee": {"type": "number"},
                    "bin_edges_eVee": {"type": "array", "minItems": 2, "items": {"type": "number"}},
                    "trigger_efficiency": {
                        "type": "object",
                        "required": ["e50_eVee", "width_eVee"],
                        "additionalProperties": False,
                        "properties": {"e50_eVee": {"type": "number"}, "width_eVee": _POS},
                    },
                    "resolution": {
                        "type": "object",
                        "required": ["sigma0_eVee"],
                        "additionalProperties": False,
                        "properties": {"sigma0_eVee": _POS},
                    },
                },
            },
        },
        "background": {
            "type": "object",
            "description": "background model of spectral analyses, in reconstructed energy, per kg day keVee",
            "required": ["flat_per_kg_day_keV", "noise_per_kg_day_keV", "noise_decay_eVee"],
            "additionalProperties": False,
            "properties": {
                "flat_per_kg_day_keV": {"type": "number", "minimum": 0},
                "noise_per_kg_day_keV": {"type": "number", "minimum": 0},
                "noise_decay_eVee": _POS,
            },
        },
        "numerics": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "recoil_nodes": {"type": "integer", "minimum": 8, "maximum": 4096},
                "flux_nodes": {"type": "integer", "minimum": 8, "maximum": 4096},
                "response_nodes": {"type": "integer", "minimum": 4, "maximum": 512},
                "response_window_sigma": {"type": "number", "minimum": 4, "maximum": 12},
                "electron_panel_eV": {"type": "number", "minimum": 1, "maximum": 200},
                "electron_panel_nodes": {"type": "integer", "minimum": 2, "maximum": 64},
            },
        },
    },
}

DEFAULT_NUMERICS = {"recoil_nodes": 96, "flux_nodes": 48, "response_nodes": 16, "response_window_sigma": 7.0,
                    "electron_panel_eV": 20.0, "electron_panel_nodes": 4}
DEFAULT_PHYSICS = {"couplings": "tree", "form_factor": "helm", "vector_mediator": "universal", "channels": ["nuclear"]}


class ExperimentError(ValueError):
    """A malformed or inconsistent experiment or target file."""


def _shipped_experiment_file(name: str) -> Path:
    """``data/experiments/NAME.json`` or ``data/experiments/NAME/experiment.json``."""
    root = data_root() / "experiments"
    flat = root / f"{name}.json"
    return flat if flat.is_file() else root / name / "experiment.json"


def available_experiments() -> list[str]:
    """Names of the experiments shipped in ``data/experiments`` (a ``NAME.json``
    file or a ``NAME/experiment.json`` folder with its data files)."""
    root = data_root() / "experiments"
    return sorted({p.stem for p in root.glob("*.json")} | {p.parent.name for p in root.glob("*/experiment.json")})


def resolve_experiment_path(name_or_path: str | Path) -> Path:
    """The file of a shipped experiment name, or an explicit path (recognised by
    a ``.json`` suffix or a path separator; a name is never used as a path)."""
    text = str(name_or_path)
    if text.endswith(".json") or "/" in text or "\\" in text or isinstance(name_or_path, Path):
        candidate = Path(text)
        if not candidate.is_file():
            raise ExperimentError(f"experiment file {text!r} does not exist")
        return candidate
    if not NAME_PATTERN.match(text):
        raise ExperimentError(f"experiment {text!r} is not a valid name; shipped experiments: "
                              f"{', '.join(available_experiments())}, or give the path of a .json file")
    shipped = _shipped_experiment_file(text)
    if not shipped.is_file():
        raise ExperimentError(
            f"unknown experiment {str(name_or_path)!r}; shipped experiments: "
            f"{', '.join(available_experiments())}, or give the path of a .json file"
        )
    return shipped


def _json_path(error: jsonschema.ValidationError) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return path.lstrip(".") or "(top level)"


def _fail(where: str, message: str) -> ExperimentError:
    return ExperimentError(f"{where}: {message}")


def validate_experiment_spec(spec: dict, origin: str = "experiment") -> dict:
    """Validate a parsed experiment spec; return it with defaults filled in.

    Raises :class:`ExperimentError` naming the file, the field path and the
    allowed values.
    """
    validator = jsonschema.Draft202012Validator(EXPERIMENT_SCHEMA)
    errors = sorted(validator.iter_errors(spec), key=lambda e: (len(list(e.absolute_path)), str(e.absolute_path)))
    if errors:
        err = errors[0]
        hint = ""
        if err.validator == "additionalProperties":
            allowed = sorted(err.schema.get("properties", {}))
            hint = f"; allowed fields here: {', '.join(allowed)}"
        elif err.validator == "enum":
            hint = f"; allowed values: {', '.join(map(repr, err.validator_value))}"
        elif err.validator == "const":
            hint = f"; this cevnsjax reads schema_version {SCHEMA_VERSION}"
        raise _fail(f"{origin}: field {_json_path(err)}", err.message + hint)

    spec = json.loads(json.dumps(spec))  # deep copy, defaults filled below
    spec["physics"] = {**DEFAULT_PHYSICS, **spec.get("physics", {})}
    spec["numerics"] = {**DEFAULT_NUMERICS, **spec.get("numerics", {})}

    for name, value in spec.get("nominal_parameters", {}).items():
        try:
            validate_value(name, value)
        except ParameterError as exc:
            raise _fail(f"{origin}: field nominal_parameters.{name}", str(exc)) from None

    names = [d["name"] for d in spec["detectors"]]
    if len(set(names)) != len(names):
        raise _fail(f"{origin}: field detectors", f"detector names must be unique, got {names}")
    lo_thr, hi_thr = THRESHOLD_RANGE_EVEE
    for i, det in enumerate(spec["detectors"]):
        where = f"{origin}: field detectors[{i}]"
        thr, roi = det["threshold_eVee"], det["roi_max_eVee"]
        if not lo_thr <= thr <= hi_thr:
            raise _fail(f"{where}.threshold_eVee", f"{thr:g} eVee is outside the modelled range [{lo_thr:g}, {hi_thr:g}] eVee")
        if roi <= thr:
            raise _fail(f"{where}.roi_max_eVee", f"{roi:g} eVee must be above threshold_eVee = {thr:g}")
        edges = det.get("bin_edges_eVee", [thr, roi])
        if any(b <= a for a, b in zip(edges[:-1], edges[1:])):
            raise _fail(f"{where}.bin_edges_eVee", "edges must be strictly increasing")
        if not (math.isclose(edges[0], thr) and math.isclose(edges[-1], roi)):
            raise _fail(f"{where}.bin_edges_eVee", f"edges must run from threshold_eVee ({thr:g}) to roi_max_eVee ({roi:g}), got {edges[0]:g} to {edges[-1]:g}")
        det["bin_edges_eVee"] = list(edges)
    return spec


def _read_json(path: Path, what: str) -> dict:
    return read_json_file(path, what, ExperimentError)


def read_experiment_spec(name_or_path: str | Path) -> dict:
    """Read and validate an experiment file; returns the spec with defaults."""
    path = resolve_experiment_path(name_or_path)
    return validate_experiment_spec(_read_json(path, "experiment file"), origin=str(path))
