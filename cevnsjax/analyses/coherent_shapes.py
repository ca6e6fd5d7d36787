"""Systematic shape variants of COHERENT LAr 2020 (Analysis A) as nuisances.

The release gives the CEvNS and prompt beam-related-neutron (BRN) PDFs with
single systematics moved by one standard deviation (companion paper
arXiv:2006.12659, Table 3), shipped reduced to the analysis binning in
``data/experiments/coherent-lar-2020/shape_systematics.json``. Each variant is a
nuisance θ with a unit Gaussian constraint:

* a ±1σ pair (p₊, p₋) around the central PDF c moves a bin by
  δ(θ) = θ (p₊ − p₋)/2 + θ² (p₊ + p₋ − 2c)/2 (the parabola through the
  three shapes: exact at θ = −1, 0, +1, smooth at 0);
* a one-sided variant p moves it by δ(θ) = θ (p − c), the same both ways.

CEvNS variants act on cevnsjax's own CEvNS prediction as relative changes
δ/c per bin (bins where c = 0 are left alone); BRN variants add δ to the
BRN template. :func:`lar_shape_templates` returns the first- and second-order
templates, :func:`shape_change` evaluates them.
"""

from __future__ import annotations

import json

import jax.numpy as jnp
import numpy as np

from ..datafiles import data_root

#: nuisance name -> (component, +1σ key, −1σ key or None for a one-sided variant)
LAR_SHAPES = {
    "cevns_f90_shape": ("cevns", "cevns_plus_1sigma_f90", "cevns_minus_1sigma_f90"),
    "cevns_timing_mean": ("cevns", "cevns_timing_mean", None),
    "brn_energy_shape": ("brn", "brn_plus_1sigma_energy", "brn_minus_1sigma_energy"),
    "brn_timing_mean": ("brn", "brn_plus_1sigma_timing_mean", "brn_minus_1sigma_timing_mean"),
    "brn_timing_width": ("brn", "brn_timing_width", None),
}


def lar_shape_templates() -> dict:
    """``{"cevns": (names, linear, quadratic), "brn": (...)}``: per component the
    nuisance names and their (k, 12, 10) templates (relative for CEvNS,
    absolute events for BRN)."""
    data = json.loads((data_root() / "experiments" / "coherent-lar-2020" / "shape_systematics.json").read_text())
    central = {"cevns": np.asarray(data["cevns_central"]), "brn": np.asarray(data["brn_central"])}
    out = {}
    for component in ("cevns", "brn"):
        names, lin, quad = [], [], []
        c = central[component]
        for name, (comp, plus_key, minus_key) in LAR_SHAPES.items():
            if comp != component:
                continue
            plus = np.asarray(data[plus_key])
            minus = 2.0 * c - plus if minus_key is None else np.asarray(data[minus_key])
            first, second = 0.5 * (plus - minus), 0.5 * (plus + minus - 2.0 * c)
            if component == "cevns":  # relative to the central PDF, where it is not empty
                safe = np.where(c > 0, c, 1.0)
                first, second = np.where(c > 0, first / safe, 0.0), np.where(c > 0, second / safe, 0.0)
            names.append(name)
            lin.append(first)
            quad.append(second)
        out[component] = (tuple(names), np.stack(lin), np.stack(quad))
    return out


def shape_change(theta, linear, quadratic):
    """Σ_k θ_k linear_k + θ_k² quadratic_k for ``theta`` (k,) and templates (k, ...)."""
    theta = jnp.asarray(theta)
    return jnp.tensordot(theta, linear, axes=1) + jnp.tensordot(theta**2, quadratic, axes=1)
