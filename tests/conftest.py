"""Test configuration: float64 is enabled here, explicitly, for the whole suite.

The command line's persistent compilation cache stays off in tests (in-process
CLI calls would otherwise write to the user's cache directory); tests of the
cache set their own directory.

Compiled programs are shared within one run of the suite instead: JAX's
persistent compilation cache points at a fresh temporary directory common to
the pytest workers and to the processes the tests start (notebook kernels,
command-line subprocesses inherit it through ``JAX_COMPILATION_CACHE_DIR``),
so a program compiled by one of them is not compiled again by the others.
The directory is removed at the end of the run; ``CEVNSJAX_TEST_NO_SHARED_CACHE=1``
turns the sharing off.

Module-scoped fixtures are computed once per worker, so the tests of one file
run on one worker (``--dist loadfile`` in ``pyproject.toml``): a module's
expensive fixtures (a whole ``reproduce`` run, Feldman–Cousins belts,
posterior grids) are computed once, not once per worker. (``loadgroup`` with
``xdist_group`` marks would be finer, but pytest-xdist 3.8 does not apply its
groups to the test ids of pytest 9.)
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("CEVNSJAX_NO_CACHE", "1")


def _shared_cache_dir() -> tuple[Path | None, bool]:
    """The run's directory, and whether this process created it (and removes it).
    The first process (the xdist controller, or a run without workers) creates
    it; the workers it starts inherit it through the environment."""
    if os.environ.get("CEVNSJAX_TEST_NO_SHARED_CACHE", "").strip() not in ("", "0"):
        return None, False
    if os.environ.get("CEVNSJAX_TEST_CACHE_DIR"):
        return Path(os.environ["CEVNSJAX_TEST_CACHE_DIR"]), False
    folder = Path(tempfile.mkdtemp(prefix="cevnsjax-tests-"))
    os.environ["CEVNSJAX_TEST_CACHE_DIR"] = str(folder)
    return folder, True


_CACHE, _OWNER = _shared_cache_dir()
if _CACHE is not None:
    os.environ["JAX_COMPILATION_CACHE_DIR"] = str(_CACHE)
    os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0.2"
    os.environ["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "0"

import jax  # noqa: E402  (after the environment above: JAX reads it when first imported)

import cevnsjax  # noqa: E402

if _CACHE is not None:
    jax.config.update("jax_compilation_cache_dir", str(_CACHE))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)

cevnsjax.enable_x64()


def pytest_sessionfinish(session, exitstatus):
    if _OWNER and not hasattr(session.config, "workerinput"):  # its creator removes the shared directory
        shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def conus_plus():
    return cevnsjax.load_experiment("conus-plus")


@pytest.fixture(scope="session")
def nominal(conus_plus):
    return cevnsjax.nominal_params(conus_plus)
