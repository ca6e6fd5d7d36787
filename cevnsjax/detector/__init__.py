"""The detector family: quenching models and detector responses.

* :mod:`.quenching` — recoil energy → observable-true energy
  (``lindhard``, ``tabulated``, ``polynomial``, ``none``);
* :mod:`.efficiency`, :mod:`.resolution` — efficiency curves and energy
  resolutions used by the responses;
* :mod:`.response` — P(bin | μ): ``ideal``, ``gaussian``;
  :mod:`.photoelectrons` — ``photoelectron`` (Poisson or gamma PE smearing);
* :mod:`.table` — :class:`ResponseTable`, P(bin | μ) tabulated for fixed nuisances;
* :mod:`.spec` — :class:`DetectorError`, :class:`Nuisances`, bins, tables.

All evaluation functions are pure JAX and take explicit scalar nuisances
(:class:`Nuisances`), never the parameter pytree; the caller maps parameters
onto them. The old functional API (``trigger_efficiency``,
``resolution_sigma``, ``bin_response``) is re-exported here.
"""

from __future__ import annotations

from .efficiency import EFFICIENCY_MODELS, build_efficiency, efficiency_schema, trigger_efficiency
from .photoelectrons import PhotoelectronResponse
from .quenching import (
    QUENCHING_MODELS,
    build_quenching,
    ionisation_energy,
    lindhard_epsilon,
    lindhard_yield,
    lindhard_yield_from_epsilon,
    quenching_schema,
)
from .resolution import RESOLUTION_MODELS, build_resolution, resolution_schema, resolution_sigma
from .response import (
    RESPONSE_MODELS,
    GaussianResponse,
    IdealResponse,
    bin_response,
    build_response,
    response_schema,
    windowed_integral,
)
from .spec import BIN_UNITS, Bins, DetectorError, Nuisances, make_bins, nominal_nuisances
from .table import ResponseTable

__all__ = [
    "BIN_UNITS",
    "EFFICIENCY_MODELS",
    "QUENCHING_MODELS",
    "RESOLUTION_MODELS",
    "RESPONSE_MODELS",
    "Bins",
    "DetectorError",
    "GaussianResponse",
    "IdealResponse",
    "Nuisances",
    "PhotoelectronResponse",
    "ResponseTable",
    "bin_response",
    "build_efficiency",
    "build_quenching",
    "build_resolution",
    "build_response",
    "efficiency_schema",
    "ionisation_energy",
    "lindhard_epsilon",
    "lindhard_yield",
    "lindhard_yield_from_epsilon",
    "make_bins",
    "nominal_nuisances",
    "quenching_schema",
    "resolution_schema",
    "resolution_sigma",
    "response_schema",
    "trigger_efficiency",
    "windowed_integral",
]
