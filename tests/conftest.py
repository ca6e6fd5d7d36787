"""Test configuration: float64 is enabled here, explicitly, for the whole suite."""

import pytest

import cevnsjax

cevnsjax.enable_x64()


@pytest.fixture(scope="session")
def conus_plus():
    return cevnsjax.load_experiment("conus-plus")


@pytest.fixture(scope="session")
def nominal(conus_plus):
    return cevnsjax.nominal_params(conus_plus)
