"""Published numbers the forward model reproduces, through the CLI."""

import json
import subprocess
import sys

import pytest

from cevnsjax.cli import main

SEED_SM_PREDICTION = 356.0  # seed paper 000: CONUS+ Standard Model prediction [events]


def test_cli_predict_conus_plus_json_reproduces_seed_prediction(capsys):
    assert main(["predict", "--experiment", "conus-plus", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["experiment"] == "conus-plus"
    assert out["total"] == pytest.approx(SEED_SM_PREDICTION, rel=0.04)
    assert [d["threshold_eVee"] for d in out["detectors"]] == [160, 170, 180]
    assert sum(d["exposure_kg_day"] for d in out["detectors"]) == pytest.approx(347.0)
    assert sum(d["counts"] for d in out["detectors"]) == pytest.approx(out["total"])
    assert out["parameters"]["quench_k"] == 0.162 and "sin2_theta_w" in out["parameters"]
    # the thermal-power normalisation is printed beside it; the spectral model has
    # fewer antineutrinos per fission (6.44) than the quoted flux implies (7.40 with Ma-2013 energies per fission)
    totals = out["total_by_flux_normalisation"]
    assert totals["total_flux"] == out["total"]
    assert totals["thermal_power"] / totals["total_flux"] == pytest.approx(6.442 / 7.399, rel=1e-3)


def test_console_script_entry_point_runs():
    proc = subprocess.run([sys.executable, "-m", "cevnsjax", "predict"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "sample-160eV" in proc.stdout and "thermal_power" in proc.stdout


def test_counts_scale_with_exposure_and_flux(conus_plus, nominal):
    import cevnsjax as cj

    base = float(cj.total_counts(nominal, conus_plus))
    assert float(cj.total_counts(nominal.replace(flux_norm=2.0), conus_plus)) == pytest.approx(2 * base, rel=1e-12)


def test_other_flux_normalisation_equals_building_that_experiment():
    """predict prints the total under the other reactor normalisation by scaling
    with the ratio of flux scales; it equals the count of the experiment built
    with that normalisation."""
    import cevnsjax as cj
    from cevnsjax.prediction import predict_counts
    from cevnsjax.rates import expected_counts_by_channel

    cases = [("conus-plus", "total_flux", "thermal_power"), ("conus-plus", "thermal_power", "total_flux")]
    cases.append(("conus-run5", "thermal_power", "total_flux"))  # with the electron channel
    for name, chosen, other in cases:
        totals = predict_counts(name, flux_normalisation=chosen)["total_by_flux_normalisation"]
        built = cj.load_experiment(name, flux_normalisation=other)
        counts = expected_counts_by_channel(cj.nominal_params(built), built)
        assert totals[other] == pytest.approx(float(sum(v.sum() for v in counts.values())), rel=1e-12), name


def test_a_reactor_file_with_one_normalisation_predicts_that_one(tmp_path):
    """A source block without thermal_power_GW prints its total_flux total alone
    (the other normalisation needs the missing field)."""
    from cevnsjax.datafiles import data_root
    from cevnsjax.prediction import predict_counts

    spec = json.loads((data_root() / "experiments" / "conus-plus.json").read_text())
    del spec["source"]["thermal_power_GW"]
    spec["name"] = "conus-plus-flux-only"
    path = tmp_path / "flux-only.json"
    path.write_text(json.dumps(spec))
    out = predict_counts(str(path))
    assert list(out["total_by_flux_normalisation"]) == ["total_flux"]
    assert out["total"] == pytest.approx(predict_counts("conus-plus")["total"], rel=1e-12)
