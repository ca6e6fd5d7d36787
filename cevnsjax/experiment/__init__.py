"""Experiments as data: the spec (schema and validation, :mod:`.spec`), detector
blocks on the detector family (:mod:`.detectors`) and the compilation into the
:class:`Experiment` pytree (:mod:`.build`)."""

from ..targets import load_target
from .build import Experiment, build_experiment, load_experiment, recoil_grid
from .detectors import FamilyDetector, detector_threshold
from .spec import (
    CHANNELS,
    EXPERIMENT_SCHEMA,
    SCHEMA_VERSION,
    SCHEMA_VERSIONS,
    ExperimentError,
    available_experiments,
    read_experiment_spec,
    resolve_experiment_path,
    validate_experiment_spec,
)

__all__ = [
    "CHANNELS",
    "EXPERIMENT_SCHEMA",
    "SCHEMA_VERSION",
    "SCHEMA_VERSIONS",
    "Experiment",
    "ExperimentError",
    "FamilyDetector",
    "available_experiments",
    "build_experiment",
    "detector_threshold",
    "load_experiment",
    "load_target",
    "read_experiment_spec",
    "recoil_grid",
    "resolve_experiment_path",
    "validate_experiment_spec",
]
