"""`cevnsjax reproduce --quick`: the main job writes every output, and its
numbers are those of the individual commands."""

import json
from pathlib import Path

import pytest

from cevnsjax.cli import main


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce")
    assert main(["reproduce", "--quick", "--out", str(out)]) == 0
    return out, json.loads((out / "results.json").read_text())


def cli_json(capsys, *argv):
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_results_have_the_documented_keys_and_figures(reproduced):
    out, results = reproduced
    for key in (
        "sm_prediction",
        "sin2_theta_w",
        "mu_nu_limit",
        "nsi",
        "nsi_coherent",
        "exclusions",
        "posteriors",
        "conus_sensitivity",
        "settings",
        "summary",
        "steps",
        "figures",
    ):
        assert key in results, key
    assert {"best_fit", "interval"} <= set(results["sin2_theta_w"])
    assert results["settings"]["mode"] == "quick"
    names = {Path(f).name for f in results["figures"]}
    for stem in (
        "sin2_theta_w",
        "sin2_theta_w_running",
        "mu_nu",
        "nsi",
        "run5_mu_nu_spectra",
        "exclusion_conus-plus_vector-universal",
        "exclusion_conus-run5_scalar",
    ):
        assert {f"{stem}.png", f"{stem}.pdf"} <= names, stem
    for f in results["figures"]:
        assert (out / f).stat().st_size > 1000
    assert (out / "posterior_sin2_theta_w").is_dir()
    # seed Fig. 3 computed: CONUS+ beside COHERENT CsI + LAr (eps_mumu fixed to 0) and their combination
    assert {"nsi_coherent.png", "nsi_coherent.pdf"} <= names
    nsi = results["nsi_coherent"]
    assert nsi["eps_mumu"] == "fixed to 0" and (out / nsi["grid_file"]).stat().st_size > 1000
    fractions = {k: nsi[k]["allowed_fraction_90"] for k in ("coherent", "conus-plus", "combined")}
    assert 0 < fractions["combined"] < min(fractions["coherent"], fractions["conus-plus"])
    # the seed's three comparison figures, and their tables as a validated HEPData submission
    for stem in ("fig1_running_sin2_theta_w", "fig2_mu_nu_limits", "fig3_nsi"):
        assert {f"{stem}.png", f"{stem}.pdf"} <= names, stem
    assert results["seed_figures"]["hepdata"]["valid"] is True
    assert (out / "hepdata" / "submission.yaml").is_file()
    assert len(results["summary"]) == 6 and all(r["cevnsjax"] is not None for r in results["summary"])


def test_values_agree_with_the_individual_commands(capsys, reproduced):
    _, results = reproduced
    assert cli_json(capsys, "predict")["total"] == results["sm_prediction"]["total"]
    fit = cli_json(capsys, "fit", "sin2_theta_w")
    assert fit["best_fit"] == results["sin2_theta_w"]["best_fit"]
    assert fit["interval"] == results["sin2_theta_w"]["interval"]
    assert cli_json(capsys, "limit", "mu_nu", "--cl", "0.9")["upper_limit"] == results["mu_nu_limit"]["upper_limit"]
    n = str(results["settings"]["masses"])
    excl = cli_json(capsys, "exclusion", "scalar", "--masses", "1e-3", "1e4", n)
    assert excl["coupling_limits"] == results["exclusions"]["conus-plus/scalar"]["coupling_limits"]
    s = results["settings"]
    sample = cli_json(
        capsys,
        "sample",
        "mu_nu",
        "--chains",
        str(s["chains"]),
        "--samples",
        str(s["samples"]),
        "--warmup",
        str(s["warmup"]),
        "--seed",
        str(s["seed"]),
    )
    assert sample["parameters"]["mu_nu"]["median"] == results["posteriors"]["mu_nu"]["parameters"]["mu_nu"]["median"]


def test_reproduced_numbers_match_the_published_ones(reproduced):
    _, results = reproduced
    rows = {r["quantity"].split(",")[0]: r for r in results["summary"]}
    assert rows["CONUS+ SM prediction [events]"]["ratio"] == pytest.approx(1.0, abs=0.04)
    assert results["sin2_theta_w"]["best_fit"] == pytest.approx(0.255, abs=0.005)
    assert results["mu_nu_limit"]["upper_limit"] == pytest.approx(5.3e-10, rel=0.15)
