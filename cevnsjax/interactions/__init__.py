"""Interactions: cross sections per neutrino flavour and per model.

* :mod:`.standard_model` — couplings per flavour, weak charge, CEvNS kinematics
* :mod:`.nsi` — vector non-standard interactions
* :mod:`.electromagnetic` — magnetic moment, millicharge, charge radius
* :mod:`.mediators` — light vector and scalar mediators
* :mod:`.electron` — ν̄e–e elastic scattering (electron channel)
"""

from .electromagnetic import (
    SM_CHARGE_RADII,
    charge_radius_shift,
    magnetic_differential_cross_section,
    magnetic_kinematic_factor,
    magnetic_to_weak_ratio,
    millicharge_shift,
)
from .electron import electron_couplings, electron_sm_differential_cross_section, stepping_electron_number
from .mediators import (
    SCALAR_CHARGE_N,
    SCALAR_CHARGE_Z,
    VECTOR_MEDIATORS,
    scalar_charge,
    scalar_to_weak_ratio,
    vector_mediator_charge,
    vector_mediator_shift,
)
from .nsi import nsi_charge
from .standard_model import (
    COUPLINGS,
    G_V_N_RADIATIVE,
    G_V_P_RADIATIVE,
    LEPTON_FLAVOUR,
    cevns_differential_cross_section,
    cevns_kinematic_factor,
    proton_coupling_offset,
    weak_charge,
    weak_couplings,
)

__all__ = [
    "COUPLINGS",
    "G_V_N_RADIATIVE",
    "G_V_P_RADIATIVE",
    "LEPTON_FLAVOUR",
    "SCALAR_CHARGE_N",
    "SCALAR_CHARGE_Z",
    "SM_CHARGE_RADII",
    "VECTOR_MEDIATORS",
    "cevns_differential_cross_section",
    "cevns_kinematic_factor",
    "charge_radius_shift",
    "electron_couplings",
    "electron_sm_differential_cross_section",
    "magnetic_differential_cross_section",
    "magnetic_kinematic_factor",
    "magnetic_to_weak_ratio",
    "millicharge_shift",
    "nsi_charge",
    "proton_coupling_offset",
    "scalar_charge",
    "scalar_to_weak_ratio",
    "stepping_electron_number",
    "vector_mediator_charge",
    "vector_mediator_shift",
    "weak_charge",
    "weak_couplings",
]
