"""Figures in one consistent style (matplotlib, saved as PNG and PDF).

Every function takes the numbers to draw (computed elsewhere) and a path; it
writes ``path`` with suffix .png and .pdf and returns the two paths.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

STYLE = {
    "figure.figsize": (6.0, 4.2), "font.size": 11, "axes.grid": True, "grid.alpha": 0.3,
    "axes.spines.top": False, "axes.spines.right": False, "legend.frameon": False, "savefig.dpi": 150,
}
CONUS_COLOR = "#c0392b"

#: Axis labels per parameter name (units in brackets).
LABELS = {
    "sin2_theta_w": r"$\sin^2\theta_W$",
    "quench_k": "Lindhard $k$",
    "flux_norm": "flux normalisation",
    "mu_nu": r"$\mu_\nu$ [$\mu_B$]",
    "eps_ee_uV": r"$\varepsilon^{uV}_{ee}$",
    "eps_ee_dV": r"$\varepsilon^{dV}_{ee}$",
}


def label(name: str) -> str:
    return LABELS.get(name, name)


def _save(fig, path) -> list[str]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for suffix in (".png", ".pdf"):
        target = path.with_suffix(suffix)
        fig.savefig(target, bbox_inches="tight")
        out.append(str(target))
    plt.close(fig)
    return out


def profile_plot(xs, delta_chi2, *, xlabel: str, interval=None, best_fit=None, levels=((1.0, "68.3 % (Δχ² = 1)"),),
                 reference=None, path, title=None, xscale: str = "linear", marker_label: str | None = None) -> list[str]:
    """Δχ² profile of one parameter with horizontal level lines, the profile
    interval shaded and an optional published reference ``(value, error, label)``."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        ax.plot(xs, delta_chi2, color="k", lw=1.8, label="cevnsjax profile")
        for level, label in levels:
            ax.axhline(level, color="0.4", ls="--", lw=1)
            ax.text(xs[0], level, f" {label}", va="bottom", ha="left", fontsize=9, color="0.3")
        if interval is not None and None not in interval:
            ax.axvspan(interval[0], interval[1], color=CONUS_COLOR, alpha=0.15, label="profile interval")
        if best_fit is not None:
            ax.axvline(best_fit, color=CONUS_COLOR, lw=1.2, label=marker_label or f"best fit {best_fit:.4g}")
        if reference is not None:
            value, err, label = reference
            if err:
                ax.errorbar([value], [0.3], xerr=[[err], [err]], fmt="o", color="tab:blue", capsize=3, label=label)
            else:
                ax.axvline(value, color="tab:blue", ls=":", lw=1.5, label=label)
        ax.set_xscale(xscale)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(r"$\Delta\chi^2$")
        ax.set_ylim(0, max(5.0, max(lv for lv, _ in levels) * 1.6))
        if title:
            ax.set_title(title)
        ax.legend(loc="upper center", fontsize=9)
        return _save(fig, path)


def running_plot(measurements_file, conus_value: float, conus_low: float, conus_high: float, *, conus_q_gev: float,
                 path) -> list[str]:
    """sin²θW versus energy scale: the CONUS+ determination beside published
    measurements and the Standard Model running curve from ``measurements_file``."""
    data = json.loads(Path(measurements_file).read_text())
    with plt.rc_context(STYLE | {"figure.figsize": (7.0, 4.5)}):
        fig, ax = plt.subplots()
        curve = data.get("running_curve")
        if curve:
            pts = np.asarray(curve["points"], dtype=float)
            ax.plot(pts[:, 0], pts[:, 1], color="0.3", lw=1.5, label=r"SM running ($\overline{\rm MS}$)")
        else:  # no citable running curve shipped: the low-energy SM value as a line
            from .units import SIN2_THETA_W_LOW_ENERGY
            ax.axhline(SIN2_THETA_W_LOW_ENERGY, color="0.3", lw=1.2, ls="--",
                       label=rf"SM, $\mu\to 0$: {SIN2_THETA_W_LOW_ENERGY}")
        markers = iter("sDv^<>ph*")
        for m in data["measurements"]:
            ax.errorbar([m["Q_GeV"]], [m["value"]], yerr=[[m["err_low"]], [m["err_high"]]], fmt=next(markers, "o"),
                        capsize=3, ms=5, label=m["label"])
        ax.errorbar([conus_q_gev], [conus_value], yerr=[[conus_value - conus_low], [conus_high - conus_value]], fmt="o",
                    color=CONUS_COLOR, capsize=4, ms=7, label="CONUS+ (cevnsjax)")
        ax.set_xscale("log")
        ax.set_xlabel(r"energy scale $\mu$ [GeV]")
        ax.set_ylabel(r"$\sin^2\theta_W$")
        ax.legend(fontsize=7, ncol=2, loc="lower right")
        return _save(fig, path)


def contour_plot(xs, ys, delta_chi2, contours: dict, *, xlabel: str, ylabel: str, path, points=(), lines=(),
                 title=None) -> list[str]:
    """Allowed regions (filled Δχ² below the largest level), contour lines per
    level, marked points ``(x, y, label)`` and straight lines ``(slope, intercept, label)``."""
    with plt.rc_context(STYLE | {"figure.figsize": (5.6, 5.0)}):
        fig, ax = plt.subplots()
        levels = sorted(contours)
        ax.contourf(xs, ys, delta_chi2, levels=[0.0, levels[-1]], colors=[CONUS_COLOR], alpha=0.25)
        styles = ["-", "--", ":"]
        for i, level in enumerate(levels):
            for j, line in enumerate(contours[level]):
                ax.plot(line[:, 0], line[:, 1], color=CONUS_COLOR, ls=styles[i % 3], lw=1.4,
                        label=contours_label(level) if j == 0 else None)
        for slope, intercept, label in lines:
            x = np.asarray([xs[0], xs[-1]])
            ax.plot(x, slope * x + intercept, color="0.3", lw=0.8, ls="-.", label=label)
        for x, y, label in points:
            ax.plot([x], [y], "k*", ms=9, label=label)
        ax.set_xlim(xs[0], xs[-1])
        ax.set_ylim(ys[0], ys[-1])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        ax.legend(fontsize=8, loc="lower left")
        return _save(fig, path)


def contours_label(level: float) -> str:
    return f"Δχ² = {level:.2f}"


def exclusion_plot(curves: dict, *, model: str, path) -> list[str]:
    """Coupling limits versus mediator mass (log-log), one line per analysis,
    with the allowed islands of destructive interference marked."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        for i, (name, res) in enumerate(curves.items()):
            m = np.asarray(res["masses_MeV"], dtype=float)
            g = np.asarray([np.nan if x is None else x for x in res["coupling_limits"]], dtype=float)
            color = [CONUS_COLOR, "tab:blue", "tab:green"][i % 3]
            ax.plot(m, g, color=color, lw=1.8, label=f"{name}: {100 * res['cl']:g} % CL")
            labelled = False
            for mj, isl in zip(m, res["allowed_islands"]):
                for a, b in isl:
                    ax.plot([mj, mj], [a, b], color=color, lw=3, alpha=0.5,
                            label=None if labelled else "allowed again (weak charge flipped)")
                    labelled = True
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("mediator mass [MeV]")
        ax.set_ylabel(r"coupling $g$")
        ax.set_title({"vector-universal": "light vector, universal", "vector-bl": "light vector, B−L",
                      "scalar": "light scalar, universal"}.get(model, model))
        ax.legend(fontsize=8, loc="upper left")
        return _save(fig, path)


def channel_spectra_plot(bin_lo_eV, bin_hi_eV, components: dict, *, path, title=None) -> list[str]:
    """Counts per keVee versus reconstructed energy for several components
    (e.g. nuclear and electron recoils, background), as step lines."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        lo, hi = np.asarray(bin_lo_eV), np.asarray(bin_hi_eV)
        edges = np.concatenate([lo, hi[-1:]])
        width_kev = (hi - lo) / 1e3
        for name, counts in components.items():
            dens = np.asarray(counts) / width_kev
            ax.stairs(dens, edges, lw=1.6, label=name)
        ax.set_yscale("log")
        ax.set_xlabel(r"reconstructed energy [eV$_{ee}$]")
        ax.set_ylabel(r"counts / keV$_{ee}$")
        if title:
            ax.set_title(title)
        ax.legend(fontsize=8)
        return _save(fig, path)


def nsi_comparison_plot(eps_u, eps_d, regions, *, path, level: float = 4.605170185988091, cl_text: str = "90 % CL",
                        title=None, note=None) -> list[str]:
    """Allowed regions in the (ε^{uV}_ee, ε^{dV}_ee) plane of several data sets
    (seed paper Fig. 3). ``regions``: ``[(label, delta_chi2, colour, filled), ...]``
    with ``delta_chi2[i, j]`` at (eps_u[i], eps_d[j]); each region is Δχ² < ``level``
    (2 degrees of freedom). The legend sits beside the axes, outside the data."""
    with plt.rc_context(STYLE | {"figure.figsize": (8.2, 5.4)}):
        fig, ax = plt.subplots(constrained_layout=True)
        handles = []
        for label_text, dchi2, colour, filled in regions:
            z = np.asarray(dchi2).T  # contourf wants [y, x]
            if filled:
                ax.contourf(eps_u, eps_d, z, levels=[0.0, level], colors=[colour], alpha=0.35)
                ax.contour(eps_u, eps_d, z, levels=[level], colors=[colour], linewidths=1.0)
                handles.append(plt.Rectangle((0, 0), 1, 1, facecolor=colour, alpha=0.35, edgecolor=colour,
                                             label=f"{label_text}, {cl_text}"))
            else:
                ax.contour(eps_u, eps_d, z, levels=[level], colors=[colour], linewidths=2.0)
                handles.append(plt.Line2D([], [], color=colour, lw=2.0, label=f"{label_text}, {cl_text}"))
        handles.append(ax.plot([0.0], [0.0], "k*", ms=10, label="Standard Model")[0])
        ax.set_xlim(eps_u[0], eps_u[-1])
        ax.set_ylim(eps_d[0], eps_d[-1])
        ax.set_xlabel(label("eps_ee_uV"))
        ax.set_ylabel(label("eps_ee_dV"))
        if title:
            ax.set_title(title, fontsize=10)
        ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
        if note:
            ax.text(1.02, 0.0, note, transform=ax.transAxes, fontsize=7.5, va="bottom", ha="left", wrap=True)
        return _save(fig, path)
