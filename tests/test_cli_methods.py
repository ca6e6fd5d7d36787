"""Feldman–Cousins intervals from the command line (--method fc)."""

import json

import numpy as np
import pytest

from cevnsjax.analyses.registry import load_analyses
from cevnsjax.cli import main


def run_json(capsys, *argv):
    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_feldman_cousins_from_the_command_line(capsys):
    """limit mu_nu --method fc equals the library construction on the same grid."""
    from cevnsjax.infer.neyman import feldman_cousins

    out = run_json(capsys, "limit", "mu_nu", "--method", "fc", "--toys", "100")
    analysis, params, _ = load_analyses(["conus-plus"])
    grid = np.linspace(0.0, 5e-9, 101)
    ref = feldman_cousins(analysis, params, "mu_nu", grid, cls=(0.9,), n_toys=100)
    assert out["method"] == "feldman-cousins" and out["feldman_cousins"]["n_toys_per_point"] == 100
    low, high = ref.intervals[0.9]
    assert out["interval"] == [pytest.approx(low), pytest.approx(high)]
    assert out["upper_limit"] == pytest.approx(high)
    assert 1e-10 < out["upper_limit"] < 2e-9


def test_feldman_cousins_needs_a_counting_analysis(capsys):
    assert main(["fit", "flux_norm", "--experiment", "conus-run5", "--method", "fc"]) == 2
    err = capsys.readouterr().err
    assert "counting analysis" in err and err.count("\n") == 1
