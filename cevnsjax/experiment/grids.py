"""Quadrature grids of an experiment: the recoil grid (its range follows the
widest allowed quenching and resolution, with node boundaries at the threshold
images), the electron-recoil panels and the static bound of the form factor's
argument."""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from .. import units
from ..detector import resolution_sigma
from ..parameters import PARAMETERS
from ..quadrature import log_nodes, map_nodes
from ..quenching import ionisation_energy
from ..targets import (
    Target,
    max_recoil,
)
from .spec import ExperimentError

_K_MAX = PARAMETERS["quench_k"].upper
_RES_SCALE_MAX = PARAMETERS["res_scale"].upper


def _form_factor_bound(recoil, isotopes, rms_default) -> float:
    """Bound on q·r (r ≤ √(5/3)·rms) over the recoil nodes and every allowed
    value of the isotopes' neutron radius parameters, with a 25 % margin."""
    bound = 0.0
    for (el, iso, _), rms in zip(isotopes, rms_default, strict=True):
        name = f"rn_{el.symbol}"
        shift = PARAMETERS[name].upper - PARAMETERS[name].default if name in PARAMETERS else 0.0
        q_fm = math.sqrt(2.0 * iso.nuclear_mass * float(np.max(recoil))) / units.HBARC_MEV_FM
        bound = max(bound, q_fm * math.sqrt(5.0 / 3.0) * (float(rms) + max(shift, 0.0)))
    return 1.25 * bound


def _recoil_range(target: Target, spec: dict, e_max: float) -> tuple[float, float]:
    """[T_lo, T_hi] [MeV] of the recoil grid.

    T_hi: the largest T_max(E_max) over isotopes. T_lo: the recoil whose
    ionisation energy at the largest allowed k lies ``window`` resolution
    widths (at the largest allowed res_scale) below the lowest threshold,
    floored at 1 eVee, for the element that reaches it first; recoils below it
    cannot reach any threshold within the response window.
    """
    t_hi = max(float(max_recoil(e_max, iso.nuclear_mass)) for _, iso, _ in target.isotope_table())
    window = spec["numerics"]["response_window_sigma"]
    pair = (target.pair_energy_eV or 0.0) * units.eV
    floors = []
    for det in spec["detectors"]:
        thr = det["threshold_eVee"] * units.eV
        sig = float(
            resolution_sigma(
                thr, _RES_SCALE_MAX * det["resolution"]["sigma0_eVee"] * units.eV, PARAMETERS["fano"].upper, pair, xp=np
            )
        )
        floors.append(thr - window * sig)
    e_floor = max(min(floors), 1.0 * units.eV)
    t_lo = t_hi
    for element in target.elements:
        lo, hi = math.log(1e-9), math.log(t_hi)  # bisection in ln T on the monotone E_ee(T)
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if float(ionisation_energy(math.exp(mid), element.Z, _K_MAX, np)) < e_floor:
                lo = mid
            else:
                hi = mid
        t_lo = min(t_lo, math.exp(lo))
    return t_lo, t_hi


def recoil_grid(t_lo: float, t_hi: float, order: int, breaks=()) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Legendre rule in ln T on [t_lo, t_hi] [MeV], split into panels at
    ``breaks`` (energies where the integrand has a kink or a step, e.g. the
    recoil endpoint of a monochromatic line). ``order`` nodes in all, shared by
    the panels in proportion to their logarithmic length (at least 8 each).
    Without breaks this is one ``order``-point rule."""
    edges = sorted({t_lo, t_hi} | {b for b in breaks if t_lo * (1 + 1e-9) < b < t_hi * (1 - 1e-9)})
    if len(edges) == 2:
        x, w = log_nodes(t_lo, t_hi, order)
        return np.asarray(x), np.asarray(w)
    logs = np.log(edges)
    lengths = np.diff(logs)
    counts = np.maximum(8, np.round(order * lengths / lengths.sum())).astype(int)
    xs, ws = [], []
    for a, b, n in zip(edges[:-1], edges[1:], counts, strict=False):
        x, w = log_nodes(a, b, int(n))
        xs.append(np.asarray(x))
        ws.append(np.asarray(w))
    return np.concatenate(xs), np.concatenate(ws)


def _electron_grid(target: Target, spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss–Legendre rule for electron recoils T_e [MeV]: panels of
    ``electron_panel_eV`` between the lowest energy that can reach a threshold
    and the highest that can reach an ROI end (resolution windows at the
    largest allowed res_scale and fano), split at every shell binding energy
    (where the stepping approximation jumps)."""
    numerics = spec["numerics"]
    window = numerics["response_window_sigma"]
    pair = (target.pair_energy_eV or 0.0) * units.eV

    def sigma_max(e, det):
        return float(
            resolution_sigma(
                e, _RES_SCALE_MAX * det["resolution"]["sigma0_eVee"] * units.eV, PARAMETERS["fano"].upper, pair, xp=np
            )
        )

    dets = spec["detectors"]
    lo = max(
        1.0 * units.eV,
        min(d["threshold_eVee"] * units.eV - window * sigma_max(d["threshold_eVee"] * units.eV, d) for d in dets),
    )
    hi = max(d["roi_max_eVee"] * units.eV + window * sigma_max(d["roi_max_eVee"] * units.eV, d) for d in dets)
    step = numerics["electron_panel_eV"] * units.eV
    n_panels = math.ceil((hi - lo) / step)
    if n_panels > 20000:
        raise ExperimentError(
            f"the electron-channel grid would need {n_panels} panels of {numerics['electron_panel_eV']:g} eV "
            f"up to {hi / units.eV:g} eVee; lower roi_max_eVee or raise numerics.electron_panel_eV"
        )
    edges = set(np.arange(lo, hi, step).tolist()) | {hi} | {b for b, _ in target.shells if lo < b < hi}
    edges = np.array(sorted(edges))
    edges = edges[np.concatenate([[True], np.diff(edges) > 1e-3 * units.eV])]
    nodes, weights = map_nodes(jnp.asarray(edges[:-1]), jnp.asarray(edges[1:]), numerics["electron_panel_nodes"])
    return np.asarray(nodes).ravel(), np.asarray(weights).ravel()
