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
