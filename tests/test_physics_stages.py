"""Each stage against analytic limits and independent evaluations (scipy)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate, special

from cevnsjax import flux, quenching, units
from cevnsjax import targets as nucleus
from cevnsjax.detector import bin_response, trigger_efficiency
from cevnsjax.interactions import weak_charge, weak_couplings


def test_form_factors_equal_one_and_have_finite_gradient_at_zero_q():
    for ff in (nucleus.helm_form_factor, nucleus.klein_nystrand_form_factor):
        assert float(ff(0.0, 72)) == 1.0
        g = jax.grad(lambda q, ff=ff: ff(q, 72))(0.0)
        assert np.isfinite(g) and g == 0.0
        g2 = jax.grad(jax.grad(lambda q, ff=ff: ff(q, 72)))(0.0)
        assert np.isfinite(g2)


@pytest.mark.parametrize("A", [70, 73, 76, 133])
def test_helm_matches_scipy_spherical_bessel_across_the_series_switch(A):
    q = np.geomspace(1e-3, 300.0, 400)  # MeV, spans x from 1e-5 to ~6
    q_fm = q / units.HBARC_MEV_FM
    c = 1.23 * A ** (1 / 3) - 0.60
    r0 = np.sqrt(c**2 + 7 / 3 * np.pi**2 * 0.52**2 - 5 * 0.9**2)
    x = q_fm * r0
    ref = 3 * special.spherical_jn(1, x) / x * np.exp(-0.5 * (q_fm * 0.9) ** 2)
    np.testing.assert_allclose(np.asarray(nucleus.helm_form_factor(q, A)), ref, rtol=1e-10, atol=1e-14)
    r_a = 1.2 * A ** (1 / 3)
    ref_kn = 3 * special.spherical_jn(1, q_fm * r_a) / (q_fm * r_a) / (1 + (q_fm * 0.7) ** 2)
    np.testing.assert_allclose(np.asarray(nucleus.klein_nystrand_form_factor(q, A)), ref_kn, rtol=1e-10, atol=1e-14)


def test_form_factor_is_close_to_one_at_reactor_energies():
    m = 72 * units.ATOMIC_MASS_UNIT

    def f2_at_endpoint(e):
        t_max = float(nucleus.max_recoil(e, m))
        return float(nucleus.helm_form_factor(nucleus.momentum_transfer(t_max, m), 72)) ** 2

    assert 0.98 < f2_at_endpoint(5.0) < 1.0  # the bulk of the reactor spectrum
    assert 0.94 < f2_at_endpoint(10.0) < 0.96  # the largest recoil of the model


def test_kinematics_round_trip():
    m = 71.9 * units.ATOMIC_MASS_UNIT
    e = jnp.linspace(0.5, 10.0, 20)
    t = nucleus.max_recoil(e, m)
    np.testing.assert_allclose(np.asarray(nucleus.min_neutrino_energy(t, m)), np.asarray(e), rtol=1e-12)


def test_weak_charge_tree_level():
    gp, gn = weak_couplings(0.23857)
    assert gp == pytest.approx(0.5 - 2 * 0.23857) and gn == -0.5
    assert float(weak_charge(32, 40, 0.25)) == pytest.approx(32 * 0.0 - 20.0)
    gp_r, gn_r = weak_couplings(units.SIN2_THETA_W_LOW_ENERGY, "radiative")
    assert float(gp_r) == pytest.approx(0.0298) and float(gn_r) == pytest.approx(-0.5117)


def test_lindhard_known_value_and_zero_limit():
    # hand evaluation at T = 1 keV, Z = 32, k = 0.162
    eps = 11.5 * 32 ** (-7 / 3)
    g = 3 * eps**0.15 + 0.7 * eps**0.6 + eps
    y = 0.162 * g / (1 + 0.162 * g)
    assert float(quenching.lindhard_yield(1.0 * units.keV, 32, 0.162)) == pytest.approx(y, rel=1e-12)
    assert float(quenching.lindhard_yield(0.0, 32, 0.162)) == 0.0
    assert np.isfinite(jax.grad(quenching.ionisation_energy)(0.0, 32, 0.162))


def test_huber_mueller_coefficients_and_spectrum_split():
    e = 4.0
    a = flux.HUBER_MUELLER["U235"]
    assert float(flux.fission_spectrum("U235", e)) == pytest.approx(np.exp(sum(c * e**k for k, c in enumerate(a))))
    a = flux.VOGEL_ENGEL["Pu239"]
    assert float(flux.fission_spectrum("Pu239", 1.0)) == pytest.approx(np.exp(sum(a)))
    assert float(flux.fission_spectrum("U238", -1.0)) == 0.0


def test_capture_spectrum_gives_two_antineutrinos_per_capture():
    total, _ = integrate.quad(lambda e: float(flux.capture_spectrum(e)), 0, 1.3, points=[flux.Q_BETA_NP239], limit=200)
    assert total == pytest.approx(2.0, rel=1e-6)


def test_neutrinos_per_fission_against_scipy_quad():
    fr = np.array([0.58, 0.07, 0.30, 0.05])

    def s(e):
        return float(flux.reactor_spectrum(e, fr, 0.6))

    ref = sum(
        integrate.quad(s, a, b, limit=200)[0]
        for a, b in [
            (0, flux.Q_BETA_NP239),
            (flux.Q_BETA_NP239, flux.Q_BETA_U239),
            (flux.Q_BETA_U239, 2.0),
            (2.0, 10.0),
        ]
    )
    got = float(flux.neutrinos_per_fission(fr, 0.6, 10.0))
    assert got == pytest.approx(ref, rel=1e-8)
    # the physics spec: ~1.6 per fission above 2 MeV, ~1.2 from captures
    above2 = integrate.quad(s, 2.0, 10.0)[0]
    assert 1.5 < above2 < 1.7


def test_total_flux_normalisation_reproduces_quoted_flux():
    src = {
        "fission_fractions": [0.58, 0.07, 0.30, 0.05],
        "distance_m": 20.7,
        "normalisation": "total_flux",
        "total_flux_cm2_s": 1.5e13,
        "captures_per_fission": 0.6,
        "e_max_MeV": 10.0,
    }
    scale = flux.flux_scale(src)
    assert scale * float(flux.neutrinos_per_fission(np.array(src["fission_fractions"]), 0.6, 10.0)) == pytest.approx(
        1.5e13
    )


def test_thermal_power_normalisation_by_hand():
    src = {
        "fission_fractions": [0.58, 0.07, 0.30, 0.05],
        "distance_m": 20.7,
        "normalisation": "thermal_power",
        "thermal_power_GW": 3.6,
        "energy_per_fission_MeV": [202.36, 205.99, 211.12, 214.26],
    }
    mean_e = 0.58 * 202.36 + 0.07 * 205.99 + 0.30 * 211.12 + 0.05 * 214.26
    rate = 3.6e9 / (mean_e * 1.602176634e-13)
    assert flux.flux_scale(src) == pytest.approx(rate / (4 * np.pi * 2070.0**2), rel=1e-12)


def test_bin_response_against_scipy_quad():
    mu, sig = 180e-6, 22e-6
    lo, hi, e50, w = 160e-6, 1000e-6, 130e-6, 15e-6
    ref, _ = integrate.quad(
        lambda x: (
            0.5
            * (1 + special.erf((x - e50) / (np.sqrt(2) * w)))
            * np.exp(-0.5 * ((x - mu) / sig) ** 2)
            / (np.sqrt(2 * np.pi) * sig)
        ),
        lo,
        hi,
        points=[mu],
        epsabs=0,
        epsrel=1e-12,
    )
    got = float(bin_response(jnp.array([mu]), jnp.array([sig]), jnp.array([lo]), jnp.array([hi]), e50, w, 16)[0, 0])
    assert got == pytest.approx(ref, rel=1e-8)


def test_bin_response_sums_to_one_without_efficiency_loss():
    mu = jnp.array([300e-6])
    edges = jnp.linspace(0.0, 600e-6, 31)
    p = bin_response(mu, jnp.array([20e-6]), edges[:-1], edges[1:], -1.0, 1e-6, 16)
    assert float(p.sum()) == pytest.approx(1.0, rel=1e-10)


def test_trigger_efficiency_half_at_e50():
    assert float(trigger_efficiency(150.0, 150.0, 10.0)) == 0.5
