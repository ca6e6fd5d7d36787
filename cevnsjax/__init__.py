"""cevnsjax: a differentiable forward model of coherent elastic neutrino–nucleus
scattering (CEvNS) at reactors, written in JAX.

Data flow (one package or module per stage): :mod:`.sources` (neutrino
spectra) → :mod:`.targets` (isotopes, form factors, kinematics) →
:mod:`.interactions` (cross sections, SM and BSM) → :mod:`.detector`
(quenching, efficiency, resolution, binned response) → :mod:`.rates`, with
experiments as data (:mod:`.experiment`), physics parameters as one pytree
(:mod:`.parameters`) and the analyses, fits and samplers on top
(:mod:`.analyses`, :mod:`.infer`). Units: :mod:`.units`.

float64 is opt-in: call :func:`enable_x64` at your entry point (the CLI and the
tests do); importing cevnsjax never changes JAX's configuration.
"""

from __future__ import annotations

from ._version import __version__ as __version__
from .experiment import Experiment, ExperimentError, available_experiments, load_experiment, read_experiment_spec
from .parameters import PARAMETERS, ParameterError, Params, make_params, params_grid, stack_params
from .rates import detector_counts, expected_counts, recoil_spectrum, total_counts


def enable_x64(enabled: bool = True) -> None:
    """Switch JAX to float64 (call once at an entry point, before building arrays)."""
    import jax

    jax.config.update("jax_enable_x64", bool(enabled))


def nominal_params(experiment: Experiment, **overrides) -> Params:
    """Validated parameters at the experiment's nominal values, with overrides."""
    return make_params(experiment.nominal(), **overrides)


__all__ = [
    "PARAMETERS",
    "Experiment",
    "ExperimentError",
    "ParameterError",
    "Params",
    "available_experiments",
    "detector_counts",
    "enable_x64",
    "expected_counts",
    "load_experiment",
    "make_params",
    "nominal_params",
    "params_grid",
    "read_experiment_spec",
    "recoil_spectrum",
    "stack_params",
    "total_counts",
]
