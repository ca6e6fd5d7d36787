"""The detector family: each quenching model and response against an
independent numpy/scipy evaluation, gradients against finite differences,
jit/vmap consistency, and bad blocks."""

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate, stats
from scipy.interpolate import CubicHermiteSpline
from scipy.special import erf

import cevnsjax.quenching as old_quenching
from cevnsjax import units
from cevnsjax.detector import (
    QUENCHING_MODELS,
    RESPONSE_MODELS,
    DetectorError,
    Nuisances,
    bin_response,
    build_quenching,
    build_response,
    nominal_nuisances,
    quenching_schema,
    resolution_sigma,
    response_schema,
    trigger_efficiency,
)
from cevnsjax.interpolation import monotone_slopes

EV_BINS = {"unit": "eVee", "edges": [160.0, 200.0, 300.0, 1000.0]}
FANO = {"type": "fano", "sigma0": 20.0, "pair_energy_eV": 2.96}
ERF = {"type": "erf", "e50": 150.0, "width": 20.0}
# COHERENT CsI[Na] 2021 data release (arXiv:2110.07730): light yield 13.35 PE/keVee,
# efficiency a/(1+exp(-b(x-c)))+d with (a, b, c, d) = (1.32045, 0.285979, 10.8646, -0.333322)
CSI_EFF = {"type": "logistic", "center": 10.8646, "width": 1.0 / 0.285979, "amplitude": 1.32045, "offset": -0.333322}
PE_BINS = {"unit": "PE", "edges": [0, 12, 16, 20, 24, 28, 32, 36, 40, 46, 54, 64]}


def pe_response(smearing, efficiency=None, bins=PE_BINS):
    block = {"type": "photoelectron", "light_yield_PE_per_keVee": 13.35, "smearing": smearing}
    if smearing == "gamma":
        block["shape_per_PE"] = 9.56 / 13.35
    if efficiency is not None:
        block["efficiency"] = efficiency
    return build_response(block, bins)


@jax.jit
def probs(resp, mu, nuis):
    """P(bin | mu), compiled once per response structure."""
    return resp.bin_probability(mu, nuis)


def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2.0 * h)


def csi_efficiency(x):
    a, b, c, d = 1.32045, 0.285979, 10.8646, -0.333322
    return np.maximum(a / (1.0 + np.exp(-b * (x - c))) + d, 0.0)


# --- quenching -------------------------------------------------------------------


def test_lindhard_model_against_numpy_formula_and_k_from_nuisance():
    model = build_quenching({"type": "lindhard", "k": 0.2})  # block k documents only
    t_kev = np.array([0.3, 1.0, 4.0, 20.0])
    for k in (0.157, 0.162, 0.179):
        eps = 11.5 * 32.0 ** (-7.0 / 3.0) * t_kev
        g = 3.0 * eps**0.15 + 0.7 * eps**0.6 + eps
        expected = k * g / (1.0 + k * g) * t_kev * units.keV
        got = model.quenched(jnp.asarray(t_kev * units.keV), 32, nominal_nuisances(quench_k=k))
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-12)
    assert model.observable == "ee" and model.valid_range_MeV == (0.0, math.inf)
    # the old import path gives the same function
    assert old_quenching.ionisation_energy(1e-3, 32, 0.162) == model.quenched(1e-3, 32, nominal_nuisances())


def test_tabulated_quenching_hits_table_points_and_never_overshoots():
    t = np.array([1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0])  # keVnr
    y = np.array([0.05, 0.06, 0.12, 0.13, 0.13, 0.10, 0.11])  # rises, flat, falls, rises
    model = build_quenching({"type": "tabulated", "recoil_keVnr": t.tolist(), "quenching_factor": y.tolist()})
    nuis = nominal_nuisances()
    factor = jax.jit(lambda x, n: model.quenching_factor(x, n))
    got = factor(jnp.asarray(t * units.keV), nuis)
    np.testing.assert_allclose(np.asarray(got), y, rtol=1e-14, atol=0)
    fine = np.linspace(t[:-1], t[1:], 401, axis=1)  # (intervals, points)
    vals = np.asarray(factor(jnp.asarray(fine * units.keV), nuis))
    for i in range(t.size - 1):
        lo, hi = min(y[i], y[i + 1]), max(y[i], y[i + 1])
        assert vals[i].min() >= lo - 1e-15 and vals[i].max() <= hi + 1e-15, f"overshoot on [{t[i]}, {t[i + 1]}]"
        steps = np.diff(vals[i])
        assert np.all(steps >= -1e-15) or np.all(steps <= 1e-15), f"not monotone on [{t[i]}, {t[i + 1]}]"
    # independent evaluation of the same Hermite cubic (scipy), and clamping outside
    spline = CubicHermiteSpline(t, y, monotone_slopes(t, y))
    np.testing.assert_allclose(vals, spline(fine), rtol=1e-12)
    outside = factor(jnp.asarray([0.5e-3, 30e-3]), nuis)
    np.testing.assert_allclose(np.asarray(outside), [y[0], y[-1]], rtol=1e-14)
    e = model.quenched(jnp.asarray(4e-3), 55, nominal_nuisances(quench_scale=1.1))
    assert float(e) == pytest.approx(1.1 * float(spline(4.0)) * 4e-3, rel=1e-12)
    assert model.valid_range_MeV == pytest.approx((1e-3, 20e-3))


def test_polynomial_and_none_quenching_against_numpy():
    coeffs = [0.0, 0.0554628, 4.30681e-3, -1.11707e-4, 8.40384e-7]  # COHERENT CsI 2021, in keV
    model = build_quenching({"type": "polynomial", "coefficients_keV": coeffs, "valid_range_keVnr": [3, 60]})
    t_kev = np.array([3.0, 10.0, 25.0, 60.0])
    got = model.quenched(jnp.asarray(t_kev * units.keV), 55, nominal_nuisances(quench_scale=0.95))
    expected = 0.95 * np.polynomial.polynomial.polyval(t_kev, coeffs) * units.keV
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-12)
    assert model.valid_range_MeV == pytest.approx((3e-3, 60e-3))
    none = build_quenching({"type": "none"})
    assert none.observable == "nr"
    np.testing.assert_array_equal(np.asarray(none.quenched(jnp.asarray(t_kev), 18, nominal_nuisances())), t_kev)


# --- responses -------------------------------------------------------------------


def test_ideal_response_is_the_bin_indicator():
    resp = build_response({"type": "ideal"}, EV_BINS)
    mu_ev = np.array([100.0, 160.0, 199.9, 200.0, 650.0, 999.0, 1000.0, 1500.0])
    p = np.asarray(probs(resp, jnp.asarray(mu_ev * units.eV), nominal_nuisances()))
    edges = np.array(EV_BINS["edges"])
    expected = ((mu_ev[:, None] >= edges[None, :-1]) & (mu_ev[:, None] < edges[None, 1:])).astype(float)
    np.testing.assert_array_equal(p, expected)
    np.testing.assert_allclose(resp.sharp_edges(), edges * units.eV)
    scaled = np.asarray(probs(resp, jnp.asarray([190e-6]), nominal_nuisances(energy_scale=1.1)))
    np.testing.assert_array_equal(scaled, [[0.0, 1.0, 0.0]])  # 209 eV lands in [200, 300)


def test_gaussian_erf_response_against_scipy_quad():
    resp = build_response({"type": "gaussian", "efficiency": ERF, "resolution": FANO}, EV_BINS)
    nuis = nominal_nuisances(res_scale=1.2, fano=0.13, eff_shift=5e-6, energy_scale=1.03)
    for mu_ev in (150.0, 210.0, 420.0):
        e = mu_ev * 1.03
        sigma = math.sqrt((20.0 * 1.2) ** 2 + 0.13 * 2.96 * e)
        got = np.asarray(probs(resp, jnp.asarray([mu_ev * units.eV]), nuis))[0]
        for b, (lo, hi) in enumerate(zip(EV_BINS["edges"][:-1], EV_BINS["edges"][1:], strict=False)):

            def f(x, e=e, sigma=sigma):
                return 0.5 * (1 + erf((x - 155.0) / (math.sqrt(2) * 20.0))) * stats.norm.pdf(x, e, sigma)

            ref = integrate.quad(f, lo, hi, epsabs=1e-14, epsrel=1e-12, points=[e])[0]
            assert got[b] == pytest.approx(ref, rel=1e-7, abs=1e-10)


def test_gaussian_tabulated_efficiency_sampling_erf_matches_erf_response():
    x = np.arange(0.0, 601.0, 1.0)
    table = {
        "type": "tabulated",
        "energy": x.tolist(),
        "efficiency": (0.5 * (1 + erf((x - 150.0) / (math.sqrt(2) * 20.0)))).tolist(),
    }
    a = build_response({"type": "gaussian", "efficiency": ERF, "resolution": FANO}, EV_BINS)
    b = build_response({"type": "gaussian", "efficiency": table, "resolution": FANO}, EV_BINS)
    mu = jnp.linspace(60e-6, 1.1e-3, 120)
    for nuis in (nominal_nuisances(), nominal_nuisances(eff_shift=10e-6, eff_width_scale=1.3)):
        pa, pb = np.asarray(probs(a, mu, nuis)), np.asarray(probs(b, mu, nuis))
        np.testing.assert_allclose(pb, pa, atol=1e-6)
        assert pa.max() > 0.9


def test_gaussian_tabulated_resolution_and_step_efficiency_against_normal_cdf():
    res = {"type": "tabulated", "energy": [100.0, 400.0, 1200.0], "sigma": [25.0, 30.0, 40.0]}
    resp = build_response(
        {"type": "gaussian", "efficiency": {"type": "step", "threshold": 170.0}, "resolution": res}, EV_BINS
    )
    nuis = nominal_nuisances(res_scale=0.9, eff_shift=8e-6)
    sigma_of = CubicHermiteSpline(
        [100.0, 400.0, 1200.0], [25.0, 30.0, 40.0], monotone_slopes([100.0, 400.0, 1200.0], [25.0, 30.0, 40.0])
    )
    for mu_ev in (180.0, 260.0):
        s = 0.9 * float(sigma_of(mu_ev))
        edges = np.array(EV_BINS["edges"])
        lo = np.maximum(edges[:-1], 178.0)
        expected = np.clip(stats.norm.cdf(edges[1:], mu_ev, s) - stats.norm.cdf(lo, mu_ev, s), 0, None)
        got = np.asarray(probs(resp, jnp.asarray([mu_ev * units.eV]), nuis))[0]
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-10)


def test_poisson_pe_response_equals_scipy_pmf_sums():
    edges = np.array(PE_BINS["edges"])
    mu = np.array([0.2, 1.0, 2.5]) * units.keV
    nuis = nominal_nuisances(light_yield_scale=1.07)
    for efficiency in (None, CSI_EFF):
        got = np.asarray(probs(pe_response("poisson", efficiency), jnp.asarray(mu), nuis))
        for i, m in enumerate(mu):
            mean = 13.35 * 1.07 * m / units.keV
            for b in range(edges.size - 1):
                n = np.arange(edges[b], edges[b + 1])
                weight = 1.0 if efficiency is None else csi_efficiency(n)
                assert got[i, b] == pytest.approx(np.sum(weight * stats.poisson.pmf(n, mean)), rel=1e-10, abs=1e-300)


def test_gamma_pe_response_equals_scipy_gamma():
    edges = np.array(PE_BINS["edges"], dtype=float)
    mu = np.array([0.3, 1.0, 3.0]) * units.keV
    c = 9.56 / 13.35
    plain = np.asarray(probs(pe_response("gamma"), jnp.asarray(mu), nominal_nuisances()))
    with_eff = np.asarray(probs(pe_response("gamma", CSI_EFF), jnp.asarray(mu), nominal_nuisances()))
    for i, m in enumerate(mu):
        mean = 13.35 * m / units.keV
        dist = stats.gamma(1.0 + c * mean, scale=mean / (1.0 + c * mean))
        np.testing.assert_allclose(plain[i], np.diff(dist.cdf(edges)), rtol=1e-10, atol=1e-15)
        ref = [
            integrate.quad(lambda x, dist=dist: csi_efficiency(x) * dist.pdf(x), a, b, epsabs=1e-13, points=[7.07])[0]
            for a, b in itertools.pairwise(edges)
        ]
        np.testing.assert_allclose(with_eff[i], ref, rtol=2e-6, atol=1e-9)


def test_probabilities_at_most_one_and_one_inside_a_wide_roi():
    wide = {"unit": "eVee", "edges": [0.0, 500.0, 2000.0, 5000.0]}
    # a bin spans the whole ±7σ window here: 32 nodes (the default 16 leave ~1e-4)
    gauss = build_response({"type": "gaussian", "efficiency": {"type": "none"}, "resolution": FANO, "nodes": 32}, wide)
    pe_wide = {"unit": "PE", "edges": [0, 10, 100, 400]}
    nuis = nominal_nuisances()
    inside = jnp.asarray([1.0e-3, 2.5e-3, 2.0e-3])  # MeV: ~1000 and ~2500 eVee; ~13 and ~33 PE
    for resp in (gauss, pe_response("poisson", bins=pe_wide), pe_response("gamma", bins=pe_wide)):
        total = np.asarray(probs(resp, inside, nuis)).sum(axis=1)
        np.testing.assert_allclose(total, 1.0, atol=1e-9)
    for resp in (
        build_response({"type": "gaussian", "efficiency": ERF, "resolution": FANO}, EV_BINS),
        pe_response("poisson", CSI_EFF),
        pe_response("gamma", CSI_EFF),
    ):
        p = np.asarray(probs(resp, jnp.linspace(0.0, 5e-3, 101), nuis))
        assert np.all(p >= -1e-12) and np.all(p.sum(axis=1) <= 1.0 + 1e-9)


def test_lowest_relevant_energy_is_where_the_first_bin_becomes_reachable():
    extreme = nominal_nuisances(res_scale=2.0, fano=0.3, energy_scale=1.2, light_yield_scale=1.2)
    bins = {"unit": "eVee", "edges": [400.0, 600.0, 1000.0]}
    gauss = build_response({"type": "gaussian", "efficiency": ERF, "resolution": FANO}, bins)
    low = gauss.lowest_relevant_energy(extreme)
    p = np.asarray(probs(gauss, jnp.asarray([low * (1 - 1e-6), low * 1.01]), extreme))
    assert p[0, 0] == 0.0 and p[1, 0] > 0.0
    for smearing in ("poisson", "gamma"):
        resp = pe_response(smearing, bins={"unit": "PE", "edges": [8, 20, 60]})
        low = resp.lowest_relevant_energy(extreme)
        p_low = float(probs(resp, jnp.asarray([low]), extreme).sum())
        assert p_low == pytest.approx(1e-12, rel=1e-3)
    ideal = build_response({"type": "ideal"}, bins)
    assert ideal.lowest_relevant_energy(extreme) == pytest.approx(400e-6 / 1.2)


# --- gradients, jit, vmap ---------------------------------------------------------


def test_gradients_against_finite_differences():
    """One Jacobian of several outputs with respect to all nuisances and a common
    scale of the true energies μ (jax.jacfwd), against central differences;
    finite at μ = 0."""
    lindhard = build_quenching({"type": "lindhard"})
    table = build_quenching({"type": "tabulated", "recoil_keVnr": [1, 3, 10], "quenching_factor": [0.08, 0.12, 0.15]})
    gauss = build_response({"type": "gaussian", "efficiency": ERF, "resolution": FANO}, EV_BINS)
    poisson, gamma = pe_response("poisson", CSI_EFF), pe_response("gamma", CSI_EFF)
    mu = jnp.asarray([170e-6, 240e-6, 700e-6])
    mu_pe = jnp.asarray([0.8e-3, 2.0e-3])
    weights = jnp.asarray([1.0, 2.0, 3.0])

    @jax.jit
    def outputs(v, t):
        n = Nuisances(*v)
        # eff_shift is in MeV for energy bins and in PE for PE bins: 1e5 maps 3e-6 to 0.3 PE
        n_pe = n._replace(eff_shift=1e5 * n.eff_shift)
        return jnp.stack(
            [
                lindhard.quenched(2e-3 * t, 32, n) / units.keV,
                table.quenched(2e-3 * t, 32, n) / units.keV,
                jnp.sum(gauss.bin_probability(mu * t, n) @ weights),
                jnp.sum(poisson.bin_probability(mu_pe * t, n_pe) @ jnp.arange(11.0)),
                jnp.sum(gamma.bin_probability(mu_pe * t, n_pe) @ jnp.arange(11.0)),
            ]
        )

    jacobian = jax.jit(jax.jacfwd(outputs, argnums=(0, 1)))
    v0 = jnp.asarray([0.162, 1.05, 3e-6, 1.1, 1.1, 0.12, 1.02, 0.97])  # away from nominal
    steps = np.array([1e-5, 1e-5, 1e-8, 1e-5, 1e-5, 1e-5, 1e-6, 1e-5])
    jac_v, jac_t = (np.asarray(j) for j in jacobian(v0, 1.0))
    numeric = np.stack(
        [
            (np.asarray(outputs(v0.at[i].add(h), 1.0)) - np.asarray(outputs(v0.at[i].add(-h), 1.0))) / (2 * h)
            for i, h in enumerate(steps)
        ],
        axis=1,
    )
    np.testing.assert_allclose(jac_v, numeric, rtol=1e-5, atol=1e-7)
    numeric_t = (np.asarray(outputs(v0, 1.0 + 1e-6)) - np.asarray(outputs(v0, 1.0 - 1e-6))) / 2e-6
    np.testing.assert_allclose(jac_t, numeric_t, rtol=1e-5, atol=1e-7)
    fields = Nuisances._fields
    # each nuisance moves the output it should (no check that cannot fail)
    for row, name in [
        (0, "quench_k"),
        (1, "quench_scale"),
        (2, "eff_shift"),
        (2, "res_scale"),
        (2, "fano"),
        (2, "energy_scale"),
        (3, "light_yield_scale"),
        (4, "light_yield_scale"),
        (4, "eff_width_scale"),
        (3, "eff_shift"),
        (4, "eff_shift"),
    ]:
        assert abs(jac_v[row, fields.index(name)]) > 1e-3, (row, name)
    assert np.all(np.abs(jac_t) > 1e-3)
    at_zero = jacobian(v0, 0.0)
    assert all(np.all(np.isfinite(np.asarray(j))) for j in at_zero)


def test_jit_and_vmap_over_nuisances_match_eager():
    resp = build_response({"type": "gaussian", "efficiency": ERF, "resolution": FANO}, EV_BINS)
    mu = jnp.asarray([180e-6, 400e-6])
    scales = jnp.asarray([0.8, 1.0, 1.5])
    batch = nominal_nuisances()._replace(res_scale=scales)
    axes = Nuisances(None, None, None, None, 0, None, None, None)
    batched = jax.jit(jax.vmap(lambda n: resp.bin_probability(mu, n), in_axes=(axes,)))(batch)
    for i, s in enumerate(scales):
        eager = resp.bin_probability(mu, nominal_nuisances(res_scale=s))
        np.testing.assert_allclose(np.asarray(batched[i]), np.asarray(eager), rtol=1e-12, atol=1e-15)
    assert not np.allclose(np.asarray(batched[0]), np.asarray(batched[2]))


def test_old_functional_api_still_exported():
    sig = resolution_sigma(300e-6, 20e-6, 0.11, 2.96e-6)
    assert float(sig) == pytest.approx(math.sqrt(20e-6**2 + 0.11 * 2.96e-6 * 300e-6), rel=1e-14)
    assert float(trigger_efficiency(150.0, 150.0, 10.0)) == 0.5
    resp = build_response({"type": "gaussian", "efficiency": ERF, "resolution": FANO, "nodes": 16}, EV_BINS)
    mu = jnp.asarray([250e-6])
    lo, hi = jnp.asarray(EV_BINS["edges"][:-1]) * units.eV, jnp.asarray(EV_BINS["edges"][1:]) * units.eV
    old = bin_response(mu, resolution_sigma(mu, 20e-6, 0.11, 2.96e-6), lo, hi, 150e-6, 20e-6, 16)
    np.testing.assert_allclose(np.asarray(resp.bin_probability(mu, nominal_nuisances())), np.asarray(old), rtol=1e-14)


# --- bad blocks --------------------------------------------------------------------


@pytest.mark.parametrize(
    "build, block, fragments",
    [
        ("q", {"type": "birks"}, ["quenching.type", "unknown type 'birks'", "lindhard"]),
        (
            "q",
            {"type": "tabulated", "recoil_keVnr": [1, 3, 2], "quenching_factor": [0.1, 0.1, 0.1]},
            ["quenching.recoil_keVnr", "strictly increasing"],
        ),
        (
            "q",
            {"type": "tabulated", "recoil_keVnr": [1, 2, 3], "quenching_factor": [0.1, 0.2]},
            ["quenching.quenching_factor", "2 entries", "3"],
        ),
        (
            "q",
            {"type": "tabulated", "recoil_keVnr": [1, 2], "quenching_factor": [0.1, float("nan")]},
            ["quenching.quenching_factor[1]", "not a finite number"],
        ),
        (
            "q",
            {"type": "polynomial", "coefficients_keV": [0, 0.2], "colour": 1},
            ["quenching", "colour", "allowed fields here"],
        ),
        (
            "r",
            {"type": "photoelectron", "light_yield_PE_per_keVee": -13.35, "smearing": "poisson"},
            ["response.light_yield_PE_per_keVee", "less than or equal to the minimum"],
        ),
        (
            "r",
            {"type": "photoelectron", "light_yield_PE_per_keVee": 13.35, "smearing": "lognormal"},
            ["response.smearing", "allowed values", "poisson"],
        ),
        (
            "r",
            {
                "type": "gaussian",
                "efficiency": {"type": "tabulated", "energy": [1, 2], "efficiency": [0.5, 1.5]},
                "resolution": FANO,
            },
            ["response.efficiency.efficiency[1]", "maximum"],
        ),
        (
            "r",
            {"type": "gaussian", "efficiency": ERF, "resolution": {"type": "fano", "sigma0": float("inf")}},
            ["response.resolution.sigma0", "not a finite number"],
        ),
        ("r", {"type": "fold"}, ["response.type", "unknown type 'fold'", "gaussian"]),
    ],
)
def test_bad_blocks_name_the_field(build, block, fragments):
    with pytest.raises(DetectorError) as info:
        if build == "q":
            build_quenching(block, origin="quenching")
        else:
            bins = PE_BINS if block["type"] == "photoelectron" else EV_BINS
            build_response(block, bins, origin="response")
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_bins_must_match_the_response():
    with pytest.raises(DetectorError, match=r"photoelectron.*PE bins"):
        build_response({"type": "photoelectron", "light_yield_PE_per_keVee": 13.35, "smearing": "poisson"}, EV_BINS)
    with pytest.raises(DetectorError, match="integer PE edges"):
        pe_response("poisson", bins={"unit": "PE", "edges": [0.5, 10]})
    with pytest.raises(DetectorError, match=r"bins\.unit"):
        build_response({"type": "ideal"}, {"unit": "MeV", "edges": [1, 2]})


def test_registries_and_schemas_list_every_member():
    assert set(QUENCHING_MODELS) == {"lindhard", "tabulated", "polynomial", "none"}
    assert set(RESPONSE_MODELS) == {"ideal", "gaussian", "photoelectron"}
    for schema, registry in ((quenching_schema(), QUENCHING_MODELS), (response_schema(), RESPONSE_MODELS)):
        kinds = {member["properties"]["type"]["const"] for member in schema["oneOf"]}
        assert kinds == set(registry)
        assert all(member["additionalProperties"] is False for member in schema["oneOf"])


def test_response_table_reproduces_folded_counts():
    from cevnsjax.detector import ResponseTable

    resp = build_response({"type": "gaussian", "efficiency": ERF, "resolution": FANO}, EV_BINS)
    nuis = nominal_nuisances(res_scale=1.1)
    table = ResponseTable.build(resp, nuis, 0.0, 1.3e-3, 651)  # 2 eV spacing
    x, w = np.polynomial.legendre.leggauss(200)
    mu = 0.5 * 1.25e-3 * (x + 1) + 50e-6  # [50, 1300] eV
    weights = 0.5 * 1.25e-3 * w * np.exp(-mu / 300e-6)  # a smooth, falling spectrum
    direct = np.asarray(weights @ probs(resp, jnp.asarray(mu), nuis))
    tabulated = np.asarray(weights @ table.bin_probability(jnp.asarray(mu)))
    np.testing.assert_allclose(tabulated, direct, rtol=1e-6)
    assert direct.min() > 0
    with pytest.raises(DetectorError, match="sharp_edges"):
        ResponseTable.build(build_response({"type": "ideal"}, EV_BINS), nuis, 0.0, 1e-3)
