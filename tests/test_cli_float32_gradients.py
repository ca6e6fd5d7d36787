"""Float32 safety of the light-mediator terms: gradients stay finite over the
allowed mass range (1e-3 to 1e5 MeV), at zero and at small couplings, down to
zero recoil, and agree with the float64 values."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import cevnsjax as cj
from cevnsjax import units
from cevnsjax.interactions.mediators import scalar_to_weak_ratio, vector_mediator_shift
from cevnsjax.rates import detector_counts

MASSES = [1e-3, 1e-1, 1.0, 3.0, 30.0, 1e3, 1e5]  # MeV: the allowed range of m_phi and m_zp
COUPLINGS = [0.0, 1e-6, 1e-4]
M_GE, Q_GE = 67_700.0, 14.0 * 41 + 15.1 * 32  # a germanium nucleus [MeV] and its scalar charge
RECOILS = [0.0, 1e-9, 1e-6, 1e-4, 1e-2]  # MeV, from zero recoil up


def _direct_scalar(g, m, t):
    """The textbook form g⁴ Q² M T / (4 G_F² (q² + m²)²), float64 reference."""
    return g**4 * Q_GE**2 * M_GE * t / (4.0 * units.G_FERMI**2 * (2.0 * M_GE * t + m**2) ** 2)


@pytest.mark.parametrize("g", COUPLINGS)
def test_mediator_terms_have_finite_float32_gradients(g):
    recoil64 = np.array(RECOILS)
    with jax.enable_x64(False):
        recoil = jnp.asarray(RECOILS, dtype=jnp.float32)
        for m in MASSES:
            scalar = jax.grad(lambda mm, gg: jnp.sum(scalar_to_weak_ratio(M_GE, Q_GE, gg, mm, recoil)), (0, 1))
            vector = jax.grad(
                lambda mm, gg: jnp.sum(vector_mediator_shift(3.0 * 73, gg, mm, 2 * M_GE * recoil)), (0, 1)
            )
            for grads in (scalar(jnp.float32(m), jnp.float32(g)), vector(jnp.float32(m), jnp.float32(g))):
                assert all(v.dtype == jnp.float32 for v in grads)
                assert np.all(np.isfinite(np.asarray(grads))), (m, g, grads)
            value = np.asarray(scalar_to_weak_ratio(M_GE, Q_GE, jnp.float32(g), jnp.float32(m), recoil), dtype=float)
            np.testing.assert_allclose(value, _direct_scalar(g, m, recoil64), rtol=1e-5, atol=0)


def test_scalar_gradient_matches_finite_differences_in_float64():
    t, g, m = 1e-6, 1e-5, 2.0
    analytic = jax.grad(lambda mm: scalar_to_weak_ratio(M_GE, Q_GE, g, mm, t))(m)
    h = 1e-5
    fd = (_direct_scalar(g, m + h, t) - _direct_scalar(g, m - h, t)) / (2 * h)
    assert float(analytic) == pytest.approx(fd, rel=1e-6)


def test_counts_gradient_finite_in_float32():
    """d(counts)/d(all parameters) of conus-plus in float32 at light masses and g = 0
    (NaN for m_phi ≤ 3 MeV before the scalar term was rewritten)."""
    with jax.enable_x64(False):
        ex = cj.load_experiment("conus-plus")
        base = cj.nominal_params(ex)
        assert jnp.asarray(base.m_phi).dtype == jnp.float32
        grad = jax.jit(jax.grad(lambda p: detector_counts(p, ex).sum()))
        for m in (1e-3, 3.0):
            for g in (0.0, 1e-5):
                d = grad(base.replace(g_phi=g, m_phi=m, g_zp=g, m_zp=m)).to_dict()
                bad = sorted(k for k, v in d.items() if not np.all(np.isfinite(np.asarray(v))))
                assert bad == [], (m, g, bad)
                if g == 0.0:
                    assert d["m_phi"] == 0.0 and d["m_zp"] == 0.0
                else:
                    assert d["m_phi"] < 0.0  # a heavier scalar gives fewer events
