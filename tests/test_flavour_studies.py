"""Flavour studies (ε_ee with ε_μμ, ⟨r²_νe⟩ with ⟨r²_νμ⟩): the reactor is blind
to the muon-flavour parameters, the stopped-pion data are not, the allowed sets
are unions of intervals, and a charge radius is an exact shift of sin²θW."""

import numpy as np
import pytest

from cevnsjax.analyses.flavour_studies import (
    allowed_intervals,
    charge_radius_study,
    default_analyses,
    nsi_flavour_study,
)
from cevnsjax.interactions.electromagnetic import charge_radius_shift
from cevnsjax.parameters import make_params
from cevnsjax.rates import total_counts


@pytest.fixture(scope="module")
def analyses():
    return default_analyses()


def test_allowed_intervals_against_analytic_curves():
    x = np.linspace(-3.0, 3.0, 6001)
    assert allowed_intervals(x, x**2, 1.0) == [[pytest.approx(-1.0, abs=1e-6), pytest.approx(1.0, abs=1e-6)]]
    # a double well (x² − 4)²/16 has two minima; below Δ = 1 it allows |x| in (√0, √8)? : solve (x²−4)² < 16
    two = allowed_intervals(x, (x**2 - 4.0) ** 2 / 16.0, 0.25)  # (x² − 4)² < 4: 2 < x² < 6
    assert len(two) == 2
    assert two[0] == [pytest.approx(-np.sqrt(6.0), abs=1e-5), pytest.approx(-np.sqrt(2.0), abs=1e-5)]
    assert two[1] == [pytest.approx(np.sqrt(2.0), abs=1e-5), pytest.approx(np.sqrt(6.0), abs=1e-5)]
    assert allowed_intervals(x, np.zeros_like(x), 1.0) == [["range end", "range end"]]
    assert allowed_intervals(x, x, 1.0)[0][0] == "range end"


def test_reactor_is_blind_to_muon_flavour_and_the_combination_adds(analyses):
    r = nsi_flavour_study((-0.2, 0.5), (-0.2, 0.5), n=8, analyses=analyses)
    assert r["conus-plus"]["largest_change_along_eps_mumu_uV"] < 1e-9
    assert r["conus-plus"]["profiles"]["eps_mumu_uV"]["cl90"] == [["range end", "range end"]]
    coh = np.asarray(r["coherent (CsI+LAr)"]["delta_chi2"])
    assert np.ptp(coh, axis=1).max() > 10.0  # the stopped-pion data see ε_μμ
    combined = np.asarray(r["combined"]["delta_chi2"]) + r["combined"]["chi2_min"]
    parts = (
        np.asarray(r["conus-plus"]["delta_chi2"])
        + r["conus-plus"]["chi2_min"]
        + coh
        + r["coherent (CsI+LAr)"]["chi2_min"]
    )
    assert np.allclose(combined, parts, rtol=1e-12, atol=1e-9)
    q = charge_radius_study((-70.0, 20.0), (-70.0, 20.0), n=6, analyses=analyses)
    assert q["conus-plus"]["largest_change_along_r2_numu"] < 1e-9
    assert q["compare"]["standard_model_1e-32_cm2"] == {"r2_nue": -0.83, "r2_numu": -0.48}


def test_charge_radius_is_a_shift_of_the_weak_mixing_angle(analyses):
    """Tree level, ν̄_e on a nucleus: g_V^p = 1/2 − 2 sin²θW, and ⟨r²⟩ shifts g_V^p by
    −K⟨r²⟩, so ⟨r²_νe⟩ = x gives exactly the counts of sin²θW + K x / 2."""
    ex = analyses["conus-plus"].experiment
    p = make_params(ex.nominal())
    k = -float(charge_radius_shift(1.0))
    for x in (-40.0, -0.83, 7.5):
        a = float(total_counts(p.replace(r2_nue=x), ex))
        b = float(total_counts(p.replace(sin2_theta_w=float(p.sin2_theta_w) + 0.5 * k * x), ex))
        assert a == pytest.approx(b, rel=1e-12)


def test_reactor_minima_are_mirror_images_about_the_zero_of_the_weak_charge(analyses):
    """ε^{uV}_ee adds ε (2Z + N) to Q_W/F (F_n = F_p at the default radii), so the
    counts depend on (ε − ε0)² with ε0 = −(Z g_p + N g_n)/(2Z + N), where Q_W = 0:
    the two allowed intervals are mirror images about ε0 (germanium's mean N)."""
    r = nsi_flavour_study(
        (-0.2, 0.6),
        (-0.1, 0.1),
        n=161,
        analyses={"conus-plus": analyses["conus-plus"], "coherent-csi-2017": _Zero(), "coherent-lar-2020": _Zero()},
    )
    s2 = 0.23857
    z, n = 32.0, 72.63 - 32.0  # germanium: Z, mean N (natural abundances)
    eps0 = -(z * (0.5 - 2.0 * s2) + n * (-0.5)) / (2.0 * z + n)
    intervals = r["conus-plus"]["profiles"]["eps_ee_uV"]["cl68"]
    assert len(intervals) == 2
    (a_lo, a_hi), (b_lo, b_hi) = intervals
    assert a_lo < 0.0 < a_hi  # the Standard-Model side holds ε = 0
    assert 0.5 * (a_lo + b_hi) == pytest.approx(eps0, abs=0.003)
    assert 0.5 * (a_hi + b_lo) == pytest.approx(eps0, abs=0.003)
    assert (a_hi - a_lo) == pytest.approx(b_hi - b_lo, rel=0.05)


class _Zero:
    """A stand-in analysis with χ² = 0 everywhere (to look at one data set alone)."""

    def __call__(self, params):
        return 0.0 * params.sin2_theta_w
