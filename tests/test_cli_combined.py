"""Several experiments on one command line, COHERENT data sets by name, and
the command line's own behaviour (version, one-line errors, strict JSON, the
compilation cache)."""

import json
import os
import subprocess
import sys

import pytest

import cevnsjax
from cevnsjax.analyses.registry import coherent_names, load_analyses
from cevnsjax.cli import main
from cevnsjax.parameters import make_params


def _strict(text):
    """json.loads that refuses NaN and Infinity."""

    def refuse(token):
        raise AssertionError(f"non-finite number {token} in JSON output")

    return json.loads(text, parse_constant=refuse)


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"cevnsjax {cevnsjax.__version__}"


@pytest.mark.parametrize("name", ["coherent-csi-2017", "coherent-lar-2020"])
def test_predict_coherent_data_sets_within_15_percent_of_published(capsys, name):
    """The collaboration's SM predictions: CsI 2017 173 ± 48 (Science 357 (2017)
    1123), LAr 2020 128 ± 17 (PRL 126 (2021) 012002), read from the release
    metadata the command prints."""
    assert name in coherent_names()
    assert main(["predict", "--experiment", name, "--json"]) == 0
    out = _strict(capsys.readouterr().out)
    published = out["published_sm_prediction"]["value"]
    assert published in (173, 128)
    assert abs(out["total"] / published - 1) < 0.15
    assert out["components"]["cevns"] == out["total"] and len(out["components"]) >= 3


def test_combined_chi2_is_the_sum_of_the_parts():
    """At fixed parameters the joint χ² equals the sum of the separate ones
    (nuisances are separate), for a counting, an ON/OFF and a COHERENT analysis."""
    names = ["conus-plus", "conus-run5", "coherent-lar-2020"]
    joint, params, parts = load_analyses(names)
    for p in (params, params.replace(sin2_theta_w=0.25, eps_ee_uV=0.05)):
        separate = sum(float(part.analysis(p)) for part in parts)
        assert float(joint(p)) == pytest.approx(separate, rel=1e-10)
    assert [p.name for p in parts] == names
    assert parts[1].expected and not parts[0].expected


def test_combined_fit_from_the_command_line_is_narrower(capsys):
    """conus-plus + coherent-lar-2020 from the command line gives a narrower
    sin²θW interval than conus-plus alone, and labels both experiments. (The
    same path with coherent-csi-2017, twice as costly, is checked at library
    level with its numbers in tests/test_coherent_fits.py.)"""
    assert main(["fit", "sin2_theta_w", "--json"]) == 0
    alone = _strict(capsys.readouterr().out)
    assert (
        main(["fit", "sin2_theta_w", "--experiment", "conus-plus", "--experiment", "coherent-lar-2020", "--json"]) == 0
    )
    both = _strict(capsys.readouterr().out)
    assert both["analysis"] == "combined" and [p["experiment"] for p in both["parts"]] == [
        "conus-plus",
        "coherent-lar-2020",
    ]
    assert both["result"] == "observed"
    width = lambda r: r["interval"][1] - r["interval"][0]  # noqa: E731
    assert width(both) < 0.85 * width(alone)
    assert both["interval"][0] < both["best_fit"] < both["interval"][1]


@pytest.mark.parametrize(
    "argv, words",
    [
        (["fit", "sin2_theta_w", "--experiment", "conus-plus", "--experiment", "conus-plus"], "given twice"),
        (["fit", "sin2_theta_w", "--experiment", "coherent-csi-2017", "--measured", "100"], "do not apply"),
        (["predict", "--experiment", "coherent-lar-2020", "--flux-normalisation", "thermal_power"], "does not apply"),
        (["predict", "--experiment", "coherent-nai-2099"], "unknown experiment"),
        (["fit", "sin2_theta_w", "--experiment", "conus-run5", "--measured", "10"], "counting analysis"),
    ],
)
def test_bad_combinations_give_one_line_errors(capsys, argv, words):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err and "Traceback" not in err


def test_debug_shows_the_traceback():
    with pytest.raises(ValueError, match="given twice"):
        main(["predict", "--experiment", "conus-plus", "--experiment", "conus-plus", "--debug"])


def test_asimov_results_are_labelled_expected(capsys):
    assert main(["predict", "--experiment", "conus-plus", "--experiment", "conus-run5", "--json"]) == 0
    out = _strict(capsys.readouterr().out)
    assert [r["experiment"] for r in out["experiments"]] == ["conus-plus", "conus-run5"]
    assert out["total"] == pytest.approx(sum(r["total"] for r in out["experiments"]))
    _, _, parts = load_analyses(["conus-run5"])
    assert parts[0].info()["result"] == "expected"


def test_compilation_cache_directory_follows_the_environment(monkeypatch, tmp_path):
    from cevnsjax._cache import cache_directory

    monkeypatch.setenv("CEVNSJAX_NO_CACHE", "1")
    assert cache_directory() is None
    monkeypatch.setenv("CEVNSJAX_NO_CACHE", "0")
    monkeypatch.setenv("CEVNSJAX_CACHE_DIR", str(tmp_path / "c"))
    assert cache_directory() == tmp_path / "c"
    monkeypatch.delenv("CEVNSJAX_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_directory() == tmp_path / "xdg" / "cevnsjax" / "jax"


def test_cli_writes_compiled_programs_to_the_cache(tmp_path):
    """A real run fills the cache directory; the cached run prints the same total."""
    env = {**os.environ, "CEVNSJAX_CACHE_DIR": str(tmp_path / "cache"), "CEVNSJAX_NO_CACHE": "0"}
    totals = []
    for _ in range(2):
        run = subprocess.run(
            [sys.executable, "-m", "cevnsjax", "predict", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
        totals.append(_strict(run.stdout)["total"])
    assert any((tmp_path / "cache").iterdir())
    assert totals[0] == totals[1]


def test_nominal_values_that_disagree_are_an_error(tmp_path):
    spec = json.loads((cevnsjax.datafiles.data_path("experiments/conus-plus.json")).read_text())
    spec["name"] = "conus-plus-k17"
    spec["nominal_parameters"]["quench_k"] = 0.17
    path = tmp_path / "k17.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(ValueError, match="quench_k"):
        load_analyses(["conus-plus", str(path)])
    joint, params, _ = load_analyses(["conus-plus", str(path)], overrides={"quench_k": 0.165})
    assert float(params.quench_k) == 0.165 and joint.names == ("conus-plus", "conus-plus-k17")
    assert make_params({}).quench_k != 0.165
