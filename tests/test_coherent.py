"""COHERENT CsI 2017 and LAr 2020 analyses: SM predictions against the published
values and the independent numpy reference, likelihood consistency, gradients,
combination, bad input."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference_coherent as ref

from cevnsjax.analyses import COHERENT_NAMES, combine, load_coherent
from cevnsjax.parameters import make_params

PREDICT = eqx.filter_jit(lambda a, p: a.predicted_cevns(p))
PROFILE = eqx.filter_jit(lambda a, p: a.profile_chi2(p))
COMPONENTS = eqx.filter_jit(lambda a, p, nu: a.components(a.precompute(p), nu))


@pytest.fixture(scope="module")
def analyses():
    return {name: load_coherent(name) for name in COHERENT_NAMES}


@pytest.fixture(scope="module")
def references():
    return {"coherent-csi-2017": ref.csi2017_prediction(), "coherent-lar-2020": ref.lar2020_prediction()}


@pytest.fixture(scope="module")
def params():
    return make_params()


@pytest.mark.parametrize("name", COHERENT_NAMES)
def test_sm_prediction_within_15_percent_of_published(analyses, params, name):
    release = json.loads((ref.EXPERIMENTS / name / "release.json").read_text())
    published = release["published"]["sm_prediction"]["value"]
    predicted = float(PREDICT(analyses[name], params))
    assert abs(predicted / published - 1.0) < 0.15
    assert analyses[name].describe()["published_sm_prediction"]["value"] == published


@pytest.mark.parametrize("name", COHERENT_NAMES)
def test_prediction_matches_independent_reference(analyses, references, params, name):
    a, r = analyses[name], references[name]
    cevns = np.asarray(COMPONENTS(a, params, a.nominal_nuisances())["cevns"])
    assert cevns.sum() == pytest.approx(r["total"], rel=2e-4)
    if name == "coherent-csi-2017":
        # per 2-PE bin and per arrival-time bin (release time PDFs)
        np.testing.assert_allclose(cevns, r["grid"], rtol=2e-3, atol=1e-4)
    else:
        np.testing.assert_allclose(cevns.sum(axis=1), r["bins"], rtol=2e-3, atol=1e-4)
        # t_trig window fractions of the prompt and delayed flavours
        frac = np.asarray(a.time_fractions).sum(axis=1)
        assert frac == pytest.approx([r["timing_fraction"]["nu_mu"], r["timing_fraction"]["nu_e"]], rel=1e-4)


def test_klein_nystrand_option_matches_reference(params):
    a = load_coherent("coherent-csi-2017", form_factor="klein-nystrand")
    assert float(PREDICT(a, params)) == pytest.approx(
        ref.csi2017_prediction(form_factor="klein_nystrand")["total"], rel=2e-4
    )


@pytest.mark.parametrize("name", COHERENT_NAMES)
def test_asimov_data_fit_themselves(analyses, params, name):
    base = analyses[name]
    expected = eqx.filter_jit(lambda a, p: a.expected(p, a.nominal_nuisances()))
    a = base.with_data(expected(base, params))  # = base.asimov(params), compiled
    # χ² ≥ Σ (ν/σ)², so a zero minimum also puts every nuisance at its centre
    assert float(PROFILE(a, params)) == pytest.approx(0.0, abs=1e-6)
    # data are the real counts otherwise, and the background totals are the release's
    assert float(analyses[name].observed.sum()) == {"coherent-csi-2017": 1207, "coherent-lar-2020": 3752}[name]


def test_lar_backgrounds_are_the_release_normalisations(analyses, params):
    a = analyses["coherent-lar-2020"]
    comps = COMPONENTS(a, params, a.nominal_nuisances())
    release = json.loads((ref.EXPERIMENTS / "coherent-lar-2020" / "release.json").read_text())["backgrounds"]
    assert float(comps["prompt_brn"].sum()) == pytest.approx(release["prompt_brn"]["prediction"]["value"], rel=1e-4)
    assert float(comps["delayed_brn"].sum()) == pytest.approx(release["delayed_brn"]["prediction"]["value"], rel=1e-4)
    assert float(comps["steady_state"].sum()) == pytest.approx(release["steady_state"]["prediction"]["value"], rel=1e-4)


def test_csi_background_expectations(analyses, params):
    a = analyses["coherent-csi-2017"]
    comps = COMPONENTS(a, params, a.nominal_nuisances())
    binned = json.loads((ref.EXPERIMENTS / "coherent-csi-2017" / "binned.json").read_text())
    assert float(comps["steady_state"].sum()) == pytest.approx(binned["anticoincidence_beam_on_total"], rel=1e-9)
    # prompt neutrons: release spectrum x acceptance x exposure, independent numpy
    spec = ref.load("coherent-csi-2017")
    acc = ref.csi_efficiency(np.arange(50) + 0.5, spec)
    expected = (
        np.sum(np.asarray(binned["prompt_neutron_pe_per_GWh"]) * acc) * spec["source"]["beam_exposure_GWh"]["value"]
    )
    assert float(comps["prompt_neutrons"].sum()) == pytest.approx(expected, rel=1e-6)  # time PDF stored to 6 digits


def test_combined_chi2_is_the_sum_of_the_parts(analyses, params):
    csi, lar = analyses["coherent-csi-2017"], analyses["coherent-lar-2020"]
    both = combine(coherent_csi_2017=csi, coherent_lar_2020=lar)
    p = params.replace(sin2_theta_w=0.25, rn_Cs=5.3, rn_I=5.1)
    assert float(PROFILE(both, p)) == pytest.approx(float(PROFILE(csi, p)) + float(PROFILE(lar, p)), rel=1e-12)
    parts = {
        "coherent_csi_2017": {"qf": 0.1, "cevns_norm": -0.05, "brn_norm": 0.2, "ss_norm": 0.01},
        "coherent_lar_2020": {"cevns_norm": 0.1, "brn_norm": -0.1, "delayed_brn_norm": 0.3, "ss_norm": 0.0},
    }
    nu = {f"{n}/{k}": jnp.asarray(v) for n, d in parts.items() for k, v in d.items()}
    total = float(both.chi2_at(p, nu))
    assert total == pytest.approx(
        float(csi.chi2_at(p, parts["coherent_csi_2017"])) + float(lar.chi2_at(p, parts["coherent_lar_2020"])), rel=1e-12
    )


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("coherent-csi-2017", {"sin2_theta_w": 0.24, "rn_Cs": 5.2}),
        ("coherent-lar-2020", {"eps_ee_uV": 0.05, "rn_Ar": 3.6}),
    ],
)
def test_profile_chi2_gradient_against_finite_differences(analyses, params, name, fields):
    a = analyses[name]
    p0 = params.replace(**fields)
    grad = eqx.filter_jit(lambda a, p: jax.grad(a.profile_chi2)(p))(a, p0)
    for field, at in fields.items():
        h = 1e-5 * max(1.0, abs(at))
        fd = (float(PROFILE(a, p0.replace(**{field: at + h}))) - float(PROFILE(a, p0.replace(**{field: at - h})))) / (
            2 * h
        )
        assert float(getattr(grad, field)) == pytest.approx(fd, rel=1e-4, abs=1e-4), field


def test_physics_parameters_act_on_the_right_flavours(analyses, params):
    a = analyses["coherent-csi-2017"]
    pre = eqx.filter_jit(lambda a, p: a.node_counts(p))
    base = np.asarray(pre(a, params)).sum(axis=1)
    ee = np.asarray(pre(a, params.replace(eps_ee_uV=0.1))).sum(axis=1)
    mm = np.asarray(pre(a, params.replace(eps_mumu_uV=0.1))).sum(axis=1)
    # ε_ee acts on ν_e only: the prompt (ν_μ) group is unchanged, the delayed group changes
    assert ee[0] == pytest.approx(base[0], rel=1e-12) and abs(ee[1] / base[1] - 1) > 0.05
    # ε_μμ acts on the prompt ν_μ and on the delayed ν̄_μ: both groups change
    assert abs(mm[0] / base[0] - 1) > 0.05 and abs(mm[1] / base[1] - 1) > 0.05
    # a larger neutron radius of both Cs and I lowers the rate (form-factor suppression)
    big = np.asarray(pre(a, params.replace(rn_Cs=5.5, rn_I=5.5))).sum()
    assert big < base.sum()


def test_bad_input_is_rejected_with_the_fix():
    with pytest.raises(ValueError, match="coherent-csi-2017"):
        load_coherent("coherent-nai-2030")
    with pytest.raises(ValueError, match="form_factor"):
        load_coherent("coherent-csi-2017", form_factor="gaussian")
    with pytest.raises(ValueError, match="couplings"):
        load_coherent("coherent-lar-2020", couplings="one-loop")
    with pytest.raises(ValueError, match="recoil_nodes"):
        load_coherent("coherent-lar-2020", recoil_nodes=3)


def test_describe_is_json_and_names_its_sources(analyses):
    for name, a in analyses.items():
        d = json.loads(json.dumps(a.describe()))
        assert d["name"] == a.name == name
        assert "zenodo" in d["data_source"]["release"].lower()
        assert d["published_sm_prediction"]["source"]
        assert {n["name"] for n in d["nuisances"]} >= {"cevns_norm", "ss_norm"}
