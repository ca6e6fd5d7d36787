"""The benchmark script runs (quick mode) and reports consistent figures."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_forward_benchmark_runs_quick(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_forward", ROOT / "benchmarks" / "bench_forward.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "forward.json"
    report = bench.main(["--quick", "--no-readme", "--out", str(out)])
    written = json.loads(out.read_text())
    assert written["model_total"] == report["model_total"] and written["batches"].keys() == report["batches"].keys()
    assert report["relative_difference_to_reference"] < 1e-4
    assert report["gradient_to_forward_ratio"] > 0 and report["best_evaluations_per_second"] > 0
    assert set(report["batches"]) == {"1000", "10000"}
