"""COHERENT release files, their release.json summaries, and the independent reference.

The reference (tests/reference_coherent.py) is checked against separate scipy
integrations, a Monte-Carlo timing sample and the published SM predictions.
"""

import json
from pathlib import Path

import numpy as np
import pytest
import reference_coherent as ref
from scipy import integrate

EXP = Path(__file__).resolve().parent.parent / "data" / "experiments"

# The collaboration's release files are looked up outside the repository (see
# reference_coherent.release_dir); the checks that read them need them present.
needs_release = pytest.mark.skipif(
    not (ref.release_dir("coherent-csi-2017") and ref.release_dir("coherent-lar-2020")),
    reason="COHERENT release files not found (set CEVNSJAX_COHERENT_RELEASES or provide shared/coherent/)",
)


@pytest.mark.parametrize("name", ["coherent-csi-2017", "coherent-lar-2020"])
@needs_release
def test_every_listed_file_is_shipped_and_every_shipped_file_listed(name):
    spec = json.loads((EXP / name / "release.json").read_text())
    listed = {f["path"] for f in spec["files"]}
    folder = ref.release_dir(name)
    if folder is None:
        pytest.skip("COHERENT release files not found")
    shipped = {f"release/{p.name}" for p in (folder / "release").iterdir()}
    assert listed == shipped
    for doc in ("SOURCES.md", "NOTES.md"):
        assert (EXP / name / doc).stat().st_size > 1000


def test_csi2021_is_documented_but_not_shipped():
    spec = json.loads((EXP / "coherent-csi-2021" / "release.json").read_text())
    assert spec["shipped"] is False and spec["files"] == []
    assert not (EXP / "coherent-csi-2021" / "release").exists()


@needs_release
def test_lar_pdf_totals_match_release_normalisations():
    spec = ref.load("coherent-lar-2020")
    bkg = spec["backgrounds"]
    totals = {
        "release/cevnspdf.txt": spec["published"]["sm_prediction"]["value"],
        "release/brnpdf.txt": bkg["prompt_brn"]["prediction"]["value"],
        "release/delbrnpdf.txt": bkg["delayed_brn"]["prediction"]["value"],
        "release/bkgpdf.txt": bkg["steady_state"]["prediction"]["value"],
    }
    for rel, expected in totals.items():
        table = ref._release_table(spec, rel)
        assert table.shape == (960, 4)
        assert table[:, 3].sum() == pytest.approx(expected, abs=0.01), rel


@needs_release
def test_csi_time_pdfs_and_data_grid():
    spec = ref.load("coherent-csi-2017")
    for rel in ("arrivalTimePDF_promptNeutrinos", "arrivalTimePDF_delayedNeutrinos", "arrivalTimePDF_promptNeutrons"):
        pdf = ref._release_table(spec, f"release/{rel}.txt", ",")
        assert pdf.shape == (24, 2)
        assert pdf[:, 1].sum() == pytest.approx(1.0, abs=1e-9)
    data = ref._release_table(spec, "release/data_coincidence_beamOn.txt", ",")
    assert np.unique(data[:, 0]).size == 25 and np.unique(data[:, 1]).size == 24


@pytest.mark.parametrize("flavour", ["nu_e", "nubar_mu"])
@needs_release
def test_michel_moments_against_quad(flavour):
    m = ref.M_MU
    shape = {
        "nu_e": lambda e: 192 / m * (e / m) ** 2 * (0.5 - e / m),
        "nubar_mu": lambda e: 64 / m * (e / m) ** 2 * (0.75 - e / m),
    }[flavour]
    lo = np.array([0.0, 10.0, 40.0])
    got = ref.michel_moments(lo, flavour)
    for n in range(3):
        want = [integrate.quad(lambda e, n=n: shape(e) * e**-n, x, m / 2)[0] for x in lo]
        np.testing.assert_allclose(got[n], want, rtol=1e-10)
    assert got[0][0] == pytest.approx(1.0, rel=1e-12)


@needs_release
def test_timing_fraction_against_monte_carlo():
    spec = ref.load("coherent-lar-2020")
    rng = np.random.default_rng(7)
    n = 400_000
    prompt = rng.normal(0.44, 0.15, n) + rng.exponential(ref.TAU_PI_US, n)
    delayed = prompt + rng.exponential(ref.TAU_MU_US, n)
    frac = ref.lar_timing_fraction(-0.1, 4.9, spec)
    tol = 4 * np.sqrt(0.25 / n)
    assert frac["nu_mu"] == pytest.approx(np.mean((prompt >= -0.1) & (prompt < 4.9)), abs=tol)
    assert frac["nu_e"] == pytest.approx(np.mean((delayed >= -0.1) & (delayed < 4.9)), abs=tol)


@needs_release
def test_recoil_integral_against_nested_quad():
    """nu_e on argon: Gauss-Legendre T integral vs scipy nested quad over (E, T)."""
    spec = ref.load("coherent-lar-2020")
    t_end = ref.t_max(spec)
    t, w = ref.gl_grid(np.linspace(0.0, t_end, 401))
    got = float((ref.recoil_rate(t, spec)["nu_e"] * w).sum())
    phi = ref.fluence_per_flavour(spec)
    m = ref.M_MU
    want = 0.0
    for iso in ref.isotopes(spec):
        mass, qw = iso["M"], iso["Z"] * (0.5 - 2 * ref.SIN2_THETA_W) - 0.5 * iso["N"]

        def dsig(tt, e, mass=mass, qw=qw, iso=iso):
            kin = max(1 - tt / e - mass * tt / (2 * e * e), 0.0)
            f2 = ref.helm_f2(np.sqrt(2 * mass * tt) / ref.HBARC_FM, iso["A"])
            return ref.G_F**2 * mass / np.pi * qw**2 * kin * f2 * ref.HBARC2_CM2

        def over_t(e, mass=mass, dsig=dsig):
            return (
                192
                / m
                * (e / m) ** 2
                * (0.5 - e / m)
                * integrate.quad(dsig, 0.0, 2 * e * e / (mass + 2 * e), args=(e,), epsabs=0, epsrel=1e-10)[0]
            )

        want += iso["n_targets"] * phi * integrate.quad(over_t, 0.0, m / 2, epsabs=0, epsrel=1e-10)[0]
    assert got == pytest.approx(want, rel=1e-6)


@needs_release
def test_helm_at_zero_momentum_is_one():
    assert ref.helm_f2(np.array([0.0, 1e-9]), 133) == pytest.approx([1.0, 1.0], abs=1e-12)
    assert ref.E_PROMPT == pytest.approx(29.79, abs=0.01)


@needs_release
def test_reference_totals_within_published_sm_uncertainty():
    csi = ref.csi2017_prediction()
    lar = ref.lar2020_prediction()
    for pred, name in ((csi["total"], "coherent-csi-2017"), (lar["total"], "coherent-lar-2020")):
        pub = ref.load(name)["published"]["sm_prediction"]
        assert abs(pred - pub["value"]) < pub["uncertainty"], name
    # counts in the LAr binning follow the release's CEvNS PDF bin by bin (within 15 % where it is > 1)
    big = lar["release_cevnspdf_bins"] > 1.0
    np.testing.assert_allclose(lar["bins"][big], lar["release_cevnspdf_bins"][big], rtol=0.15)


@needs_release
def test_bad_form_factor_name_is_rejected():
    with pytest.raises(ValueError, match="form_factor='woods'"):
        ref.lar2020_prediction(form_factor="woods")
