"""Experiments as data: the versioned spec format, its validation, and the
:class:`Experiment` pytree the model runs on.

An experiment file (``data/experiments/NAME.json``, ``schema_version`` 1 or
2) names a source, a target (``data/targets/NAME.json``), the nominal values of
nuisance parameters, the detectors and the numerical settings. It is validated
on load against :data:`EXPERIMENT_SCHEMA` (the JSON Schema shipped as
``data/schema/experiment-v2.json``), the source and detector families' own
schemas (:mod:`.detectors`) and a few physics checks; every error names the
path of the bad field and what is allowed.

:func:`load_experiment` turns a spec into an :class:`Experiment`: arrays for
the recoil quadrature grid, the per-isotope flux moments
``I_k(T) = ∫_{E_min(T)}^{E_max} φ(E) E^{-k} dE`` (k = 0, 1, 2, precomputed in
float64 because they do not depend on any fit parameter), form factors, and
stacked detector arrays; plus static choices (couplings, form factor,
quadrature orders). The model jit-compiles once per experiment structure.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import jsonschema

from ..datafiles import data_root, read_json_file
from ..parameters import ParameterError, validate_value
from ..targets.target import NAME_PATTERN
from .detectors import DetectorSpecError, is_family_form, validate_family_detector

SCHEMA_VERSION = 2

#: Signal channels: CEvNS on nuclei, elastic ν̄e scattering on atomic electrons.
CHANNELS = ("nuclear", "electron")

#: Thresholds the model accepts [eVee]. Below 50 eVee (≈ 0.3 keVnr in Ge) the
#: Lindhard description is not validated and the recoil grid would have to
#: reach into the noise region.
THRESHOLD_RANGE_EVEE = (50.0, 10000.0)
#: The experiment schema, shipped as ``data/schema/experiment-v2.json`` (its
#: ``$id`` names the version). Nested source and detector blocks are checked by
#: their families (``build_source``, ``build_quenching``, ``build_response``).
SCHEMA_FILE = "schema/experiment-v2.json"
EXPERIMENT_SCHEMA = json.loads((data_root() / SCHEMA_FILE).read_text(encoding="utf-8"))
#: schema_version values this cevnsjax reads.
SCHEMA_VERSIONS = (1, 2)

DEFAULT_NUMERICS = {
    "recoil_nodes": 96,
    "flux_nodes": 48,
    "response_nodes": 24,
    "response_window_sigma": 7.0,
    "electron_panel_eV": 20.0,
    "electron_panel_nodes": 4,
}
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
        raise ExperimentError(
            f"experiment {text!r} is not a valid name; shipped experiments: "
            f"{', '.join(available_experiments())}, or give the path of a .json file"
        )
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


def validate_experiment_spec(spec: dict, origin: str = "experiment", base_dir: Path | None = None) -> dict:
    """Validate a parsed experiment spec; return it with defaults filled in.

    Raises :class:`ExperimentError` naming the file, the field path and the
    allowed values. ``base_dir``: the folder that file paths inside detector
    blocks are relative to (the experiment file's).
    """
    validator = jsonschema.Draft202012Validator(EXPERIMENT_SCHEMA)
    errors = sorted(validator.iter_errors(spec), key=lambda e: (len(list(e.absolute_path)), str(e.absolute_path)))
    if errors:
        err = errors[0]
        hint = ""
        if err.validator == "additionalProperties":
            allowed = sorted(err.schema.get("properties", {}))
            hint = f"; allowed fields here: {', '.join(allowed)}"
        elif err.validator == "enum" and list(err.absolute_path) == ["schema_version"]:
            hint = f"; this cevnsjax reads schema_version {' or '.join(map(str, SCHEMA_VERSIONS))}"
        elif err.validator == "enum":
            hint = f"; allowed values: {', '.join(map(repr, err.validator_value))}"
        elif err.validator == "const":
            hint = f"; this cevnsjax reads schema_version {SCHEMA_VERSION}"
        elif err.validator == "enum" and list(err.absolute_path) == ["schema_version"]:
            hint = f"; this cevnsjax reads schema_version {' or '.join(map(str, SCHEMA_VERSIONS))}"
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
        if is_family_form(det):
            try:
                validate_family_detector(
                    det, f"field detectors[{i}]", spec["schema_version"], spec["numerics"], base_dir
                )
            except DetectorSpecError as exc:
                raise ExperimentError(f"{origin}: {exc}") from None
            continue
        for key in ("threshold_eVee", "roi_max_eVee", "trigger_efficiency", "resolution"):
            if key not in det:
                raise _fail(f"{where}.{key}", "required (or give a response block and bins, schema_version 2)")
        thr, roi = det["threshold_eVee"], det["roi_max_eVee"]
        if not lo_thr <= thr <= hi_thr:
            raise _fail(
                f"{where}.threshold_eVee", f"{thr:g} eVee is outside the modelled range [{lo_thr:g}, {hi_thr:g}] eVee"
            )
        if roi <= thr:
            raise _fail(f"{where}.roi_max_eVee", f"{roi:g} eVee must be above threshold_eVee = {thr:g}")
        edges = det.get("bin_edges_eVee", [thr, roi])
        if any(b <= a for a, b in itertools.pairwise(edges)):
            raise _fail(f"{where}.bin_edges_eVee", "edges must be strictly increasing")
        if not (math.isclose(edges[0], thr) and math.isclose(edges[-1], roi)):
            raise _fail(
                f"{where}.bin_edges_eVee",
                f"edges must run from threshold_eVee ({thr:g}) to roi_max_eVee ({roi:g}), got {edges[0]:g} to "
                f"{edges[-1]:g}",
            )
        det["bin_edges_eVee"] = list(edges)
    return spec


def _read_json(path: Path, what: str) -> dict:
    return read_json_file(path, what, ExperimentError)


def read_experiment_spec(name_or_path: str | Path) -> dict:
    """Read and validate an experiment file; returns the spec with defaults."""
    path = resolve_experiment_path(name_or_path)
    return validate_experiment_spec(_read_json(path, "experiment file"), origin=str(path), base_dir=path.parent)
