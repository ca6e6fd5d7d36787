"""HEPData submission: written with hepdata_lib, checked offline by the HEPData validator."""

import csv

import numpy as np
import pytest
import yaml

pytest.importorskip("hepdata_lib")
pytest.importorskip("hepdata_validator")

from cevnsjax.publish import grid_table, limits_table, profile_table, validate_hepdata, write_hepdata


def _tables():
    xs = np.linspace(0.1, 0.4, 7)
    u = np.linspace(-0.5, 0.5, 3)
    return [
        profile_table(
            "sin2 theta_W profile", xs, ((xs - 0.255) / 0.047) ** 2, parameter="sin^2 theta_W", location="Figure 1"
        ),
        limits_table(
            "mu_nu upper limits",
            ["CONUS+", "GEMMA"],
            [5.3e-10, 2.9e-11],
            quantity="mu_nu",
            units="mu_B",
            location="Figure 2",
        ),
        grid_table(
            "NSI Delta chi2",
            u,
            u,
            np.arange(9.0).reshape(3, 3),
            x_name="eps_ee^uV",
            y_name="eps_ee^dV",
            location="Figure 3",
        ),
        {
            "name": "sin2 theta_W measurement",
            "description": "best fit with its asymmetric 1 sigma interval",
            "independent": [{"name": "Q", "units": "GeV", "values": [0.0156]}],
            "dependent": [{"name": "sin^2 theta_W", "values": [0.255], "errors": {"minus": [0.047], "plus": [0.048]}}],
        },
    ]


def test_written_submission_passes_the_validator(tmp_path):
    result = write_hepdata(tmp_path / "hepdata", _tables(), comment="CONUS+ reanalysis")
    assert result["valid"] is True
    ok, messages = validate_hepdata(tmp_path / "hepdata")
    assert ok and messages == []
    docs = list(yaml.safe_load_all((tmp_path / "hepdata" / "submission.yaml").read_text()))
    names = [d["name"] for d in docs if "name" in d]
    assert names == [t["name"] for t in _tables()]
    limits = yaml.safe_load((tmp_path / "hepdata" / "mu_nu_upper_limits.yaml").read_text())
    dep = limits["dependent_variables"][0]
    assert [v["value"] for v in dep["values"]] == [5.3e-10, 2.9e-11]
    assert dep["header"]["units"] == "mu_B" and dep["qualifiers"][0] == {"name": "CL", "value": "90 %"}
    meas = yaml.safe_load((tmp_path / "hepdata" / "sin2_theta_w_measurement.yaml").read_text())
    err = meas["dependent_variables"][0]["values"][0]["errors"][0]["asymerror"]
    assert err == {"minus": -0.047, "plus": 0.048}


def test_csv_beside_each_table(tmp_path):
    write_hepdata(tmp_path / "h", _tables())
    rows = list(csv.reader((tmp_path / "h_csv" / "nsi_delta_chi2.csv").open()))
    assert rows[0] == ["eps_ee^uV", "eps_ee^dV", "Delta chi^2"] and len(rows) == 10
    assert float(rows[4][2]) == 3.0 and float(rows[4][0]) == 0.0 and float(rows[4][1]) == -0.5


def test_validator_catches_a_broken_submission(tmp_path):
    write_hepdata(tmp_path / "h", _tables())
    (tmp_path / "h" / "mu_nu_upper_limits.yaml").write_text("independent_variables: 3\n")
    ok, messages = validate_hepdata(tmp_path / "h")
    assert not ok and messages


def test_bad_tables_name_the_field(tmp_path):
    with pytest.raises(ValueError, match="tables"):
        write_hepdata(tmp_path, [])
    with pytest.raises(ValueError, match=r"tables\[0\]: missing 'description'"):
        write_hepdata(
            tmp_path,
            [{"name": "x", "independent": [{"name": "a", "values": [1]}], "dependent": [{"name": "b", "values": [1]}]}],
        )
    bad = _tables()[:1]
    bad[0]["dependent"][0]["values"] = [1.0]
    with pytest.raises(ValueError, match=r"dependent\[0\]: 1 values"):
        write_hepdata(tmp_path, bad)
    with pytest.raises(ValueError, match="used twice"):
        write_hepdata(tmp_path, _tables()[:1] * 2)
