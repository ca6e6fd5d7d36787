"""Compatibility path: the quenching functions live in :mod:`cevnsjax.detector.quenching`."""

from .detector.quenching import ionisation_energy, lindhard_epsilon, lindhard_yield, lindhard_yield_from_epsilon

__all__ = ["ionisation_energy", "lindhard_epsilon", "lindhard_yield", "lindhard_yield_from_epsilon"]
