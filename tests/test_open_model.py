"""The open forward model: compound targets, neutron radii, flavour-dependent
couplings and charge radii, names vs paths, strict data files."""

from __future__ import annotations

import json
import math

import jax
import numpy as np
import pytest

import cevnsjax as cj
from cevnsjax import PARAMETERS
from cevnsjax.experiment import ExperimentError, load_experiment
from cevnsjax.interactions import charge_radius_shift, weak_couplings
from cevnsjax.targets import TargetError, default_rms_radius, form_factor_from_rms, load_target
from cevnsjax.targets.form_factors import helm_form_factor

# IUPAC standard atomic weights (CIAAW 2021 abridged values; Ar: atmospheric)
STANDARD_ATOMIC_WEIGHTS = {"germanium": 72.630, "silicon": 28.085, "argon": 39.95, "xenon": 131.29}
COMPOUND_MASSES = {"csi": 132.905 + 126.904, "nai": 22.990 + 126.904}


@pytest.mark.parametrize("name", sorted(STANDARD_ATOMIC_WEIGHTS) + sorted(COMPOUND_MASSES))
def test_shipped_targets_match_standard_atomic_weights(name):
    target = load_target(name)
    expected = STANDARD_ATOMIC_WEIGHTS.get(name) or COMPOUND_MASSES[name]
    assert math.isclose(target.formula_mass_u, expected, rel_tol=2e-4)
    atoms = sum(a for _, _, a in target.isotope_table())
    n_per_formula = sum(n for _, n in target.composition)
    assert math.isclose(atoms, n_per_formula * 1000.0 / (expected * 1.66053906660e-24), rel_tol=2e-4)


def test_helm_from_rms_reproduces_lewin_smith():
    """The rms parametrisation at the default radius equals Lewin & Smith's Helm formula."""
    q = np.linspace(0.0, 120.0, 301)  # MeV
    for A in (23, 40, 73, 127, 133):
        c = 1.23 * A ** (1 / 3) - 0.60
        r0 = math.sqrt(c**2 + 7 / 3 * math.pi**2 * 0.52**2 - 5 * 0.81)
        x = q / 197.3269804 * r0
        with np.errstate(invalid="ignore", divide="ignore"):
            ref = np.where(x > 0, 3 * (np.sin(x) - x * np.cos(x)) / x**3, 1.0) * np.exp(
                -0.5 * (q / 197.3269804 * 0.9) ** 2
            )
        np.testing.assert_allclose(np.asarray(helm_form_factor(q, A)), ref, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(math.sqrt(0.6 * r0**2 + 3 * 0.81), default_rms_radius("helm", A), rtol=1e-12)


def test_neutron_radius_defaults_reproduce_and_gradient_matches_fd(conus_plus, nominal):
    assert math.isclose(float(nominal.rn_Ge), PARAMETERS["rn_Ge"].default)
    base = float(cj.total_counts(nominal, conus_plus))
    assert abs(base - 357.8998) < 1e-3  # unchanged by the separate neutron form factor
    f = lambda r: cj.total_counts(nominal.replace(rn_Ge=r), conus_plus)  # noqa: E731
    r0 = float(nominal.rn_Ge)
    grad = float(jax.grad(f)(r0))
    h = 1e-4
    fd = (float(f(r0 + h)) - float(f(r0 - h))) / (2 * h)
    assert grad < 0  # a larger neutron distribution suppresses coherence
    assert math.isclose(grad, fd, rel_tol=1e-5)
    # the neutron form factor really moves: at q = 40 MeV on Cs, +0.5 fm changes F_n by > 1 %
    r = default_rms_radius("helm", 133)
    f0, f1 = (float(form_factor_from_rms("helm", 40.0, x)) for x in (r, r + 0.5))
    assert (f0 - f1) / f0 > 0.01


def test_flavour_couplings_and_charge_radius_convention():
    # tree level: flavour-blind; ν and ν̄ of a flavour identical
    for fl in ("nu_e", "nu_e_bar", "nu_mu", "nu_mu_bar", "nu_tau"):
        assert weak_couplings(0.23857, "tree", fl) == weak_couplings(0.23857, "tree", "nu_mu")
    for a, b in (("nu_e", "nu_e_bar"), ("nu_mu", "nu_mu_bar"), ("nu_tau", "nu_tau_bar")):
        assert weak_couplings(0.23857, "radiative", a) == weak_couplings(0.23857, "radiative", b)
    gp = {fl: float(weak_couplings(0.23857, "radiative", fl)[0]) for fl in ("nu_e", "nu_mu", "nu_tau")}
    # Atzori Corona et al., JHEP 05 (2024) 271: g_V^p = 0.0379 (ν_e), 0.0297 (ν_μ), 0.0253 (ν_τ)
    np.testing.assert_allclose([gp["nu_e"], gp["nu_mu"], gp["nu_tau"]], [0.0379, 0.0297, 0.0253], atol=4e-4)
    # Giunti & Studenikin: δg = −(√2πα/3G_F)⟨r²⟩; ⟨r²⟩ = −0.35e-32 cm² → ≈ +0.008
    assert 0.0075 < float(charge_radius_shift(-0.35)) < 0.0090


def test_charge_radius_and_mumu_nsi_act_on_the_right_flavours(conus_plus, nominal):
    base = float(cj.total_counts(nominal, conus_plus))
    # reactor ν̄e: ε_μμ and ⟨r²_νμ⟩ cannot act
    assert float(cj.total_counts(nominal.replace(eps_mumu_uV=0.3, eps_mumu_dV=-0.2, r2_numu=5.0), conus_plus)) == base
    # ⟨r²_νe⟩ acts like a shift of sin²θW: δ(sin²θW) = −δg_V^p / 2
    r2 = 3.0
    shifted = float(cj.total_counts(nominal.replace(r2_nue=r2), conus_plus))
    s2 = float(nominal.sin2_theta_w) - 0.5 * float(charge_radius_shift(r2))
    same = float(cj.total_counts(nominal.replace(sin2_theta_w=s2), conus_plus))
    assert math.isclose(shifted, same, rel_tol=1e-12)
    assert abs(shifted - base) / base > 1e-3
    f = lambda r: cj.total_counts(nominal.replace(r2_nue=r), conus_plus)  # noqa: E731
    fd = (float(f(1e-3)) - float(f(-1e-3))) / 2e-3
    assert math.isclose(float(jax.grad(f)(0.0)), fd, rel_tol=1e-6)


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def _spec_with_target(target: str) -> dict:
    spec = json.loads(cj.datafiles.data_path("experiments/conus-plus.json").read_text())
    spec["target"] = target
    spec["name"] = f"reactor-{target}"
    return spec


def test_compound_rate_is_the_mass_weighted_sum_of_its_elements(tmp_path):
    """Counts per kg of CsI = Σ_el (mass fraction of el) × counts per kg of pure el."""
    material = {"pair_energy_eV": 2.96, "fano": 0.11}
    paths = {}
    for name, comp in (("csi", {"Cs": 1, "I": 1}), ("cs", {"Cs": 1}), ("i", {"I": 1})):
        t = _write(tmp_path, f"{name}.json", {"name": name, "composition": comp, "material": material})
        paths[name] = _write(tmp_path, f"exp-{name}.json", _spec_with_target(t.name))
    counts = {}
    for name, path in paths.items():
        ex = load_experiment(path)
        counts[name] = float(cj.total_counts(cj.nominal_params(ex), ex))
    target = load_target(tmp_path / "csi.json")
    m = {el.symbol: el.mean_atomic_mass_u for el in target.elements}
    expected = (m["Cs"] * counts["cs"] + m["I"] * counts["i"]) / (m["Cs"] + m["I"])
    assert math.isclose(counts["csi"], expected, rel_tol=2e-4)
    assert counts["csi"] > 0


@pytest.mark.parametrize(
    "bad, message",
    [
        ("../germanium", "does not exist"),
        ("bad name!", "not a valid name"),
        ("no-such-target", "unknown target"),
        ("missing/file.json", "does not exist"),
    ],
)
def test_target_names_are_names_not_paths(bad, message):
    with pytest.raises(TargetError, match=message):
        load_target(bad)


def test_experiment_names_are_names_not_paths():
    with pytest.raises(ExperimentError, match=r"not a valid name|does not exist"):
        load_experiment("..\\conus-plus")
    with pytest.raises(ExperimentError, match="does not exist"):
        load_experiment("../conus-plus")


@pytest.mark.parametrize(
    "text, field",
    [
        ('{"name": "a", "name": "b"}', "name"),
        ('{"schema_version": 1, "detectors": [{"exposure_kg_day": NaN}]}', "detectors[0].exposure_kg_day"),
        ('{"source": {"distance_m": Infinity}}', "source.distance_m"),
        ('{"source": {"distance_m": 1e999}}', "source.distance_m"),
    ],
)
def test_data_files_reject_duplicates_and_non_finite_numbers(tmp_path, text, field):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ExperimentError, match=f"field {field.replace('[', '.').replace(']', '.')}"):
        load_experiment(path)


def test_bad_target_files_name_the_field(tmp_path):
    cases = [
        ({"composition": {"Cs": 1.5}}, "composition.Cs"),
        ({"composition": {}}, "composition"),
        ({"composition": {"Zz": 1}}, "unknown element"),
        (
            {
                "composition": {"X": 1},
                "elements": {
                    "X": {"symbol": "X", "Z": 3, "isotopes": [{"A": 7, "abundance": 0.5, "atomic_mass_u": 7.0}]}
                },
            },
            "sum to",
        ),
        ({"composition": {"Ge": 1}, "material": {"fano": -1}}, "material.fano"),
    ]
    for i, (data, message) in enumerate(cases):
        path = _write(tmp_path, f"t{i}.json", data)
        with pytest.raises(TargetError, match=message):
            load_target(path)
