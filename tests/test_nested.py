"""Nested sampling (jaxns): both NSI bands found and weighted, the evidence,
and Bayes factors, against 1D and 2D grid quadrature of the same posterior."""

import json

import numpy as np
import pytest

from cevnsjax import infer
from cevnsjax.cli import main
from cevnsjax.infer import bayes

BOX = 0.5  # flat priors on [−0.5, 0.5]² in (ε^uV_ee, ε^dV_ee)


@pytest.fixture(scope="module")
def analysis(conus_plus):
    return infer.counting_analysis(conus_plus)


@pytest.fixture(scope="module")
def nsi_grid(analysis, nominal):
    """The same posterior (α marginalised analytically) on a 301² grid."""
    priors = {n: bayes.uniform_prior(-BOX, BOX) for n in bayes.NSI_PLANE}
    xs = np.linspace(-BOX, BOX, 301)
    grid = bayes.posterior_on_grid(analysis, nominal, priors, {"eps_ee_uV": xs, "eps_ee_dV": xs})
    line = bayes.nsi_gap_line(analysis, nominal)
    u, d = np.meshgrid(xs, xs)
    return grid, line, bayes.band_masses(u, d, grid["density"], line)


def test_gap_line_separates_the_bands(analysis, nominal, nsi_grid):
    """The gap line found from the predicted count lies where Q_W ≈ 0 (χ² near
    its 1/σ_α² plateau), and each side holds a band through its best point."""
    _, (a, b), masses = nsi_grid
    for d in (-0.05, 0.3):
        chi2_gap = float(analysis(nominal.replace(eps_ee_uV=a + b * d, eps_ee_dV=d)))
        assert chi2_gap > 100  # N_th ≈ 0 against 395 measured
    assert 0.2 < masses["flipped"] < 0.8 and masses["sm"] + masses["flipped"] == pytest.approx(1.0)


def test_cli_nsi_plane_defaults_to_nested_sampling_and_finds_both_bands(capsys, nsi_grid, analysis, nominal):
    """``cevnsjax sample eps_ee_uV eps_ee_dV`` with flat priors on the box:
    nested sampling by default, both bands found, masses within 0.03 of the
    grid quadrature, evidence within 3 σ (plus 0.05 for the grid) of it; the
    Bayes factor NSI free against the Standard Model (ε = 0) from the evidences."""
    grid, _, masses = nsi_grid
    argv = [
        "sample",
        "eps_ee_uV",
        "eps_ee_dV",
        "--prior",
        f"eps_ee_uV=uniform:{-BOX},{BOX}",
        "--prior",
        f"eps_ee_dV=uniform:{-BOX},{BOX}",
        "--seed",
        "0",
        "--chains",
        "1",
        "--samples",
        "2000",
        "--json",
    ]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    band, ev = out["nsi_band_masses"], out["evidence"]
    print(
        f"\nNSI band masses: nested {band['sm']:.3f}/{band['flipped']:.3f}, grid "
        f"{masses['sm']:.3f}/{masses['flipped']:.3f}; "
        f"ln Z nested {ev['log_evidence']:.3f} ± {ev['log_evidence_error']:.3f}, grid {grid['log_evidence']:.3f}"
    )
    assert out["settings"]["sampler"] == "nested sampling (jaxns)" and out["settings"]["live_points"] == 500
    assert band["sm"] == pytest.approx(masses["sm"], abs=0.03)
    assert band["flipped"] == pytest.approx(masses["flipped"], abs=0.03)
    assert ev["log_evidence"] == pytest.approx(grid["log_evidence"], abs=3 * ev["log_evidence_error"] + 0.05)
    log_z0 = bayes.log_evidence_fixed(analysis, nominal)  # ε = 0: α integrated out analytically
    assert log_z0 == pytest.approx(float(analysis.log_marginal_likelihood(nominal)), rel=1e-12)
    factor = bayes.bayes_factor(ev["log_evidence"], log_z0, ev["log_evidence_error"])
    exact = grid["log_evidence"] - log_z0
    print(
        f"ln B(NSI free : SM) nested {factor['ln_bayes_factor']:.3f} ± {factor['ln_bayes_factor_error']:.3f}, grid "
        f"{exact:.3f}"
    )
    assert factor["ln_bayes_factor"] == pytest.approx(exact, abs=3 * factor["ln_bayes_factor_error"] + 0.05)
    assert exact < 0  # the data do not ask for NSI: the wider model pays its Occam factor


def test_nested_bad_input(analysis, nominal):
    with pytest.raises(ValueError, match="live_points must be at least 2"):
        bayes.sample_nested(analysis, nominal, ["sin2_theta_w"], live_points=1)
    with pytest.raises(ValueError, match="draws must be an integer of at least 1"):
        bayes.sample_nested(analysis, nominal, ["sin2_theta_w"], draws=0)
