"""Several experiments in one fit (--experiment repeated), and conus-run5
(Asimov, labelled expected) through fit and sample."""

import json

import numpy as np
import pytest

from cevnsjax.analyses.registry import load_analyses
from cevnsjax.cli import main
from cevnsjax.rates import detector_counts


def run_json(capsys, *argv):
    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


SEED_SIGMA_ALPHA = np.sqrt(0.024**2 + 0.113**2 + 0.263**2)  # seed paper Eq. 2


def _seed_chi2(n_th, measured=395.0, sigma_alpha=SEED_SIGMA_ALPHA):
    """Seed Eq. 2 with α profiled in closed form: (N − n)² / (N + σ_α² n²)."""
    return (measured - n_th) ** 2 / (measured + sigma_alpha**2 * n_th**2)


@pytest.mark.parametrize("values", [{}, {"sin2_theta_w": 0.27}, {"mu_nu": 2e-10, "quench_k": 0.17}])
def test_combined_chi2_is_the_sum_of_the_parts(values):
    combined, params, parts = load_analyses(["conus-plus", "conus-run5"])
    assert [p.name for p in parts] == ["conus-plus", "conus-run5"]
    assert [p.expected for p in parts] == [False, True]
    point = params.replace(**values)
    total = float(combined(point))
    alone = [float(p.analysis(point)) for p in parts]
    assert total == pytest.approx(sum(alone), rel=1e-9, abs=1e-9)
    # the counting part against the seed formula evaluated on the model's counts
    plus = parts[0].experiment  # the analysis' own experiment (its response tabulated)
    n_th = float(np.sum(detector_counts(point, plus)))
    assert alone[0] == pytest.approx(_seed_chi2(n_th), rel=1e-9)
    if not values:
        assert alone[1] == pytest.approx(0.0, abs=1e-6)  # Asimov data at the nominal point


def test_combined_fit_from_the_command_line(capsys):
    both = run_json(capsys, "fit", "sin2_theta_w", "--experiment", "conus-plus", "--experiment", "conus-run5")
    alone = run_json(capsys, "fit", "sin2_theta_w")
    assert both["experiment"] == "conus-plus + conus-run5" and both["analysis"] == "combined"
    assert both["result"].startswith("mixed") and [p["result"] for p in both["parts"]] == ["observed", "expected"]
    assert both["converged"]
    width = lambda r: r["interval"][1] - r["interval"][0]  # noqa: E731
    assert width(both) < width(alone)
    notes = lambda r: {k for k in r if k.endswith("_note")}  # noqa: E731 - reasons beside undefined values
    assert set(both) - notes(both) == set(alone) - notes(alone)  # one schema whatever the experiments


def test_fit_and_sample_on_conus_run5_are_labelled_expected(capsys, tmp_path):
    fit = run_json(capsys, "fit", "flux_norm", "--experiment", "conus-run5")
    assert fit["result"] == "expected" and fit["best_fit"] == pytest.approx(1.0, abs=1e-3)
    assert fit["data"].startswith("asimov")
    out = run_json(
        capsys,
        "sample",
        "flux_norm",
        "--experiment",
        "conus-run5",
        "--chains",
        "1",
        "--samples",
        "40",
        "--warmup",
        "40",
        "--out",
        str(tmp_path / "run"),
    )
    assert out["result"] == "expected" and out["divergences"] == 0
    assert 0.5 < out["parameters"]["flux_norm"]["median"] < 1.5
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["corner.pdf", "corner.png", "posterior.nc"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staging folder left
    # every posterior-predictive variable of the ON/OFF spectra has (chain, draw) first: 1 chain of 40 draws
    from cevnsjax.infer import bayes

    pp = bayes._arviz().from_netcdf(str(tmp_path / "run" / "posterior.nc"))["posterior_predictive"]
    names = sorted(pp.data_vars)
    assert names == ["predicted_0", "predicted_1", "replicated_0", "replicated_1"]
    for name in names:
        assert pp[name].shape[:2] == (1, 40), name
