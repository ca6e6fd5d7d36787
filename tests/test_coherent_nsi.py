"""The (ε^uV_ee, ε^dV_ee) Δχ² grid of COHERENT CsI+LAr, CONUS+ and both
(ε_μμ fixed to 0) against pointwise profile χ² evaluations."""

import numpy as np
import pytest

from cevnsjax.analyses import SEED_MEASURED, SEED_SIGMA_ALPHA, counting_analysis, load_coherent
from cevnsjax.analyses.coherent_studies import nsi_ee_grid
from cevnsjax.experiment import load_experiment
from cevnsjax.parameters import make_params


@pytest.fixture(scope="module")
def parts():
    conus = counting_analysis(load_experiment("conus-plus"), SEED_MEASURED, SEED_SIGMA_ALPHA)
    return {"conus": conus, "csi": load_coherent("coherent-csi-2017"), "lar": load_coherent("coherent-lar-2020")}


def test_nsi_grid_matches_pointwise_profiles_and_combines_by_addition(parts):
    p = make_params()
    analyses = {"conus-plus": parts["conus"], "coherent-csi-2017": parts["csi"], "coherent-lar-2020": parts["lar"]}
    g = nsi_ee_grid((-0.5, 0.5), (-0.4, 0.4), n=5, analyses=analyses)
    assert g["eps_mumu"] == "fixed to 0"
    u, d = np.asarray(g["eps_ee_uV"]), np.asarray(g["eps_ee_dV"])
    i, j = 1, 3
    q = p.replace(eps_ee_uV=u[i], eps_ee_dV=d[j])
    coherent = float(parts["csi"](q)) + float(parts["lar"](q))
    conus = float(parts["conus"](q))
    assert g["coherent"]["delta_chi2"][i][j] == pytest.approx(coherent - g["coherent"]["chi2_min"], abs=1e-6)
    assert g["conus-plus"]["delta_chi2"][i][j] == pytest.approx(conus - g["conus-plus"]["chi2_min"], abs=1e-6)
    assert g["combined"]["delta_chi2"][i][j] == pytest.approx(coherent + conus - g["combined"]["chi2_min"], abs=1e-6)
    for name in ("coherent", "conus-plus", "combined"):
        assert min(min(row) for row in g[name]["delta_chi2"]) == 0.0
    with pytest.raises(ValueError, match="n=2"):
        nsi_ee_grid(n=2, analyses=analyses)


def test_scan_interval_on_an_analytic_parabola():
    from cevnsjax.analyses.coherent_studies import _scan_interval

    def objective(p):  # χ² = ((x − 0.2503)/0.01)² + 7: Δχ² = 1 at 0.2403 and 0.2603
        return ((p.sin2_theta_w - 0.2503) / 0.01) ** 2 + 7.0

    r = _scan_interval(objective, make_params(), "sin2_theta_w", np.linspace(0.2, 0.3, 101))
    assert r["best_fit"] == pytest.approx(0.2503, abs=1e-9) and r["chi2_min"] == pytest.approx(7.0, abs=1e-9)
    assert r["low"] == pytest.approx(0.2403, abs=2e-5) and r["high"] == pytest.approx(0.2603, abs=2e-5)
    one_sided = _scan_interval(objective, make_params(), "sin2_theta_w", np.linspace(0.245, 0.3, 56))
    assert one_sided["low"] is None and one_sided["high"] == pytest.approx(0.2603, abs=2e-5)
