"""Compare cevnsjax event counts against the independent scipy reference (tests/reference_model.py)."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_model import reference_total_counts

import cevnsjax as cj

cj.enable_x64()

EXPERIMENT = Path(__file__).resolve().parent.parent / "data" / "experiments" / "conus-plus.json"
RTOL = 1e-4
NEW_THRESHOLDS = [200.0, 250.0, 300.0]

# name -> (reference kwargs, cevnsjax nominal_params kwargs, json edit, load_experiment kwargs)
CONFIGS = {
    "nominal": ({}, {}, None, {}),
    "thresholds-200-250-300": ({"thresholds_eVee": NEW_THRESHOLDS}, {}, "thresholds", {}),
    "k0.18-s2w0.25": (
        {"quench_k": 0.18, "sin2_theta_w": 0.25},
        {"quench_k": 0.18, "sin2_theta_w": 0.25},
        None,
        {},
    ),
    "klein-nystrand": ({"form_factor": "klein-nystrand"}, {}, "klein-nystrand", {}),
    "thermal-power": (
        {"flux_normalisation": "thermal_power"},
        {},
        None,
        {"flux_normalisation": "thermal_power"},
    ),
}


def _edited_experiment(edit, directory: Path) -> Path:
    data = json.loads(EXPERIMENT.read_text())
    data = copy.deepcopy(data)
    if edit == "thresholds":
        for det, thr in zip(data["detectors"], NEW_THRESHOLDS, strict=False):
            shift = thr - det["threshold_eVee"]
            det["threshold_eVee"] = thr
            det["trigger_efficiency"]["e50_eVee"] += shift
    elif edit == "klein-nystrand":
        data["physics"]["form_factor"] = "klein-nystrand"
    else:
        raise ValueError(edit)
    path = directory / f"conus-plus-{edit}.json"
    path.write_text(json.dumps(data, indent=1))
    return path


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Reference and cevnsjax counts, each configuration computed once per module (lazily)."""
    cache = {}
    directory = tmp_path_factory.mktemp("experiments")

    def get(name):
        if name not in cache:
            ref_kw, cj_kw, edit, load_kw = CONFIGS[name]
            ref = reference_total_counts(EXPERIMENT, **ref_kw)
            path = EXPERIMENT if edit is None else _edited_experiment(edit, directory)
            ex = cj.load_experiment(str(path), **load_kw)
            p = cj.nominal_params(ex, **cj_kw)
            jax_total = float(cj.total_counts(p, ex))
            jax_det = np.asarray(cj.detector_counts(p, ex), dtype=float)
            cache[name] = (ref, jax_total, jax_det)
        return cache[name]

    return get


@pytest.mark.parametrize("name", list(CONFIGS))
def test_total_counts_match_reference(results, name):
    ref, jax_total, _ = results(name)
    assert np.isfinite(jax_total)
    assert jax_total == pytest.approx(ref["total"], rel=RTOL), (
        f"{name}: cevnsjax {jax_total!r} vs reference {ref['total']!r} (rel diff {jax_total / ref['total'] - 1:.2e})"
    )


def test_detector_counts_match_reference_nominal(results):
    ref, jax_total, jax_det = results("nominal")
    ref_det = np.asarray(ref["detectors"])
    assert jax_det.shape == ref_det.shape == (3,)
    np.testing.assert_allclose(jax_det, ref_det, rtol=RTOL)
    assert jax_det.sum() == pytest.approx(jax_total, rel=1e-12)


def test_reference_sanity():
    """Cheap internal consistency checks of the reference itself (no cevnsjax involved)."""
    nom = reference_total_counts(EXPERIMENT)
    assert nom["total"] == pytest.approx(sum(nom["detectors"]), rel=1e-14)
    assert 340.0 < nom["total"] < 375.0
    # counts are linear in flux_norm
    scaled = reference_total_counts(EXPERIMENT, flux_norm=1.3)
    assert scaled["total"] == pytest.approx(1.3 * nom["total"], rel=1e-9)
    # overriding thresholds with the file's own values changes nothing
    same = reference_total_counts(EXPERIMENT, thresholds_eVee=[160, 170, 180])
    assert same["total"] == pytest.approx(nom["total"], rel=1e-12)
