"""Profile, contour and spectrum figures (the verbs' ``--plot`` outputs)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .style import CONUS_COLOR, PALETTE, STYLE, legend_outside, level_name, save, sci, stamp


def _visible_range(xs, dchi2, top):
    """x range where the profile lies below the top of the plot (plus a margin),
    so that a scan over a wide range does not squeeze the curve into a corner."""
    xs, dchi2 = np.asarray(xs, float), np.asarray(dchi2, float)
    inside = np.flatnonzero(np.isfinite(dchi2) & (dchi2 <= top))
    if inside.size < 2:
        return xs[0], xs[-1]
    i0, i1 = max(inside[0] - 1, 0), min(inside[-1] + 1, xs.size - 1)
    lo, hi = xs[i0], xs[i1]
    pad = 0.04 * (hi - lo)
    return max(xs[0], lo - pad), min(xs[-1], hi + pad)


def profile_plot(
    xs,
    delta_chi2,
    *,
    xlabel: str,
    interval=None,
    best_fit=None,
    levels=((1.0, "68 % CL"),),
    reference=None,
    path,
    title=None,
    xscale: str = "linear",
    marker_label: str | None = None,
    context: str | None = None,
    dof: int = 1,
) -> list[str]:
    """Δχ² profile of one parameter with horizontal confidence-level lines, the
    profile interval shaded and an optional published reference ``(value, error,
    label)`` (error None: drawn as a line). ``levels``: ``(Δχ², name)`` pairs; a
    name of None is replaced by the confidence level of that Δχ² for ``dof``.
    ``context``: the experiment / exposure / observed-or-expected line. The x
    range is cut to where the profile lies below the top of the plot. A CSV of
    the curve is written beside the figure."""
    levels = tuple((lv, name if name and "Δχ²" not in name else level_name(lv, dof)) for lv, name in levels)
    top = max(5.0, max(lv for lv, _ in levels) * 1.6)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        ax.plot(xs, delta_chi2, color="k", lw=1.8, label="profile likelihood")
        for i, (level, name) in enumerate(levels):
            ax.axhline(
                level, color="0.4", ls=("--", ":", "-.")[i % 3], lw=1, label=rf"{name} ($\Delta\chi^2$ = {level:.2f})"
            )
        if interval is not None and None not in interval:
            ax.axvspan(interval[0], interval[1], color=CONUS_COLOR, alpha=0.15, label="profile interval")
        if best_fit is not None:
            ax.axvline(best_fit, color=CONUS_COLOR, lw=1.2, label=marker_label or f"best fit {best_fit:.4g}")
        lo, hi = _visible_range(xs, delta_chi2, top)
        if reference is not None:
            value, err, ref_label = reference
            if err:
                ax.errorbar([value], [0.3], xerr=[[err], [err]], fmt="o", color=PALETTE[0], capsize=3, label=ref_label)
            else:
                ax.axvline(value, color=PALETTE[0], ls=":", lw=1.5, label=ref_label)
            lo, hi = min(lo, value - (err or 0)), max(hi, value + (err or 0))
        ax.set_xscale(xscale)
        if xscale == "linear":
            ax.set_xlim(lo, hi)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(r"$\Delta\chi^2$")
        ax.set_ylim(0, top)
        stamp(ax, context or title)
        legend_outside(ax)
        return save(fig, path, csv_columns={"x": xs, "delta_chi2": delta_chi2})


def contour_plot(
    xs,
    ys,
    delta_chi2,
    contours: dict,
    *,
    xlabel: str,
    ylabel: str,
    path,
    points=(),
    lines=(),
    title=None,
    context: str | None = None,
    expected: bool = False,
) -> list[str]:
    """Allowed regions in a plane: filled Δχ² below the largest level, one
    contour line per level named by its confidence level (2 parameters), marked
    points ``(x, y, label)`` and straight lines ``(slope, intercept, label)``."""
    with plt.rc_context(STYLE | {"figure.figsize": (7.4, 5.0)}):
        fig, ax = plt.subplots()
        levels = sorted(contours)
        ax.contourf(xs, ys, delta_chi2, levels=[0.0, levels[-1]], colors=[CONUS_COLOR], alpha=0.25)
        styles = ["-", "--", ":"]
        for i, level in enumerate(levels):
            name = level_name(level, 2) + (" expected" if expected else "") + " (allowed)"
            for j, line in enumerate(contours[level]):
                ax.plot(
                    line[:, 0], line[:, 1], color=CONUS_COLOR, ls=styles[i % 3], lw=1.4, label=name if j == 0 else None
                )
        for slope, intercept, line_label in lines:
            x = np.asarray([xs[0], xs[-1]])
            ax.plot(x, slope * x + intercept, color="0.3", lw=0.8, ls="-.", label=line_label)
        for x, y, point_label in points:
            ax.plot([x], [y], "k*", ms=9, label=point_label)
        ax.set_xlim(xs[0], xs[-1])
        ax.set_ylim(ys[0], ys[-1])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        stamp(ax, context or title)
        legend_outside(ax)
        return save(fig, path)


def contours_label(level: float, dof: int = 2) -> str:
    """Legend name of a Δχ² contour: its confidence level ('90 % CL')."""
    return level_name(level, dof)


def channel_spectra_plot(
    bin_lo_eV, bin_hi_eV, components: dict, *, path, title=None, context: str | None = None
) -> list[str]:
    """Counts per keVee versus reconstructed energy for several components
    (nuclear and electron recoils, background), as step lines; a CSV beside."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        lo, hi = np.asarray(bin_lo_eV, float), np.asarray(bin_hi_eV, float)
        edges = np.concatenate([lo, hi[-1:]])
        width_kev = (hi - lo) / 1e3
        columns = {"bin_lo_eVee": lo, "bin_hi_eVee": hi}
        for i, (name, counts) in enumerate(components.items()):
            dens = np.asarray(counts, float) / width_kev
            ax.stairs(dens, edges, lw=1.6, label=name, color=PALETTE[i % len(PALETTE)])
            columns[f"{name} [counts/keVee]"] = dens
        ax.set_yscale("log")
        ax.set_xlabel(r"reconstructed energy [eV$_{ee}$]")
        ax.set_ylabel(r"counts per energy [1 / keV$_{ee}$]")
        stamp(ax, context or title)
        legend_outside(ax)
        return save(fig, path, csv_columns=columns)


def upper_limit_text(value: float, unit: str, cl: float = 0.9) -> str:
    """'< 5.3×10⁻¹⁰ μB (90 % CL)' in the common number format."""
    return f"< {sci(value, unit)} ({100 * cl:.4g} % CL)"
