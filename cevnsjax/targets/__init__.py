"""Targets and nuclei: compounds → elements → isotopes, kinematics, and the
proton and neutron form factors (separate radii)."""

from .form_factors import (
    FORM_FACTORS,
    default_rms_radius,
    form_factor,
    form_factor_from_rms,
    helm_form_factor,
    klein_nystrand_form_factor,
    max_recoil,
    min_neutrino_energy,
    momentum_transfer,
)
from .target import Element, Isotope, Target, TargetError, available_targets, load_element, load_target, parse_element

__all__ = [
    "FORM_FACTORS",
    "Element",
    "Isotope",
    "Target",
    "TargetError",
    "available_targets",
    "default_rms_radius",
    "form_factor",
    "form_factor_from_rms",
    "helm_form_factor",
    "klein_nystrand_form_factor",
    "load_element",
    "load_target",
    "max_recoil",
    "min_neutrino_energy",
    "momentum_transfer",
    "parse_element",
]
