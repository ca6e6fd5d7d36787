"""COHERENT LAr 2020 shape systematics: the release's shape variants as
nuisances reproduce the release's varied PDFs at ±1σ, vanish at 0, and
differentiate correctly."""

import json

import jax
import numpy as np
import pytest

from cevnsjax.analyses.coherent import load_coherent
from cevnsjax.analyses.coherent_shapes import LAR_SHAPES
from cevnsjax.datafiles import data_root
from cevnsjax.parameters import make_params

DATA = json.loads((data_root() / "experiments" / "coherent-lar-2020" / "shape_systematics.json").read_text())


@pytest.fixture(scope="module")
def lar():
    plain = load_coherent("coherent-lar-2020")
    shaped = load_coherent("coherent-lar-2020", shape_systematics=True)
    p = make_params()
    return plain, shaped, p, shaped.precompute(p)


def test_files_reduce_to_the_shipped_central_pdfs():
    binned = json.loads((data_root() / "experiments" / "coherent-lar-2020" / "binned.json").read_text())
    assert np.allclose(DATA["cevns_central"], binned["release_cevns"], atol=1e-3)
    assert np.allclose(DATA["brn_central"], binned["prompt_brn"], atol=1e-3)
    assert np.sum(DATA["cevns_central"]) == pytest.approx(128.0, abs=1e-3)  # the release's SM prediction
    for key in ("licence", "attribution", "source"):
        assert DATA[key]


def test_shapes_vanish_at_zero_and_reproduce_the_release_variants(lar):
    plain, shaped, p, pre = lar
    assert shaped.nuisance_names[: len(plain.nuisance_names)] == plain.nuisance_names
    assert set(shaped.nuisance_names) - set(plain.nuisance_names) == set(LAR_SHAPES)
    nu = shaped.nominal_nuisances()
    base = shaped.components(pre, nu)
    ref = plain.components(plain.precompute(p), plain.nominal_nuisances())
    for key in ref:
        assert np.array_equal(np.asarray(base[key]), np.asarray(ref[key]))
    central_c = np.asarray(DATA["cevns_central"])
    for name, (component, plus_key, minus_key) in LAR_SHAPES.items():
        for theta, key in ((1.0, plus_key), (-1.0, minus_key)):
            got = np.asarray(
                shaped.components(pre, {**nu, name: theta})["cevns" if component == "cevns" else "prompt_brn"]
            )
            if key is None:  # one-sided: mirrored
                variant = 2.0 * np.asarray(DATA[component + "_central"]) - np.asarray(DATA[plus_key])
            else:
                variant = np.asarray(DATA[key])
            if component == "brn":  # the BRN template is the release's own PDF (binned.json, 4e-4 rounding)
                assert np.max(np.abs(got - variant)) < 1e-3, name
            else:  # CEvNS: the release's relative change applied to the package's prediction
                ratio = np.where(central_c > 0, variant / np.where(central_c > 0, central_c, 1.0), 1.0)
                assert np.allclose(got, np.asarray(base["cevns"]) * ratio, rtol=1e-12, atol=1e-15), name


def test_shape_nuisances_lower_the_profiled_chi2_and_differentiate(lar):
    plain, shaped, p, _ = lar
    assert float(shaped.profile_chi2(p)) <= float(plain.profile_chi2(p)) + 1e-9
    nu = shaped.nominal_nuisances()
    point = {**nu, "cevns_f90_shape": 0.3, "brn_timing_mean": -0.4, "brn_energy_shape": 0.7}
    for name in ("cevns_f90_shape", "brn_timing_mean", "brn_timing_width"):
        f = lambda x, name=name: shaped.chi2_at(p, {**point, name: x})  # noqa: E731
        x0, h = point[name], 1e-5
        fd = (float(f(x0 + h)) - float(f(x0 - h))) / (2 * h)
        assert float(jax.grad(f)(x0)) == pytest.approx(fd, rel=1e-5, abs=1e-6), name
    with pytest.raises(ValueError, match="coherent-lar-2020"):
        load_coherent("coherent-csi-2017", shape_systematics=True)
