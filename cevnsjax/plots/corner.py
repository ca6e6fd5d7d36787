"""Corner plots from posterior samples: marginals with credible limits marked,
two-dimensional credible regions for every pair of parameters."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from scipy.ndimage import gaussian_filter

from .style import CONUS_COLOR, STYLE, label, legend_outside, save, sci, stamp


def hpd_interval(x, prob: float) -> tuple[float, float]:
    """Shortest interval holding ``prob`` of the samples ``x``."""
    x = np.sort(np.asarray(x, float).ravel())
    n = x.size
    k = max(int(np.ceil(prob * n)), 1)
    widths = x[k - 1 :] - x[: n - k + 1]
    i = int(np.argmin(widths))
    return float(x[i]), float(x[i + k - 1])


def hpd_levels(density, probs):
    """Density thresholds enclosing ``probs`` of the mass of a 2-D histogram."""
    flat = np.sort(density.ravel())[::-1]
    cum = np.cumsum(flat) / flat.sum()
    return [float(flat[min(np.searchsorted(cum, p), flat.size - 1)]) for p in probs]


def corner_plot_samples(
    samples: dict,
    path,
    *,
    names=None,
    probs=(0.68, 0.9),
    upper_limits=(),
    units=None,
    reference: dict | None = None,
    context: str | None = None,
    bins: int = 40,
    smooth: float = 1.2,
) -> list[str]:
    """Corner plot of ``samples`` (name → 1-D array or (chains, draws)).
    Diagonal: marginal histograms with the ``probs`` credible intervals (HPD)
    marked, or for names in ``upper_limits`` the one-sided upper limit (the
    ``probs[-1]`` quantile), annotated with its value. Below the diagonal:
    2-D credible regions (68 % / 90 % of the posterior mass, filled; the 2-D
    histogram smoothed by a Gaussian of ``smooth`` bins).
    ``units``: name → unit (mathtext) for the annotations."""
    names = list(names or samples)
    if not names:
        raise ValueError("samples: empty; pass {name: array of draws}")
    x = {n: np.asarray(samples[n], float).ravel() for n in names}
    units, reference = units or {}, reference or {}
    nd = len(names)
    size = 2.7 * nd + 1.0
    with plt.rc_context(STYLE | {"figure.figsize": (max(size, 5.6), max(size - 0.4, 3.8))}):
        fig, axes = plt.subplots(nd, nd, squeeze=False)
        for i, yn in enumerate(names):
            for j, xn in enumerate(names):
                ax = axes[i, j]
                if j > i:
                    ax.set_visible(False)
                    continue
                if i == j:
                    ax.hist(x[xn], bins=bins, density=True, histtype="stepfilled", color="0.75", edgecolor="0.35")
                    if xn in upper_limits:
                        lim = float(np.quantile(x[xn], probs[-1]))
                        ax.axvline(
                            lim, color=CONUS_COLOR, lw=1.6, label=f"{100 * probs[-1]:.4g} % credible upper limit"
                        )
                        ax.axvspan(lim, x[xn].max(), color=CONUS_COLOR, alpha=0.12)
                        ax.annotate(
                            f"< {sci(lim, units.get(xn, ''))}",
                            xy=(lim, 1.0),
                            xycoords=("data", "axes fraction"),
                            xytext=(3, -12),
                            textcoords="offset points",
                            fontsize=8,
                            color=CONUS_COLOR,
                        )
                    else:
                        for p, ls in zip(probs, ("-", "--", ":"), strict=False):
                            lo, hi = hpd_interval(x[xn], p)
                            ax.axvline(lo, color=CONUS_COLOR, ls=ls, lw=1.2, label=f"{100 * p:.4g} % credible (HPD)")
                            ax.axvline(hi, color=CONUS_COLOR, ls=ls, lw=1.2)
                    ax.set_yticks([])
                    if nd == 1:
                        ax.set_ylabel("posterior density")
                else:
                    h, xe, ye = np.histogram2d(x[xn], x[yn], bins=bins)
                    h = gaussian_filter(h, smooth) if smooth else h  # smoothed for readable region edges
                    levels = sorted(set(hpd_levels(h, probs)))
                    xc, yc = 0.5 * (xe[1:] + xe[:-1]), 0.5 * (ye[1:] + ye[:-1])
                    shades = ("#e8a89f", CONUS_COLOR)
                    ax.contourf(xc, yc, h.T, levels=[*levels, h.max() + 1], colors=shades[-len(levels) :], alpha=0.6)
                    ax.contour(xc, yc, h.T, levels=levels, colors=[CONUS_COLOR], linewidths=0.8)
                    if yn in reference:
                        ax.axhline(reference[yn], color="k", lw=0.8)
                if xn in reference:
                    ax.axvline(reference[xn], color="k", lw=1.0, label="profile best fit" if i == j else None)
                ax.ticklabel_format(axis="both", style="sci", scilimits=(-3, 4), useMathText=True)
                if i == nd - 1:
                    ax.set_xlabel(label(xn))
                else:
                    ax.set_xticklabels([])
                if j == 0 and i > 0:
                    ax.set_ylabel(label(yn))
        handles, labels_ = [], []
        for ax in np.diag(axes):
            for hd, lb in zip(*ax.get_legend_handles_labels(), strict=False):
                if lb not in labels_:
                    handles.append(hd)
                    labels_.append(lb)
        if nd > 1:
            handles += [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.6) for c in (CONUS_COLOR, "#e8a89f")]
            labels_ += [f"{100 * probs[0]:.4g} % credible region", f"{100 * probs[-1]:.4g} % credible region"]
            fig.legend(handles, labels_, loc="upper right", bbox_to_anchor=(0.98, 0.98), fontsize=9, frameon=False)
        else:
            legend_outside(axes[0, 0], handles, labels_)
        if context:
            if nd == 1:
                stamp(axes[0, 0], context)
            else:
                fig.suptitle(context, x=0.02, ha="left", fontsize=10, color="0.25")
        fig.tight_layout()
        return save(fig, path)
