"""Test configuration: float64 is enabled here, explicitly, for the whole suite.
The command line's persistent compilation cache stays off in tests (in-process
CLI calls would otherwise write to the user's cache directory); tests of the
cache set their own directory."""

import os

import pytest

import cevnsjax

os.environ.setdefault("CEVNSJAX_NO_CACHE", "1")
cevnsjax.enable_x64()


@pytest.fixture(scope="session")
def conus_plus():
    return cevnsjax.load_experiment("conus-plus")


@pytest.fixture(scope="session")
def nominal(conus_plus):
    return cevnsjax.nominal_params(conus_plus)
