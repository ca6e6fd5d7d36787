"""Combined fit: CONUS+ counting with COHERENT CsI 2017 through the generic
fit / interval verbs, against the parts' sampled χ² curves."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cevnsjax.analyses import SEED_MEASURED, SEED_SIGMA_ALPHA, combine, counting_analysis, load_coherent
from cevnsjax.experiment import load_experiment
from cevnsjax.infer import fit, profile_interval
from cevnsjax.parameters import make_params

ALONG = eqx.filter_jit(lambda a, p, xs: jax.vmap(lambda x: a(p.replace(sin2_theta_w=x)))(xs))


@pytest.fixture(scope="module")
def parts():
    conus = counting_analysis(load_experiment("conus-plus"), SEED_MEASURED, SEED_SIGMA_ALPHA)
    return {"conus": conus, "csi": load_coherent("coherent-csi-2017")}


def _grid_interval(xs, chi2):
    """Δχ² = 1 crossings of a sampled χ² curve (linear interpolation)."""
    d = chi2 - chi2.min() - 1.0
    i = int(np.argmin(chi2))
    lo = next(
        xs[k] - d[k] * (xs[k + 1] - xs[k]) / (d[k + 1] - d[k]) for k in range(i - 1, -1, -1) if d[k] > 0 >= d[k + 1]
    )
    hi = next(
        xs[k] - d[k] * (xs[k + 1] - xs[k]) / (d[k + 1] - d[k]) for k in range(i, xs.size - 1) if d[k] <= 0 < d[k + 1]
    )
    return lo, hi


def test_combined_sin2_interval_is_narrower_than_either_alone(parts):
    p = make_params()
    both = combine(conus_plus=parts["conus"], coherent_csi_2017=parts["csi"])
    best = fit(both, p, ("sin2_theta_w",), n_starts=1)
    iv = profile_interval(both, best, "sin2_theta_w")
    # each part alone: its χ² curve sampled finely (the combined χ² is their sum: test_coherent.py)
    xs = np.linspace(0.12, 0.40, 141)
    conus = np.asarray(ALONG(parts["conus"], p, jnp.asarray(xs)))
    csi = np.asarray(ALONG(parts["csi"], p, jnp.asarray(xs)))
    width = iv.high - iv.low
    for alone in (conus, csi):
        lo, hi = _grid_interval(xs, alone)
        assert width < hi - lo
    # the verbs' interval agrees with the sampled sum of the parts
    lo, hi = _grid_interval(xs, conus + csi)
    assert iv.low == pytest.approx(lo, abs=3e-4) and iv.high == pytest.approx(hi, abs=3e-4)
    assert iv.low < best.value("sin2_theta_w") < iv.high
