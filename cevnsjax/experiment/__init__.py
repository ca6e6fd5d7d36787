"""Experiments as data: the spec (schema and validation, :mod:`.spec`) and its
compilation into the :class:`Experiment` pytree (:mod:`.build`)."""

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
from ..targets import load_target

__all__ = [
    "CHANNELS", "EXPERIMENT_SCHEMA", "SCHEMA_VERSION", "SCHEMA_VERSIONS", "Experiment", "ExperimentError", "FamilyDetector",
    "available_experiments", "detector_threshold",
    "build_experiment", "load_experiment", "load_target", "read_experiment_spec", "recoil_grid",
    "resolve_experiment_path", "validate_experiment_spec",
]
