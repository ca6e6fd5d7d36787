"""The benchmark scripts run (quick mode) and report consistent figures."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_forward_benchmark_runs_quick(tmp_path):
    out = tmp_path / "forward.json"
    report = load("bench_forward").main(["--quick", "--no-readme", "--out", str(out)])
    written = json.loads(out.read_text())
    assert written["model_total"] == report["model_total"] and written["batches"].keys() == report["batches"].keys()
    assert report["relative_difference_to_reference"] < 1e-4
    assert report["gradient_to_forward_ratio"] > 0 and report["best_evaluations_per_second"] > 0
    assert set(report["batches"]) == {"1000", "10000"}


def test_analysis_benchmark_runs_quick(tmp_path):
    out = tmp_path / "analysis.json"
    report = load("bench_analysis").main(["--quick", "--no-readme", "--out", str(out)])
    assert json.loads(out.read_text())["nsi_scan_points"] == 41 * 41
    assert report["sin2_best_fit"] == pytest.approx(0.255, abs=0.005)
    assert report["max_relative_difference_on_subgrid"] < 1e-4
    assert report["scan_speedup_vs_reference"] > 1


def test_exclusion_benchmark_runs_quick(tmp_path):
    out = tmp_path / "exclusion.json"
    report = load("bench_exclusion").main(["--quick", "--no-readme", "--out", str(out)])
    runs = json.loads(out.read_text())["runs"]
    assert {r["model"] for r in runs} == {"vector-universal", "vector-bl", "scalar"}
    assert all(r["forward_evaluations"] > 10 * r["masses"] and r["limit_at_1keV"] > 0 for r in report["runs"])


def test_speed_benchmark_varies_every_parameter_inside_its_range(nominal):
    """'Every parameter varying' means it: each field takes distinct values in
    its allowed range, within 5 % of nominal (or 1e-4 of the range at zero)."""
    import dataclasses

    import numpy as np

    from cevnsjax.parameters import PARAMETERS

    batch = load("bench_speed").varied_params(nominal, 64, seed=3)
    for f in dataclasses.fields(batch):
        v, c, spec = np.asarray(getattr(batch, f.name)), float(getattr(nominal, f.name)), PARAMETERS[f.name]
        assert v.shape == (64,) and np.unique(v).size == 64, f.name
        assert spec.lower <= v.min() and v.max() <= spec.upper, f.name
        assert np.max(np.abs(v - c)) <= (0.05 * abs(c) if c else 1e-4 * (spec.upper - spec.lower)), f.name


def test_headline_table_goes_between_the_readme_markers(tmp_path):
    run_all = load("run_all")
    summary = {
        "cli": {
            "command": "cevnsjax predict",
            "cold_seconds": 8.0,
            "warm_seconds": 3.0,
            "no_cache_seconds": 8.1,
            "warm_over_cold": 0.375,
        }
    }
    readme = tmp_path / "README.md"
    readme.write_text("# x\n<!-- BEGIN speed -->\nstale row\n<!-- END speed -->\ntail\n")
    assert run_all.write_readme_speed(run_all.speed_rows(summary), readme)
    text = readme.read_text()
    assert "stale row" not in text and "8.0 s / 3.0 s / 8.1 s (warm = 38 % of cold)" in text and text.endswith("tail\n")
