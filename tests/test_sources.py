"""The neutrino-source family: independent references (formulas from the
papers, scipy quadrature, analytic integrals) and bad-input messages."""

import itertools
import json
import math

import jsonschema
import numpy as np
import pytest
from scipy import integrate, stats

from cevnsjax import flux
from cevnsjax.datafiles import data_path
from cevnsjax.sources import (
    FLAVOURS,
    SOURCE_TYPES,
    SourceError,
    build_source,
    source_schema,
)
from cevnsjax.sources import pion_dar as pd
from cevnsjax.sources import reactor_spectra as rs

FRACTIONS = {"U235": 0.58, "U238": 0.07, "Pu239": 0.30, "Pu241": 0.05}
FR = np.array([0.58, 0.07, 0.30, 0.05])


def conus_block():
    return json.loads(data_path("experiments/conus-plus.json").read_text())["source"]


def reactor(**kw):
    return build_source({**conus_block(), **kw}, ".", "test")


def pion(**kw):
    block = {
        "type": "pion_dar",
        "nu_per_flavour_per_pot": 0.08,
        "protons_on_target": 1.76e23,
        "beam_days": 308.1,
        "distance_m": 19.3,
        **kw,
    }
    return build_source(block, ".", "test")


def tab(**kw):
    block = {
        "type": "tabulated",
        "energy_MeV": [1.0, 2.0, 4.0, 7.0, 9.0],
        "dphi_dE": [0.2, 1.0, 3.0, 0.5, 0.0],
        "normalisation": "total_flux",
        "total_flux_cm2_s": 2.0e12,
        **kw,
    }
    return build_source(block, ".", "test")


def quad_pieces(f, edges, lo=-np.inf):
    """∫ f over the pieces of ``edges`` above ``lo`` by adaptive quadrature."""
    total = 0.0
    for a, b in itertools.pairwise(edges):
        if b > lo:
            total += integrate.quad(f, max(a, lo), b, epsabs=0, epsrel=1e-13, limit=500)[0]
    return total


# --- reactor ------------------------------------------------------------------


def test_default_reactor_equals_the_original_flux():
    src = reactor()
    e = np.linspace(0.0, 10.0, 1001)[1:]
    legacy = {**conus_block(), "fission_fractions": list(FR), "captures_per_fission": 0.6, "e_max_MeV": 10.0}
    old = flux.flux_scale(legacy) * np.asarray(flux.reactor_spectrum(e, FR, 0.6))
    np.testing.assert_allclose(src.spectrum("nu_e_bar", e), old, rtol=1e-12, atol=0)
    assert src.flavours == ("nu_e_bar",) and src.e_max == 10.0
    assert src.breaks["nu_e_bar"] == (0.0, rs.Q_BETA_NP239, rs.Q_BETA_U239, 2.0, 10.0)
    for other in FLAVOURS[:1] + FLAVOURS[2:]:
        assert not np.any(src.spectrum(other, e))


def test_default_reactor_against_the_published_formulas():
    # physics.md §1 tables typed independently; normalised by adaptive quadrature
    hm = {
        "U235": [4.367, -4.577, 2.100, -5.294e-1, 6.186e-2, -2.777e-3],
        "U238": [4.833e-1, 1.927e-1, -1.283e-1, -6.762e-3, 2.233e-3, -1.536e-4],
        "Pu239": [4.757, -5.392, 2.563, -6.596e-1, 7.820e-2, -3.536e-3],
        "Pu241": [2.990, -2.882, 1.278, -3.343e-1, 3.905e-2, -1.754e-3],
    }
    ve = {
        "U235": [0.870, -0.160, -0.0910],
        "U238": [0.976, -0.162, -0.0790],
        "Pu239": [0.896, -0.239, -0.0981],
        "Pu241": [0.793, -0.080, -0.1085],
    }
    me = 0.51099895

    def beta(e, q):
        w = q - e + me
        return np.where((e > 0) & (e < q), e**2 * np.sqrt(np.maximum(w**2 - me**2, 0)) * w, 0.0)

    norms = {q: integrate.quad(lambda e, q=q: beta(e, q), 0, q, epsabs=0, epsrel=1e-13)[0] for q in (1.2616, 0.7223)}

    def s(e):
        out = 0.6 * sum(beta(e, q) / n for q, n in norms.items())
        for iso, f in FRACTIONS.items():
            c = hm[iso] if e >= 2.0 else ve[iso]
            out += f * np.exp(np.polynomial.polynomial.polyval(e, c))
        return out

    per_fission = quad_pieces(s, [0, 0.7223, 1.2616, 2.0, 10.0])
    src = reactor()
    e = np.array([0.3, 1.0, 1.9, 2.0, 3.5, 5.6, 8.0, 9.5])
    ref = 1.5e13 / per_fission * np.array([s(x) for x in e])
    # 1e-7: the original model normalises each capture β shape and the total with
    # a plain 200-point Gauss–Legendre rule, whose error at the β endpoints is ~1e-8
    np.testing.assert_allclose(src.spectrum("nu_e_bar", e), ref, rtol=1e-7)
    assert src.info["nu_per_fission"] == pytest.approx(per_fission, rel=1e-7)


def test_reactor_total_flux_and_thermal_power_normalisation():
    src = reactor()

    def phi(e):
        return float(src.spectrum("nu_e_bar", e))

    assert quad_pieces(phi, src.breaks["nu_e_bar"]) == pytest.approx(1.5e13, rel=1e-8)
    th = reactor(normalisation="thermal_power")
    mean_e = sum(FRACTIONS[i] * rs.ENERGY_PER_FISSION_MA2013[i] for i in FRACTIONS)
    rate = 3.6e9 / (mean_e * 1.602176634e-13)
    assert th.info["fissions_per_cm2_s"] == pytest.approx(rate / (4 * math.pi * 2070.0**2), rel=1e-12)
    ref = quad_pieces(lambda x: float(th.spectrum("nu_e_bar", x)), th.breaks["nu_e_bar"])
    assert th.total_flux("nu_e_bar") == pytest.approx(ref, rel=1e-10)


def test_above_8MeV_choices_are_continuous_at_8_and_differ_above():
    poly, expo, cut = (reactor(above_8MeV=c, normalisation="thermal_power") for c in rs.ABOVE_8MEV)
    at8 = [s.spectrum("nu_e_bar", 8.0) for s in (poly, expo, cut)]
    assert at8[1] == pytest.approx(at8[0], rel=1e-14) and at8[2] == pytest.approx(at8[0], rel=1e-14)
    eps = 1e-7
    for s in (poly, expo):
        assert s.spectrum("nu_e_bar", 8.0 + eps) == pytest.approx(at8[0], rel=1e-5)
    assert cut.spectrum("nu_e_bar", 8.0 + eps) == 0.0 and cut.e_max == 8.0
    assert expo.spectrum("nu_e_bar", 10.0) > 3 * poly.spectrum("nu_e_bar", 10.0) > 0
    # exponential tail: per isotope S_i(8) e^{λ_i (E − 8)}, λ_i the fit's log slope at 8 MeV; analytic integral
    scale = expo.info["fissions_per_cm2_s"]
    tail = 0.0
    for f, iso in zip(FR, rs.FISSION_ISOTOPES, strict=False):
        c = rs.HUBER_MUELLER[iso]
        lam = np.polynomial.polynomial.polyval(8.0, np.polynomial.polynomial.polyder(c))
        tail += f * np.exp(np.polynomial.polynomial.polyval(8.0, c)) * np.expm1(2.0 * lam) / lam
    assert expo.flux_moments("nu_e_bar", 8.0, orders=(0,))[0] == pytest.approx(scale * tail, rel=1e-10)
    # the 2–8 MeV part is common to all three
    common = [
        s.flux_moments("nu_e_bar", 5.6, orders=(0,))[0] - s.flux_moments("nu_e_bar", 8.0, orders=(0,))[0]
        for s in (poly, expo, cut)
    ]
    assert common[1] == pytest.approx(common[0], rel=1e-12) and common[2] == pytest.approx(common[0], rel=1e-12)


def test_mueller2011_model_against_its_formula():
    # Mueller et al. 2011, arXiv:1101.2663 Tab. VI, typed independently
    table = {
        "U235": [3.217, -3.111, 1.395, -3.690e-1, 4.445e-2, -2.053e-3],
        "U238": [4.833e-1, 1.927e-1, -1.283e-1, -6.762e-3, 2.233e-3, -1.536e-4],
        "Pu239": [6.413, -7.432, 3.535, -8.820e-1, 1.025e-1, -4.550e-3],
        "Pu241": [3.251, -3.204, 1.428, -3.675e-1, 4.254e-2, -1.896e-3],
    }
    e = np.linspace(2.0, 8.0, 13)
    for iso, c in table.items():
        ref = np.exp(np.polynomial.polynomial.polyval(e, c))
        np.testing.assert_allclose(rs.fission_spectrum(iso, e, "mueller2011", xp=np), ref, rtol=1e-13)
    # the converted 235U spectra of Mueller and Huber agree within a few per cent in 2–8 MeV
    n_m = integrate.quad(lambda x: float(rs.fission_spectrum("U235", x, "mueller2011", xp=np)), 2, 8)[0]
    n_h = integrate.quad(lambda x: float(rs.fission_spectrum("U235", x, xp=np)), 2, 8)[0]
    assert 0.95 < n_m / n_h < 1.05
    # the source built with it is normalised to the same total flux
    src = reactor(spectrum_model="mueller2011")
    assert quad_pieces(lambda x: float(src.spectrum("nu_e_bar", x)), src.breaks["nu_e_bar"]) == pytest.approx(
        1.5e13, rel=1e-8
    )
    ve = reactor(spectrum_model="vogel-engel", normalisation="thermal_power")
    c = [0.870, -0.160, -0.0910]  # Vogel & Engel 1989, 235U
    assert rs.fission_spectrum("U235", 6.0, "vogel-engel", xp=np) == pytest.approx(
        np.exp(c[0] + 6 * c[1] + 36 * c[2]), rel=1e-14
    )

    def s_ve(x):
        return sum(f * np.exp(np.polynomial.polynomial.polyval(x, rs.VOGEL_ENGEL[i])) for i, f in FRACTIONS.items())

    fission_part = ve.flux_moments("nu_e_bar", 2.0, orders=(0,))[0] / ve.info["fissions_per_cm2_s"]
    assert fission_part == pytest.approx(integrate.quad(s_ve, 2.0, 10.0, epsabs=0, epsrel=1e-13)[0], rel=1e-10)


# --- tabulated ----------------------------------------------------------------


def test_tabulated_inline_equals_file(tmp_path):
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "phi.csv").write_text(
        "# energy [MeV], dphi/dE\n1.0, 0.2\n2.0 1.0   # comment\n\n4.0,3.0\n7.0\t0.5\n9.0 , 0.0\n"
    )
    from_file = build_source(
        {
            "type": "tabulated",
            "spectrum_file": "spec/phi.csv",
            "normalisation": "total_flux",
            "total_flux_cm2_s": 2.0e12,
        },
        tmp_path,
        "test",
    )
    e = np.linspace(0.0, 10.0, 201)
    np.testing.assert_array_equal(from_file.spectrum("nu_e_bar", e), tab().spectrum("nu_e_bar", e))
    assert from_file.breaks == tab().breaks


def test_tabulated_pchip_does_not_overshoot_a_step():
    src = build_source(
        {
            "type": "tabulated",
            "flavour": "nu_mu",
            "energy_MeV": [1, 2, 3, 3.1, 4, 5],
            "dphi_dE": [0, 0, 0, 1, 1, 1],
            "normalisation": "absolute",
        },
        ".",
        "test",
    )
    e = np.linspace(1, 5, 4001)
    phi = src.spectrum("nu_mu", e)
    assert phi.min() >= 0.0 and phi.max() <= 1.0
    assert np.all(np.diff(phi) >= 0)
    assert not np.any(src.spectrum("nu_e_bar", e))


def test_tabulated_normalisation_modes_and_zero_outside():
    src = tab()
    assert quad_pieces(lambda x: float(src.spectrum("nu_e_bar", x)), src.breaks["nu_e_bar"]) == pytest.approx(
        2.0e12, rel=1e-10
    )
    assert src.total_flux("nu_e_bar") == pytest.approx(2.0e12, rel=1e-12)
    absolute = build_source(
        {
            "type": "tabulated",
            "energy_MeV": [1.0, 2.0, 4.0, 7.0, 9.0],
            "dphi_dE": [0.2, 1.0, 3.0, 0.5, 0.0],
            "normalisation": "absolute",
        },
        ".",
        "test",
    )
    np.testing.assert_array_equal(absolute.spectrum("nu_e_bar", [1.0, 2.0, 4.0, 7.0, 9.0]), [0.2, 1.0, 3.0, 0.5, 0.0])
    assert not np.any(src.spectrum("nu_e_bar", [0.0, 0.5, 0.999, 9.001, 20.0]))
    assert src.e_max == 9.0


# --- pion decay at rest ------------------------------------------------------


def test_pion_dar_spectra_line_and_normalisation():
    assert pd.E_PROMPT == pytest.approx(29.79, abs=0.005)  # physics.md §8
    half = pd.M_MUON / 2
    for shape in (pd.nu_e_shape, pd.nu_mu_bar_shape):
        assert integrate.quad(shape, 0, half, epsabs=0, epsrel=1e-13)[0] == pytest.approx(1.0, rel=1e-12)
        assert shape(half + 1e-9) == 0.0
    src = pion()
    per_flavour = 0.08 * 1.76e23 / (308.1 * 86400) / (4 * np.pi * 1930.0**2)
    for f in ("nu_e", "nu_mu", "nu_mu_bar"):
        assert src.total_flux(f) == pytest.approx(per_flavour, rel=1e-12)
    assert src.lines == (("nu_mu", pd.E_PROMPT, pytest.approx(per_flavour, rel=1e-14)),)
    # analytic: ∫ f_e E^{-1} dE = 4/m_μ, ∫ f_μ̄ E^{-1} dE = (64/m_μ)(3/32 − 1/24) = 10/(3 m_μ)
    assert src.flux_moments("nu_e", 0.0, orders=(1,))[0] == pytest.approx(per_flavour * 4 / pd.M_MUON, rel=1e-12)
    assert src.flux_moments("nu_mu_bar", 0.0, orders=(1,))[0] == pytest.approx(
        per_flavour * 10 / (3 * pd.M_MUON), rel=1e-12
    )
    assert src.flux_moments("nu_mu", np.array([29.0, 30.0]), orders=(0, 2)) == pytest.approx(
        np.array([[per_flavour, per_flavour / pd.E_PROMPT**2], [0.0, 0.0]]), rel=1e-14
    )
    assert src.time_fractions is None and src.e_max == pytest.approx(half)


def test_pion_dar_timing_against_exponential_integrals():
    edges = np.array([-50.0, 0.0, 20.0, 60.0, 200.0, 1000.0, 3000.0, 10000.0, 60000.0])
    t = np.maximum(edges, 0.0)
    a, b = pd.TAU_PION_NS, pd.TAU_MUON_NS
    prompt = np.diff(-np.exp(-t / a))
    delayed = np.diff(1 - (b * np.exp(-t / b) - a * np.exp(-t / a)) / (b - a))
    narrow = pion(timing={"pulse_sigma_ns": 1e-4})  # δ-like pulse: error O(σ/τ_π)
    np.testing.assert_allclose(narrow.time_fractions("nu_mu", edges), prompt, rtol=0, atol=1e-5)
    np.testing.assert_allclose(narrow.time_fractions("nu_e", edges), delayed, rtol=0, atol=1e-5)
    np.testing.assert_allclose(narrow.time_fractions("nu_mu_bar", edges), delayed, rtol=0, atol=1e-5)
    # a real Gaussian pulse: exponentially modified Gaussian (scipy.stats.exponnorm)
    sigma = 150.0
    wide = pion(timing={"pulse_sigma_ns": sigma})

    def emg(tau, x):
        return stats.exponnorm(tau / sigma, scale=sigma).cdf(x)

    edges = np.array([-2000.0, -300.0, -100.0, 0.0, 50.0, 100.0, 300.0, 1000.0, 5000.0, 40000.0])
    np.testing.assert_allclose(wide.time_fractions("nu_mu", edges), np.diff(emg(a, edges)), rtol=1e-7, atol=1e-13)
    ref = np.diff((b * emg(b, edges) - a * emg(a, edges)) / (b - a))
    np.testing.assert_allclose(wide.time_fractions("nu_e", edges), ref, rtol=1e-7, atol=1e-13)
    # a tabulated box pulse on [0, T]: prompt CDF = (1/T) ∫_0^{min(t,T)} (1 − e^{−(t−s)/τ}) ds
    T = 400.0
    box = pion(timing={"pulse_time_ns": [0.0, T], "pulse_weight": [2.0, 2.0]})
    tt = np.array([0.0, 100.0, 400.0, 700.0, 3000.0])
    m = np.minimum(tt, T)
    cdf = (m - a * (np.exp(-(tt - m) / a) - np.exp(-tt / a))) / T
    np.testing.assert_allclose(box.time_fractions("nu_mu", tt), np.diff(cdf), rtol=1e-10, atol=1e-14)


# --- flux moments, every type -------------------------------------------------


@pytest.mark.parametrize(
    "make,flavour",
    [
        (reactor, "nu_e_bar"),
        (lambda: reactor(above_8MeV="exponential", spectrum_model="mueller2011"), "nu_e_bar"),
        (tab, "nu_e_bar"),
        (pion, "nu_e"),
        (pion, "nu_mu_bar"),
        (pion, "nu_mu"),
    ],
)
def test_flux_moments_against_scipy_quad(make, flavour):
    src = make()
    e_min = np.array([[0.1, 0.9], [1.5, 5.6]]) if src.type != "pion_dar" else np.array([[0.5, 10.0], [29.0, 45.0]])
    got = src.flux_moments(flavour, e_min)
    assert got.shape == (2, 2, 3)
    edges = src.breaks[flavour]
    for idx in np.ndindex(e_min.shape):
        for j, k in enumerate((0, 1, 2)):
            ref = (
                quad_pieces(lambda x, k=k: float(src.spectrum(flavour, x)) * x**-k, edges, e_min[idx])
                if len(edges)
                else 0.0
            )
            ref += sum(phi * e**-k for fl, e, phi in src.lines if fl == flavour and e > e_min[idx])
            assert got[(*idx, j)] == pytest.approx(ref, rel=1e-8, abs=1e-300)


# --- schema and bad input -----------------------------------------------------


def test_registry_and_schema():
    assert set(SOURCE_TYPES) == {"reactor", "tabulated", "pion_dar"}
    for name, module in SOURCE_TYPES.items():
        assert module.SCHEMA["properties"]["type"] == {"const": name}
        assert module.SCHEMA["additionalProperties"] is False
        for field, sub in module.SCHEMA["properties"].items():
            if sub.get("type") == "number":
                assert ("exclusiveMinimum" in sub or "minimum" in sub) and "maximum" in sub, (name, field)
    validator = jsonschema.Draft202012Validator(source_schema())
    assert validator.is_valid(conus_block())
    assert validator.is_valid(
        {
            "type": "pion_dar",
            "nu_per_flavour_per_pot": 0.08,
            "protons_on_target": 1e23,
            "beam_days": 300,
            "distance_m": 19.3,
        }
    )
    assert not validator.is_valid({**conus_block(), "distance_m": 0.01})
    assert not validator.is_valid({"type": "laser"})
    assert json.loads(json.dumps(reactor().info))["total_flux_cm2_s"]["nu_e_bar"] == pytest.approx(1.5e13)


def _tab_block(**kw):
    block = {
        "type": "tabulated",
        "energy_MeV": [1.0, 2.0, 3.0],
        "dphi_dE": [1.0, 2.0, 1.0],
        "normalisation": "absolute",
    }
    block.update(kw)
    return {k: v for k, v in block.items() if v is not None}


BAD = [
    (_tab_block(energy_MeV=[1.0, float("nan"), 3.0]), "source.energy_MeV[1]", "finite"),
    (_tab_block(dphi_dE=[1.0, -2.0, 1.0]), "source.dphi_dE[1]", "negative"),
    (_tab_block(dphi_dE=[0.0, 0.0, 0.0]), "source.dphi_dE", "zero"),
    (_tab_block(energy_MeV=[1.0, 3.0, 2.0]), "source.energy_MeV[2]", "strictly increasing"),
    (_tab_block(energy_MeV=[-1.0, 3.0, 4.0]), "source.energy_MeV[0]", "positive"),
    (_tab_block(dphi_dE=[1.0, 2.0]), "source.dphi_dE", "one dΦ/dE per energy"),
    (_tab_block(flavour="nu_sterile"), "source.flavour", "nu_e_bar"),
    (_tab_block(spectrum_file="x.txt"), "source", "exactly one of the two"),
    (_tab_block(normalisation="total_flux"), "source", "total_flux_cm2_s"),
    (_tab_block(energy_MeV=None, dphi_dE=None, spectrum_file="missing.txt"), "source.spectrum_file", "does not exist"),
    ({"type": "laser"}, "source.type", "known types: 'reactor', 'tabulated', 'pion_dar'"),
    ({**conus_block(), "fission_fractions": {**FRACTIONS, "U235": 0.68}}, "source.fission_fractions", "sum to 1"),
    ({**conus_block(), "distance_m": 0.01}, "source.distance_m", "physical range"),
    ({**conus_block(), "above_8MeV": "linear"}, "source.above_8MeV", "'exponential'"),
    ({**conus_block(), "colour": "blue"}, "source", "allowed fields here"),
    (
        {
            "type": "pion_dar",
            "nu_per_flavour_per_pot": 0.08,
            "protons_on_target": 1e23,
            "beam_days": 300,
            "distance_m": 19.3,
            "timing": {"pulse_sigma_ns": 100, "pulse_time_ns": [0, 1], "pulse_weight": [1, 1]},
        },
        "source.timing",
        "either pulse_sigma_ns",
    ),
    (
        {
            "type": "pion_dar",
            "nu_per_flavour_per_pot": 0.08,
            "protons_on_target": 1e23,
            "beam_days": 300,
            "distance_m": 19.3,
            "timing": {"pulse_time_ns": [0, 1, 0.5], "pulse_weight": [1, 1, 1]},
        },
        "source.timing.pulse_time_ns[2]",
        "strictly increasing",
    ),
]


@pytest.mark.parametrize("block,field,fix", BAD)
def test_bad_input_names_the_field(block, field, fix):
    with pytest.raises(SourceError) as err:
        build_source(block, ".", "exp.json")
    message = str(err.value)
    assert message.startswith(f"exp.json: field {field}:") and fix in message and "\n" not in message


@pytest.mark.parametrize(
    "content,line,fix",
    [
        ("1 2\n2 3 4\n", 2, "exactly two columns"),
        ("# header\n1 2\n2 abc\n", 3, "two numbers"),
        ("1, 2\n\n3; 4\n", 3, "two numbers"),
    ],
)
def test_malformed_file_names_file_and_line(tmp_path, content, line, fix):
    (tmp_path / "s.txt").write_text(content)
    with pytest.raises(SourceError, match=rf"field source\.spectrum_file: file .*s\.txt' line {line}: .*{fix}"):
        build_source(_tab_block(energy_MeV=None, dphi_dE=None, spectrum_file="s.txt"), tmp_path, "exp.json")


def test_bad_requests_to_a_source():
    src = pion(timing={"pulse_sigma_ns": 100.0})
    with pytest.raises(SourceError, match="flavour 'nu_x' is unknown"):
        src.spectrum("nu_x", 1.0)
    with pytest.raises(SourceError, match="not emitted"):
        src.time_fractions("nu_tau", [0.0, 1.0])
    with pytest.raises(SourceError, match="strictly increasing"):
        src.time_fractions("nu_e", [1.0, 0.0])


def test_reactor_spectrum_gradients_against_finite_differences():
    import jax
    import jax.numpy as jnp

    # the exponential continuation matches the fit's value and slope at 8 MeV: dφ/dE is continuous there
    def s(e):
        return rs.reactor_spectrum(e, jnp.asarray(FR), 0.6, above_8MeV="exponential")

    s = jax.jit(s)
    ds = jax.jit(jax.grad(s))
    assert float(ds(8.0 - 1e-9)) == pytest.approx(float(ds(8.0 + 1e-9)), rel=1e-6)
    for e in (1.0, 5.0, 9.0):
        h = 1e-5
        assert float(ds(e)) == pytest.approx((float(s(e + h)) - float(s(e - h))) / (2 * h), rel=1e-7)

    # ν̄ per fission with respect to the fission fractions and the captures per fission
    @jax.jit
    def n(fr, cap):
        return rs.neutrinos_per_fission(fr, cap, 10.0, above_8MeV="exponential")

    g_fr, g_cap = jax.jit(jax.grad(n, argnums=(0, 1)))(jnp.asarray(FR), 0.6)
    h = 1e-6
    for i in range(4):
        step = np.eye(4)[i] * h
        fd = (float(n(jnp.asarray(FR + step), 0.6)) - float(n(jnp.asarray(FR - step), 0.6))) / (2 * h)
        assert float(g_fr[i]) == pytest.approx(fd, rel=1e-7)
    assert float(g_cap) == pytest.approx(2.0, rel=1e-7)  # two β decays per capture, each one ν̄
