"""The seed paper's three comparison figures (arXiv:2501.10355, Figs. 1-3),
with the published numbers read from ``data/`` files, never from this code."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from .style import CONUS_COLOR, PALETTE, STYLE, cl_to_delta_chi2, label, legend_outside, save, sci, stamp


def _data(name: str) -> Path:
    from ..datafiles import data_path

    return data_path(name)


def running_figure(
    conus: dict,
    path,
    *,
    measurements_file=None,
    mu_range=(1e-3, 1e3),
    context: str | None = None,
    conus_label: str = "CONUS+ (this analysis)",
) -> list[str]:
    """Seed Fig. 1: the MS-bar running of sin²θW (computed by
    :func:`cevnsjax.physics_running.sin2_theta_w_msbar`) from ``mu_range`` [GeV],
    published measurements from ``measurements_file`` (default
    ``data/weak_mixing_angle_measurements.json``) and the CONUS+ point
    ``conus = {"value", "low", "high", "q_gev"}`` (1σ interval). Legend beside the axes."""
    from ..physics_running import sin2_theta_w_msbar

    for key in ("value", "low", "high", "q_gev"):
        if key not in conus:
            raise ValueError(
                f"conus: missing {key!r}; pass {{'value', 'low', 'high', 'q_gev'}} (1 sigma interval, Q in GeV)"
            )
    if not (conus["low"] <= conus["value"] <= conus["high"]):
        raise ValueError(f"conus: need low <= value <= high, got {conus['low']}, {conus['value']}, {conus['high']}")
    data = json.loads(Path(measurements_file or _data("weak_mixing_angle_measurements.json")).read_text())
    mu = np.geomspace(mu_range[0], mu_range[1], 400)
    curve = sin2_theta_w_msbar(mu)
    with plt.rc_context(STYLE | {"figure.figsize": (8.6, 4.6)}):
        fig, ax = plt.subplots()
        ax.plot(mu, curve, color="0.25", lw=1.6, label=r"SM, $\overline{\rm MS}$ running (one loop)")
        markers = iter("sDv^<>ph")
        columns = {
            "mu_GeV": mu,
            "sin2_theta_w_msbar": curve,
            "point": [],
            "Q_GeV": [],
            "value": [],
            "err_low": [],
            "err_high": [],
        }
        for i, m in enumerate(data["measurements"]):
            ax.errorbar(
                [m["Q_GeV"]],
                [m["value"]],
                yerr=[[m["err_low"]], [m["err_high"]]],
                fmt=next(markers, "o"),
                color=PALETTE[i % len(PALETTE)],
                capsize=3,
                ms=5,
                label=m["label"],
            )
            for k, v in (
                ("point", m["label"]),
                ("Q_GeV", m["Q_GeV"]),
                ("value", m["value"]),
                ("err_low", m["err_low"]),
                ("err_high", m["err_high"]),
            ):
                columns[k].append(v)
        lo, hi = conus["value"] - conus["low"], conus["high"] - conus["value"]
        ax.errorbar(
            [conus["q_gev"]],
            [conus["value"]],
            yerr=[[lo], [hi]],
            fmt="o",
            color=CONUS_COLOR,
            capsize=4,
            ms=7,
            lw=1.8,
            label=rf"{conus_label}, 1$\sigma$",
        )
        for k, v in (
            ("point", conus_label),
            ("Q_GeV", conus["q_gev"]),
            ("value", conus["value"]),
            ("err_low", lo),
            ("err_high", hi),
        ):
            columns[k].append(v)
        ax.set_xscale("log")
        ax.set_xlim(*mu_range)
        ymin = min(curve.min(), conus["low"], *(m["value"] - m["err_low"] for m in data["measurements"]))
        ymax = max(curve.max(), conus["high"], *(m["value"] + m["err_high"] for m in data["measurements"]))
        pad = 0.06 * (ymax - ymin)
        ax.set_ylim(ymin - pad, ymax + pad)
        ax.set_xlabel(label("energy_scale"))
        ax.set_ylabel(r"$\sin^2\hat\theta_W(\mu)$ ($\overline{\rm MS}$)")
        stamp(ax, context)
        legend_outside(ax, fontsize=8)
        return save(fig, path, csv_columns=columns)


def running_plot(
    measurements_file,
    conus_value: float,
    conus_low: float,
    conus_high: float,
    *,
    conus_q_gev: float,
    path,
    context: str | None = None,
) -> list[str]:
    """Former signature of the running figure; see :func:`running_figure`."""
    return running_figure(
        {"value": conus_value, "low": conus_low, "high": conus_high, "q_gev": conus_q_gev},
        path,
        measurements_file=measurements_file,
        context=context,
    )


def mu_nu_limits_figure(
    conus_limit: float,
    path,
    *,
    conus_label: str = "CONUS+ (this analysis)",
    cl: float = 0.9,
    expected: bool = False,
    limits_file=None,
    extra=(),
    context: str | None = None,
) -> list[str]:
    """Seed Fig. 2: 90 % CL upper limits on μν as horizontal bars, published
    limits from ``limits_file`` (default ``data/published/mu_nu_limits.json``)
    beside this analysis' ``conus_limit`` [μB]. ``extra``: more ``(label, limit)``
    pairs. Every bar is annotated in one number format with its unit."""
    if not (conus_limit and conus_limit > 0):
        raise ValueError(f"conus_limit: need a positive upper limit in mu_B, got {conus_limit}")
    data = json.loads(Path(limits_file or _data("published/mu_nu_limits.json")).read_text())
    rows = [
        (e["label"], float(e["upper_limit"]), e.get("channel", ""), False)
        for e in data["limits"]
        if abs(e.get("cl", 0.9) - cl) < 1e-9
    ]
    rows += [(lab, float(v), "", False) for lab, v in extra]
    ours = f"{conus_label}" + (" expected" if expected else "")
    rows.append((ours, float(conus_limit), "", True))
    rows.sort(key=lambda r: r[1], reverse=True)
    with plt.rc_context(STYLE | {"figure.figsize": (7.8, 0.42 * len(rows) + 1.6), "axes.grid": False}):
        fig, ax = plt.subplots()
        y = np.arange(len(rows))
        values = np.array([r[1] for r in rows])
        colours = [
            CONUS_COLOR if r[3] else ("#7f7f7f" if "CEvNS" in r[2] or "CEvNS" in r[0] else PALETTE[0]) for r in rows
        ]
        left = 10 ** np.floor(np.log10(values.min()) - 0.5)
        ax.barh(y, values - left, left=left, color=colours, height=0.6, hatch=None)
        for yi, r in zip(y, rows, strict=False):
            ax.text(r[1] * 1.15, yi, sci(r[1], r"\mu_B"), va="center", ha="left", fontsize=9)
        ax.set_yticks(y, [r[0] for r in rows])
        ax.set_xscale("log")
        ax.set_xlim(left, values.max() * 12)
        ax.set_xlabel(rf"$\mu_\nu$ upper limit, {100 * cl:.4g} % CL [$\mu_B$]")
        ax.grid(axis="x", alpha=0.3)
        handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in (CONUS_COLOR, PALETTE[0], "#7f7f7f")]
        legend_outside(
            ax,
            handles,
            ["this analysis", "electron scattering (published)", "CEvNS (published)"],
            where="below",
            ncol=3,
        )
        stamp(ax, context)
        return save(
            fig,
            path,
            csv_columns={"experiment": [r[0] for r in rows], "upper_limit_mu_B": values, "cl": [cl] * len(rows)},
        )


def nsi_figure(
    eps_u,
    eps_d,
    delta_chi2,
    path,
    *,
    experiment: str = "CONUS+",
    cls=(0.68, 0.9),
    extra_regions=(),
    context: str | None = None,
    expected: bool = False,
) -> list[str]:
    """Seed Fig. 3: allowed regions in (ε^{uV}_ee, ε^{dV}_ee) at the confidence
    levels ``cls`` (2 parameters, Wilks) from ``delta_chi2[i, j]`` at
    (eps_u[i], eps_d[j]). ``extra_regions``: ``[(x, y, delta_chi2, label), ...]``
    on their own grids (e.g. COHERENT CsI + LAr), drawn at the largest level.
    The legend names the levels as confidence levels and sits beside the axes."""
    eps_u, eps_d, z = np.asarray(eps_u, float), np.asarray(eps_d, float), np.asarray(delta_chi2, float)
    if z.shape != (eps_u.size, eps_d.size):
        raise ValueError(
            f"delta_chi2: shape {z.shape} should be (len(eps_u), len(eps_d)) = "
            f"({eps_u.size}, {eps_d.size}); transpose a scan result of shape (len(y), len(x))"
        )
    levels = [cl_to_delta_chi2(c, 2) for c in cls]
    names = [
        ("68 % CL" if abs(c - 0.68) < 0.01 else f"{100 * c:.4g} % CL") + (" expected" if expected else "") for c in cls
    ]
    with plt.rc_context(STYLE | {"figure.figsize": (8.2, 5.2)}):
        fig, ax = plt.subplots()
        handles = []
        for i, (x, y, dz, region_label) in enumerate(extra_regions):
            x, y, dz = np.asarray(x, float), np.asarray(y, float), np.asarray(dz, float)
            if dz.shape != (x.size, y.size):
                raise ValueError(f"extra_regions[{i}]: delta_chi2 shape {dz.shape} should be ({x.size}, {y.size})")
            colour = PALETTE[i % len(PALETTE)]
            ax.contourf(x, y, dz.T, levels=[-1e-9, levels[-1]], colors=[colour], alpha=0.3)
            ax.contour(x, y, dz.T, levels=[levels[-1]], colors=[colour], linewidths=1.0)
            handles.append(
                plt.Rectangle(
                    (0, 0), 1, 1, facecolor=colour, alpha=0.3, edgecolor=colour, label=f"{region_label}, {names[-1]}"
                )
            )
        alphas = np.linspace(0.45, 0.2, len(levels))
        for lv, alpha in sorted(zip(levels, alphas, strict=True), reverse=True):
            ax.contourf(eps_u, eps_d, z.T, levels=[-1e-9, lv], colors=[CONUS_COLOR], alpha=alpha)
            ax.contour(eps_u, eps_d, z.T, levels=[lv], colors=[CONUS_COLOR], linewidths=1.0)
        for name, alpha in zip(names, alphas, strict=True):
            handles.append(
                plt.Rectangle(
                    (0, 0),
                    1,
                    1,
                    facecolor=CONUS_COLOR,
                    alpha=alpha,
                    edgecolor=CONUS_COLOR,
                    label=f"{experiment}, {name}",
                )
            )
        handles.append(ax.plot([0.0], [0.0], "k*", ms=10, label="Standard Model")[0])
        ax.set_xlim(eps_u[0], eps_u[-1])
        ax.set_ylim(eps_d[0], eps_d[-1])
        ax.set_xlabel(label("eps_ee_uV"))
        ax.set_ylabel(label("eps_ee_dV"))
        stamp(ax, context)
        legend_outside(ax, handles=handles)
        uu, dd = np.meshgrid(eps_u, eps_d, indexing="ij")
        return save(fig, path, csv_columns={"eps_ee_uV": uu.ravel(), "eps_ee_dV": dd.ravel(), "delta_chi2": z.ravel()})


def nsi_comparison_plot(
    eps_u,
    eps_d,
    regions,
    *,
    path,
    level: float = 4.605170185988091,
    cl_text: str = "90 % CL",
    title=None,
    note=None,
    context: str | None = None,
) -> list[str]:
    """Allowed regions in the (ε^{uV}_ee, ε^{dV}_ee) plane of several data sets on
    one grid. ``regions``: ``[(label, delta_chi2, colour, filled), ...]`` with
    ``delta_chi2[i, j]`` at (eps_u[i], eps_d[j]); each region is Δχ² < ``level``."""
    with plt.rc_context(STYLE | {"figure.figsize": (8.4, 5.4)}):
        fig, ax = plt.subplots()
        handles = []
        for label_text, dchi2, colour, filled in regions:
            z = np.asarray(dchi2).T
            if filled:
                ax.contourf(eps_u, eps_d, z, levels=[-1e-9, level], colors=[colour], alpha=0.35)
                ax.contour(eps_u, eps_d, z, levels=[level], colors=[colour], linewidths=1.0)
                handles.append(
                    plt.Rectangle(
                        (0, 0), 1, 1, facecolor=colour, alpha=0.35, edgecolor=colour, label=f"{label_text}, {cl_text}"
                    )
                )
            else:
                ax.contour(eps_u, eps_d, z, levels=[level], colors=[colour], linewidths=2.0)
                handles.append(plt.Line2D([], [], color=colour, lw=2.0, label=f"{label_text}, {cl_text}"))
        handles.append(ax.plot([0.0], [0.0], "k*", ms=10, label="Standard Model")[0])
        ax.set_xlim(eps_u[0], eps_u[-1])
        ax.set_ylim(eps_d[0], eps_d[-1])
        ax.set_xlabel(label("eps_ee_uV"))
        ax.set_ylabel(label("eps_ee_dV"))
        stamp(ax, context or title)
        leg = legend_outside(ax, handles=handles, fontsize=8)
        if note:
            ax.annotate(note, xy=(1.02, 0.0), xycoords="axes fraction", fontsize=7.5, va="bottom", ha="left")
        del leg
        return save(fig, path)
