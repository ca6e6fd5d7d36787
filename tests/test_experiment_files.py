"""Experiment files on the detector family: the shipped schema, the examples
against independent scipy integrals, parameter gradients through detector
blocks, the recoil quadrature, and field-named errors."""

from __future__ import annotations

import copy
import json
import math

import equinox as eqx
import jax
import numpy as np
import pytest
from scipy import integrate
from scipy.interpolate import PchipInterpolator

import cevnsjax as cj
from cevnsjax.datafiles import data_path
from cevnsjax.experiment import (
    EXPERIMENT_SCHEMA,
    ExperimentError,
    build_experiment,
    load_experiment,
    validate_experiment_spec,
)

jax.config.update("jax_enable_x64", True)

# --- independent reference physics (numpy/scipy only) ---------------------------
# CODATA 2018 / PDG 2024 constants
G_F = 1.1663787e-11  # MeV^-2
HBARC_CM = 197.3269804e-13  # MeV cm
HBARC_FM = 197.3269804  # MeV fm
U_MEV = 931.49410242
U_G = 1.66053906660e-24
M_E = 0.51099895000
SIN2 = 0.23857  # the experiment files' nominal (package default) value


def helm(q, A):
    """Helm form factor, Lewin & Smith (1996) parameters."""
    c = 1.23 * A ** (1 / 3) - 0.60
    rn = math.sqrt(c**2 + 7 / 3 * math.pi**2 * 0.52**2 - 5 * 0.9**2)
    x = q / HBARC_FM * rn
    j1 = 3 * (math.sin(x) - x * math.cos(x)) / x**3 if x > 1e-6 else 1.0
    return j1 * math.exp(-0.5 * (q / HBARC_FM * 0.9) ** 2)


def dsigma_dT(E, T, Z, N, M, A):
    """Tree-level SM CEvNS cross section [cm² / MeV] with the Helm form factor."""
    if T <= 0 or T > 2 * E**2 / (M + 2 * E):
        return 0.0
    qw = Z * (0.5 - 2 * SIN2) - 0.5 * N
    f = helm(math.sqrt(2 * M * T), A)
    return G_F**2 * M / math.pi * qw**2 * f**2 * (1 - T / E - M * T / (2 * E**2)) * HBARC_CM**2


def isotopes(symbols):
    """(Z, N, A, nuclear mass [MeV], atoms per kg) of a compound of one atom per element."""
    elements = [json.loads(data_path(f"elements/{s}.json").read_text()) for s in symbols]
    formula_mass_u = sum(sum(i["abundance"] * i["atomic_mass_u"] for i in el["isotopes"]) for el in elements)
    per_kg = 1000.0 / (formula_mass_u * U_G)
    return [
        (el["Z"], i["A"] - el["Z"], i["A"], i["atomic_mass_u"] * U_MEV - el["Z"] * M_E, per_kg * i["abundance"])
        for el in elements
        for i in el["isotopes"]
    ]


def example(name):
    return data_path(f"experiments/examples/{name}.json")


def counts(ex, **overrides):
    return np.asarray(cj.detector_counts(cj.nominal_params(ex, **overrides), ex))


# --- schema --------------------------------------------------------------------


def test_schema_is_the_shipped_versioned_file():
    shipped = json.loads(data_path("schema/experiment-v2.json").read_text())
    assert shipped["$id"] == "https://cevnsjax.org/schema/experiment-v2.json"
    assert EXPERIMENT_SCHEMA == shipped
    assert shipped["properties"]["schema_version"]["enum"] == [1, 2]
    # the enums written in the file are the registries' members
    from cevnsjax.experiment import CHANNELS
    from cevnsjax.interactions import COUPLINGS, VECTOR_MEDIATORS
    from cevnsjax.targets import FORM_FACTORS

    physics = shipped["properties"]["physics"]["properties"]
    assert physics["couplings"]["enum"] == list(COUPLINGS)
    assert physics["form_factor"]["enum"] == list(FORM_FACTORS)
    assert physics["vector_mediator"]["enum"] == list(VECTOR_MEDIATORS)
    assert physics["channels"]["items"]["enum"] == list(CHANNELS)


def test_schema_1_files_keep_their_numbers_and_the_family_form_agrees():
    plus = load_experiment("conus-plus")
    assert not plus.family
    assert math.isclose(counts(plus).sum(), 357.9001, abs_tol=1e-4)  # 24-node response (357.8998 with 16)
    run5 = load_experiment("conus-run5")
    assert math.isclose(counts(run5).sum(), 249.83, abs_tol=5e-3)
    # the same detectors written as family blocks (Lindhard quenching named)
    spec = json.loads(data_path("experiments/conus-plus.json").read_text())
    spec["schema_version"] = 2
    for det in spec["detectors"]:
        det["quenching"] = {"type": "lindhard"}
    family = build_experiment(validate_experiment_spec(spec))
    assert len(family.family) == 3
    np.testing.assert_allclose(counts(family), counts(plus), rtol=1e-6)
    # the parameters reach the family's nuisances with the same effect: equal
    # central differences in each detector parameter on both forms
    p = cj.nominal_params(plus)
    for name, h in (
        ("quench_k", 1e-3),
        ("eff_shift_eVee", 1.0),
        ("eff_width_scale", 1e-2),
        ("res_scale", 1e-2),
        ("fano", 1e-2),
    ):
        v = float(getattr(p, name))
        d_old, d_new = (
            (counts(e, **{name: v + h}).sum() - counts(e, **{name: v - h}).sum()) / (2 * h) for e in (plus, family)
        )
        assert abs(d_old) > 0 and math.isclose(d_new, d_old, rel_tol=1e-4), (name, d_new, d_old)


def test_gaussian_response_with_a_tabulated_efficiency():
    """A flat tabulated efficiency ε scales an almost sharp gaussian detector's
    counts by ε relative to the ideal one."""
    spec = _tab_spec()
    ideal = counts(build_experiment(validate_experiment_spec(spec))).sum()
    spec["detectors"][0]["response"] = {
        "type": "gaussian",
        "efficiency": {"type": "tabulated", "energy": [0.0, 1.0, 10.0], "efficiency": [0.5, 0.5, 0.5]},
        "resolution": {"type": "fano", "sigma0": 1e-4},
    }
    smeared = counts(build_experiment(validate_experiment_spec(spec))).sum()
    assert math.isclose(smeared, 0.5 * ideal, rel_tol=1e-3), (smeared, ideal)


# --- the examples against independent integrals ----------------------------------


def test_tabulated_ideal_example_matches_a_scipy_integral():
    spec = json.loads(example("tabulated-ideal").read_text())
    src, det = spec["source"], spec["detectors"][0]
    energy, shape = np.array(src["energy_MeV"]), np.array(src["dphi_dE"])
    pchip = PchipInterpolator(energy, shape)
    scale = src["total_flux_cm2_s"] / float(pchip.integrate(energy[0], energy[-1]))
    t1, t2 = det["threshold_keVnr"] * 1e-3, det["roi_max_keVnr"] * 1e-3
    rate = 0.0  # events / (kg s)
    for Z, N, A, M, per_kg in isotopes(["Ge"]):

        def inner(E, Z=Z, N=N, A=A, M=M):
            t_max = min(t2, 2 * E**2 / (M + 2 * E))
            if t_max <= t1:
                return 0.0
            return integrate.quad(lambda T: dsigma_dT(E, T, Z, N, M, A), t1, t_max, epsabs=0, epsrel=1e-10)[0]

        e_min = 0.5 * (t1 + math.sqrt(t1**2 + 2 * M * t1))
        lo = max(e_min, energy[0])
        pts = [e for e in energy if lo < e < energy[-1]]
        rate += (
            per_kg
            * scale
            * integrate.quad(
                lambda E: float(pchip(E)) * inner(E), lo, energy[-1], points=pts, limit=200, epsabs=0, epsrel=1e-9
            )[0]
        )
    expected = rate * det["exposure_kg_day"] * 86400.0
    got = counts(load_experiment(example("tabulated-ideal"))).sum()
    assert math.isclose(got, expected, rel_tol=1e-4), (got, expected)


E_PROMPT = (139.57039**2 - 105.6583755**2) / (2 * 139.57039)  # PDG 2024 masses


def _single_flavour(ex, flavour):
    keep = np.array([f == flavour for f in ex.flavours], dtype=float)[:, None, None, None]
    return eqx.tree_at(lambda e: e.flux_moments, ex, ex.flux_moments * keep)


@pytest.mark.parametrize("name, symbols, det_index", [("pion-dar-csi", ["Cs", "I"], 0), ("pion-dar-argon", ["Ar"], 0)])
def test_pion_dar_prompt_line_matches_an_analytic_integral(name, symbols, det_index):
    """Prompt ν_μ counts = exposure · φ_line · Σ_iso n_iso ∫ σ(E_line, T) dT, φ_line = r POT / (t 4π L²)."""
    spec = json.loads(example(name).read_text())
    src, det = spec["source"], spec["detectors"][det_index]
    phi = (
        src["nu_per_flavour_per_pot"]
        * src["protons_on_target"]
        / (src["beam_days"] * 86400.0)
        / (4 * math.pi * (src["distance_m"] * 100.0) ** 2)
    )
    t1, t2 = det["threshold_keVnr"] * 1e-3, det["roi_max_keVnr"] * 1e-3
    rate = 0.0
    for Z, N, A, M, per_kg in isotopes(symbols):
        t_end = min(t2, 2 * E_PROMPT**2 / (M + 2 * E_PROMPT))
        sigma = integrate.quad(
            lambda T, Z=Z, N=N, A=A, M=M: dsigma_dT(E_PROMPT, T, Z, N, M, A), t1, t_end, epsabs=0, epsrel=1e-11
        )[0]
        rate += per_kg * sigma
    expected = phi * rate * det["exposure_kg_day"] * 86400.0
    ex = load_experiment(example(name))
    assert set(ex.flavours) == {"nu_e", "nu_mu", "nu_mu_bar"}
    got = counts(_single_flavour(ex, "nu_mu"))[det_index]
    assert math.isclose(got, expected, rel_tol=1e-4), (got, expected)
    # the delayed flavours carry the same number of neutrinos: their counts are positive and finite
    assert np.all(np.isfinite(counts(ex))) and counts(ex)[det_index] > got


# --- parameters -> nuisances: gradients through experiment files -------------------


@pytest.mark.parametrize("param", ["quench_scale", "light_yield_scale"])
def test_photoelectron_detector_gradients_match_finite_differences(param):
    ex = load_experiment(example("pion-dar-csi"))
    p = cj.nominal_params(ex)
    f = lambda v: cj.detector_counts(p.replace(**{param: v}), ex)[1]  # noqa: E731 - the PE detector
    grad = float(jax.grad(f)(1.0))
    h = 1e-4
    fd = (float(f(1.0 + h)) - float(f(1.0 - h))) / (2 * h)
    assert grad > 0 and math.isclose(grad, fd, rel_tol=1e-5), (grad, fd)
    # the ideal nuclear-recoil detector feels neither
    assert float(jax.grad(lambda v: cj.detector_counts(p.replace(**{param: v}), ex)[0])(1.0)) == 0.0


def test_lindhard_keVnr_bins_count_the_same_recoils_as_no_quenching():
    """Ideal bins quoted in keVnr on a Lindhard detector are mapped to keVee at
    nominal k, so at nominal k they select the same recoils; k then matters.
    (An ideal step is not differentiable in k on a fixed grid; smooth responses are.)"""
    spec = json.loads(example("tabulated-ideal").read_text())
    lindhard = copy.deepcopy(spec)
    lindhard["detectors"][0]["quenching"] = {"type": "lindhard"}
    a = build_experiment(validate_experiment_spec(spec))
    b = build_experiment(validate_experiment_spec(lindhard))
    np.testing.assert_allclose(counts(b), counts(a), rtol=1e-6)
    # the keVee threshold stays put: a larger k brings lower recoils above it
    assert counts(b, quench_k=0.18).sum() > counts(b).sum() * 1.01


# --- recoil quadrature -------------------------------------------------------------


@pytest.mark.parametrize("name", ["tabulated-ideal"])
def test_ideal_totals_agree_with_a_1024_node_rule(name):
    default = counts(load_experiment(example(name)))
    fine = counts(load_experiment(example(name), numerics={"recoil_nodes": 1024}))
    np.testing.assert_allclose(default, fine, rtol=1e-4)


def test_recoil_grid_has_a_boundary_at_the_threshold_image():
    ex = load_experiment(example("tabulated-ideal"))
    t = np.asarray(ex.recoil)
    thr = 0.3e-3
    # nodes are interior to panels: none at the threshold, and the lower end sits below it
    assert t.min() < thr < t.max()
    below, above = t[t < thr], t[t > thr]
    # a Gauss–Legendre panel ends at thr: the nearest nodes on either side are close to it
    assert (thr - below.max()) / thr < 0.01 and (above.min() - thr) / thr < 0.01


# --- bad values get one-line, field-named errors ---------------------------------------


def _tab_spec():
    return json.loads(example("tabulated-ideal").read_text())


@pytest.mark.parametrize(
    "edit, field, words",
    [
        (lambda d: d.update(quenching={"type": "birks"}), "detectors[0].quenching.type", "unknown type 'birks'"),
        (lambda d: d.update(threshold_keVnr=-1.0), "detectors[0].threshold_keVnr", "minimum of 0"),
        (lambda d: d.update(threshold_eVee=300.0), "detectors[0].threshold_keVnr", "give one threshold"),
        (
            lambda d: (
                d.pop("threshold_keVnr"),
                d.pop("roi_max_keVnr"),
                d.update(bins={"unit": "keVnr", "edges": [0.3, 1.0, 0.8]}),
            ),
            "detectors[0].bins.edges",
            "strictly increasing",
        ),
        (lambda d: d.update(roi_max_keVnr=float("nan")), "detectors[0].roi_max_keVnr", "not a finite number"),
        (lambda d: d.update(response={"type": "wiener"}), "detectors[0].response.type", "unknown type 'wiener'"),
        (
            lambda d: (
                d.update(threshold_keVee=0.3, roi_max_keVee=1.0),
                d.pop("threshold_keVnr"),
                d.pop("roi_max_keVnr"),
            ),
            "detectors[0]",
            "quenching is 'none'",
        ),
        (lambda d: d.update(roi_max_keVnr=0.2), "detectors[0].roi_max_keVnr", "must be above threshold_keVnr"),
    ],
)
def test_bad_detector_blocks_name_the_field(edit, field, words):
    spec = _tab_spec()
    edit(spec["detectors"][0])
    with pytest.raises(ExperimentError) as err:
        validate_experiment_spec(spec, origin="example.json")
    message = str(err.value)
    assert "\n" not in message and field in message and words in message, message


def test_family_blocks_need_schema_version_2_and_a_reachable_threshold():
    spec = _tab_spec()
    spec["schema_version"] = 1
    with pytest.raises(ExperimentError, match=r"detectors\[0\]\.quenching: needs schema_version 2"):
        validate_experiment_spec(spec)
    spec = _tab_spec()
    spec["schema_version"] = 3
    with pytest.raises(ExperimentError, match="schema_version 1 or 2"):
        validate_experiment_spec(spec)
    spec = _tab_spec()
    spec["detectors"][0].update(threshold_keVnr=5.0, roi_max_keVnr=9.0)  # 8 MeV reaches < 2 keVnr in Ge
    with pytest.raises(ExperimentError, match=r"detectors\[0\]: the first bin edge \(5 keVnr\) is above"):
        build_experiment(validate_experiment_spec(spec))
