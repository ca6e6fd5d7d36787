"""The command line: --version, no import circle, stable and strict JSON,
output files checked first and written atomically, honest labels (channels,
units, two-sided intervals for signed parameters)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from cevnsjax.cli import main


def strict_loads(text):
    def reject(name):
        raise ValueError(f"non-strict JSON constant {name}")

    return json.loads(text, parse_constant=reject)


def run_json(capsys, *argv):
    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    return strict_loads(capsys.readouterr().out)


def test_version(capsys):
    from cevnsjax import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"cevnsjax {__version__}"


def test_console_entry_point_in_a_subprocess(tmp_path):
    """``python -m cevnsjax``: --version, then a user error: exit status 2, one line, no traceback."""
    ok = subprocess.run([sys.executable, "-m", "cevnsjax", "--version"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stdout.startswith("cevnsjax ")
    bad = subprocess.run(
        [sys.executable, "-m", "cevnsjax", "scan", "mu_nu", "mu_nu"], capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "two different parameters" in bad.stderr and "Traceback" not in bad.stderr


def test_no_import_circle():
    """reproduce composes the library verbs; it never imports the command line."""
    code = (
        "import sys, importlib\n"
        "for m in ('cevnsjax.results', 'cevnsjax.commands', 'cevnsjax.analyses.registry', 'cevnsjax.reproduce'):\n"
        "    importlib.import_module(m)\n"
        "assert 'cevnsjax.cli' not in sys.modules, 'reproduce imports the CLI'\n"
        "import cevnsjax.cli, cevnsjax.cli_format, cevnsjax.cli_parser\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_debug_shows_the_traceback():
    from cevnsjax.parameters import ParameterError

    with pytest.raises(ParameterError):
        main(["fit", "sin2theta", "--debug"])


def test_positional_help_lists_the_parameter_names(capsys):
    assert main(["fit", "--help"]) == 0
    out = capsys.readouterr().out
    assert "sin2_theta_w" in out and "mu_nu" in out and "q_nu" in out


def test_predict_breaks_counts_down_by_channel(capsys, tmp_path):
    """conus-run5 has both channels: per-detector sums, totals and the binned
    spectrum agree with each other and with the model evaluated directly."""
    import cevnsjax as cj
    from cevnsjax.rates import expected_counts_by_channel

    out = run_json(capsys, "predict", "--experiment", "conus-run5", "--spectrum")
    assert out["unit"] == "events" and out["result"] == "expected"
    assert set(out["channels"]) == {"nuclear", "electron"}
    ex = cj.load_experiment("conus-run5")
    direct = expected_counts_by_channel(cj.nominal_params(ex), ex)
    for ch in ("nuclear", "electron"):
        assert out["total_by_channel"][ch] == pytest.approx(float(np.sum(direct[ch])), rel=1e-10)
    assert out["total"] == pytest.approx(sum(out["total_by_channel"].values()), rel=1e-12)
    for d in out["detectors"]:
        assert d["counts"] == pytest.approx(sum(d["counts_by_channel"].values()), rel=1e-12)
        spec = d["spectrum"]
        assert spec["unit"] == "eVee" and spec["edges"][0] == d["threshold"]
        for ch, counts in spec["counts"].items():
            assert len(counts) == len(spec["edges"]) - 1
            assert sum(counts) == pytest.approx(d["counts_by_channel"][ch], rel=1e-10)
    assert main(["predict", "--experiment", "conus-run5", "--spectrum"]) == 0
    text = capsys.readouterr().out
    assert "electron [events]" in text and "nuclear [events]" in text and "bins in eVee" in text


def test_out_file_is_strict_json_and_not_overwritten_without_force(capsys, tmp_path):
    path = tmp_path / "predict.json"
    printed = run_json(capsys, "predict", "--out", str(path))
    written = strict_loads(path.read_text())
    assert written["total"] == printed["total"] and printed["out_file"] == str(path)
    path.write_text("{}")
    assert main(["predict", "--out", str(path)]) == 2
    assert "--force" in capsys.readouterr().err and path.read_text() == "{}"
    assert main(["predict", "--out", str(path), "--force"]) == 0
    assert strict_loads(path.read_text())["total"] == pytest.approx(printed["total"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predict.json"]  # no temporary files left


def test_interval_keys_do_not_depend_on_the_confidence_level(capsys):
    a = run_json(capsys, "fit", "sin2_theta_w")
    b = run_json(capsys, "fit", "sin2_theta_w", "--cl", "0.9")
    assert set(a) == set(b) and "interval" in a and "interval_68" not in a
    assert a["cl"] == pytest.approx(0.6827, abs=1e-4) and b["cl"] == 0.9
    assert b["interval"][0] < a["interval"][0] < a["best_fit"] < a["interval"][1] < b["interval"][1]
    assert a["interval_kind"] == "two-sided" and a["result"] == "observed"


def test_limit_on_a_signed_parameter_is_two_sided(capsys):
    """q_nu can be negative: the limit is the 90 % CL two-sided interval, whose
    ends lie at Δχ² = 2.706 on the profile (checked against the χ² directly)."""
    from cevnsjax.analyses.registry import load_analyses
    from cevnsjax.infer import profile_chi2

    two = run_json(capsys, "limit", "q_nu")
    assert two["interval_kind"] == "two-sided" and two["upper_limit"] == two["interval"][1]
    low, high = two["interval"]
    assert low < two["best_fit"] < high and low < 0 < high
    analysis, params, _ = load_analyses(["conus-plus"])
    best = params.replace(q_nu=two["best_fit"])
    ends = profile_chi2(analysis, best, "q_nu", [low, high]) - two["chi2_min"]
    assert ends == pytest.approx([2.7055, 2.7055], abs=2e-3)
    one = run_json(capsys, "limit", "q_nu", "--one-sided")
    assert one["interval_kind"] == "one-sided upper limit" and set(one) - {"hessian_error_note"} == set(two)
    assert one["hessian_error"] is None and "hessian_error_note" in one  # undefined, with its reason


def test_default_scan_range_of_an_open_interval_parameter(capsys):
    """quench_k is in (0, 0.4]: the default range starts just inside it."""
    out = run_json(capsys, "scan", "sin2_theta_w", "quench_k", "--points", "5")
    assert 0 < out["y"][0] < 0.001 and out["y"][-1] == 0.4
    assert np.isfinite(np.asarray(out["delta_chi2"])).all()


def test_plots_are_staged_and_renamed(capsys, tmp_path):
    out = run_json(capsys, "limit", "mu_nu", "--plot", str(tmp_path / "mu.png"))
    assert out["plots"] == [str(tmp_path / "mu.png"), str(tmp_path / "mu.pdf")]
    # the figure's numbers are written beside it as CSV
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mu.csv", "mu.pdf", "mu.png"]
    # a failing command leaves nothing behind, not even its staging folder
    assert main(["limit", "mu_nu", "--plot", str(tmp_path / "other.png"), "--param", "quench_k=0"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mu.csv", "mu.pdf", "mu.png"]
