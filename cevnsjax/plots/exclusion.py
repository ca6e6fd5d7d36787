"""Exclusion curves of light mediators: the excluded side shaded, the allowed
islands of destructive interference drawn as regions."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .style import CONUS_COLOR, PALETTE, STYLE, cl_label, legend_outside, save, stamp

MODEL_TITLES = {
    "vector-universal": "light vector mediator, universal couplings",
    "vector-bl": r"light vector mediator, $B-L$",
    "scalar": "light scalar mediator, universal couplings",
}


def _island_bands(masses, islands):
    """Per island index k: arrays (lo, hi) over the masses, NaN where absent."""
    depth = max((len(isl) for isl in islands), default=0)
    bands = []
    for k in range(depth):
        lo = np.array([isl[k][0] if len(isl) > k else np.nan for isl in islands], dtype=float)
        hi = np.array([isl[k][1] if len(isl) > k else np.nan for isl in islands], dtype=float)
        bands.append((lo, hi))
    return bands


def exclusion_plot(
    curves: dict,
    *,
    model: str,
    path,
    expected=False,
    published=(),
    context: str | None = None,
    y_top: float | None = None,
) -> list[str]:
    """Coupling limits versus mediator mass (log-log). ``curves``: name →
    ``{"masses_MeV", "coupling_limits", "allowed_islands", "cl"}`` (the
    ``exclusion`` verb's result). The region above each curve is shaded as
    excluded; islands that are allowed again are drawn as hatched regions.
    ``expected``: bool, or a dict name → bool, marks expected sensitivities
    (named '90 % CL expected'). ``published``: ``[(masses_MeV, couplings, label)]``
    curves read from data files. A CSV of the curves is written beside."""
    columns: dict = {}
    with plt.rc_context(STYLE | {"figure.figsize": (7.6, 4.6)}):
        fig, ax = plt.subplots()
        all_g, all_m = [], []
        for res in curves.values():
            g = np.asarray([np.nan if x is None else x for x in res["coupling_limits"]], dtype=float)
            all_g.append(g[np.isfinite(g)])
            all_m.append(np.asarray(res["masses_MeV"], dtype=float))
        g_all = np.concatenate(all_g) if all_g else np.array([1e-6])
        top = y_top or (10 ** np.ceil(np.log10(np.nanmax(g_all)) + 1) if g_all.size else 1.0)
        for i, (name, res) in enumerate(curves.items()):
            m = np.asarray(res["masses_MeV"], dtype=float)
            g = np.asarray([np.nan if x is None else x for x in res["coupling_limits"]], dtype=float)
            exp = expected.get(name, False) if isinstance(expected, dict) else bool(expected)
            colour = CONUS_COLOR if i == 0 else PALETTE[(i - 1) % len(PALETTE)]
            ls = "--" if exp else "-"
            ax.plot(m, g, color=colour, lw=1.8, ls=ls, label=f"{name}, {cl_label(res['cl'], expected=exp)}")
            ax.fill_between(m, g, top, color=colour, alpha=0.12, lw=0, label=f"excluded ({name})")
            for k, (lo, hi) in enumerate(_island_bands(m, res.get("allowed_islands") or [[] for _ in m])):
                ok = np.isfinite(lo) & np.isfinite(hi)
                ax.fill_between(
                    m,
                    np.where(ok, lo, np.nan),
                    np.where(ok, hi, np.nan),
                    facecolor="white",
                    edgecolor=colour,
                    hatch="///",
                    lw=0.8,
                    label="allowed again (weak charge flipped)" if k == 0 and ok.any() else None,
                )
                columns[f"{name} island{k} low"] = lo
                columns[f"{name} island{k} high"] = hi
            columns[f"{name} mass [MeV]"] = m
            columns[f"{name} coupling limit"] = g
        for j, (m, g, pub_label) in enumerate(published):
            ax.plot(m, g, color="0.35", lw=1.2, ls=(":", "-.")[j % 2], label=pub_label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        finite = g_all[g_all > 0]
        ax.set_ylim((finite.min() / 10) if finite.size else 1e-7, top)
        ax.set_xlabel(r"mediator mass $m$ [MeV]")
        ax.set_ylabel(r"coupling $g$")
        stamp(ax, context or MODEL_TITLES.get(model, model))
        legend_outside(ax, fontsize=8)
        return save(fig, path, csv_columns=columns)
