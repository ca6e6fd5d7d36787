"""One look for every figure: sizes, colours, labels with units, confidence
levels by name, legends outside the data, and the context line (experiment,
exposure, observed or expected) that every figure carries."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

STYLE = {
    "figure.figsize": (6.4, 4.2),
    "font.size": 11,
    "axes.labelsize": 12,
    "axes.titlesize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "savefig.dpi": 150,
    "mathtext.fontset": "cm",
    "axes.formatter.use_mathtext": True,
    "font.family": "serif",
    "font.serif": ["DejaVu Serif"],
}
CONUS_COLOR = "#c0392b"
#: Colours for the other data sets, in order of appearance (colour-blind safe, Okabe–Ito).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000", "#f0e442")

#: Axis labels per parameter name, with units in brackets where the quantity has one.
LABELS = {
    "sin2_theta_w": r"$\sin^2\theta_W$",
    "quench_k": r"Lindhard $k$",
    "flux_norm": "flux normalisation",
    "mu_nu": r"$\mu_\nu$ [$\mu_B$]",
    "q_nu": r"$q_\nu$ [$e$]",
    "eps_ee_uV": r"$\varepsilon^{uV}_{ee}$",
    "eps_ee_dV": r"$\varepsilon^{dV}_{ee}$",
    "mediator_mass": r"mediator mass $m$ [MeV]",
    "coupling": r"coupling $g$",
    "energy_scale": r"energy scale $\mu$ [GeV]",
    "delta_chi2": r"$\Delta\chi^2$",
}
#: Quantities that carry no unit (dimensionless); every other label must show [unit].
DIMENSIONLESS = {"sin2_theta_w", "quench_k", "flux_norm", "eps_ee_uV", "eps_ee_dV", "coupling", "delta_chi2"}


def label(name: str) -> str:
    """LaTeX-style axis label of a parameter (unknown names pass through)."""
    return LABELS.get(name, name)


def cl_label(cl: float, *, expected: bool = False) -> str:
    """'90 % CL' (observed) or '90 % CL expected' for a confidence level in (0, 1)."""
    if not (0.0 < cl < 1.0):
        raise ValueError(f"cl: need a confidence level between 0 and 1 (e.g. 0.9), got {cl}")
    text = f"{100 * cl:.4g} % CL"
    return text + " expected" if expected else text


def delta_chi2_to_cl(level: float, dof: int) -> float:
    """Confidence level of a Δχ² threshold for ``dof`` parameters (Wilks)."""
    from scipy.stats import chi2

    return float(chi2.cdf(level, dof))


def cl_to_delta_chi2(cl: float, dof: int) -> float:
    from scipy.stats import chi2

    return float(chi2.ppf(cl, dof))


def level_name(level: float, dof: int) -> str:
    """Name of a Δχ² level as a confidence level, rounded to the usual 68 / 90 / 95 / 99 %."""
    cl = delta_chi2_to_cl(level, dof)
    for nice in (0.6827, 0.9, 0.95, 0.9545, 0.99):
        if abs(cl - nice) < 2e-3:
            cl = nice
    return "68 % CL" if abs(cl - 0.6827) < 1e-3 else cl_label(cl)


def sci(value: float, unit: str = "", digits: int = 2) -> str:
    r"""One number format for all figures: mantissa × 10^exponent, then the unit
    (mathtext), e.g. ``sci(5.3e-10, r"\mu_B")`` → '$5.3\times10^{-10}\,\mu_B$'."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if value == 0:
        mant, exp = 0.0, 0
    else:
        exp = math.floor(math.log10(abs(value)))
        mant = value / 10**exp
        if round(mant, digits - 1) >= 10:
            mant, exp = mant / 10, exp + 1
    body = f"{mant:.{digits - 1}f}" + (rf"\times10^{{{exp}}}" if exp else "")
    return f"${body}" + (rf"\,{unit}$" if unit else "$")


def context_text(experiment: str, exposure: str | None, kind: str) -> str:
    """The line every figure carries: experiment, exposure and observed / expected."""
    if kind not in ("observed", "expected", "published"):
        raise ValueError(f"kind: use 'observed', 'expected' or 'published', got {kind!r}")
    parts = [experiment] + ([exposure] if exposure else []) + [kind]
    return ", ".join(parts)


def stamp(ax, context: str | None) -> None:
    """Write the context line above the axes (outside the data area)."""
    if context:
        ax.set_title(context, loc="left", fontsize=10, color="0.25")


def legend_outside(ax, handles=None, labels=None, *, where: str = "right", **kwargs):
    """Legend beside (``right``) or under (``below``) the axes, never over the data."""
    kw = dict(borderaxespad=0.0, fontsize=9)
    kw.update(kwargs)
    args = () if handles is None else (handles, labels) if labels is not None else ()
    if handles is not None and labels is None:
        kw["handles"] = handles
    if where == "right":
        return ax.legend(*args, loc="upper left", bbox_to_anchor=(1.02, 1.0), **kw)
    if where == "below":
        return ax.legend(*args, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=kw.pop("ncol", 2), **kw)
    raise ValueError(f"where: use 'right' or 'below', got {where!r}")


def save(fig, path, *, csv_columns: dict | None = None) -> list[str]:
    """Write ``path`` as .png and .pdf and, if ``csv_columns`` is given (column
    name → sequence, padded with blanks to the longest), the plotted numbers as
    .csv beside them. Returns the .png and .pdf paths (the .csv path is the same
    with suffix .csv). Each file is written to a temporary sibling and renamed
    into place, so a failure leaves no half-written figure."""
    from ..io import atomic_path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    try:
        for suffix in (".png", ".pdf"):
            target = path.with_suffix(suffix)
            with atomic_path(target) as tmp:
                fig.savefig(tmp, bbox_inches="tight")
            out.append(str(target))
    finally:
        plt.close(fig)
    if csv_columns:
        write_csv(path.with_suffix(".csv"), csv_columns)
    return out


def write_csv(path, columns: dict) -> str:
    """Columns (name → sequence) as a CSV file; shorter columns are padded with blanks."""
    names = list(columns)
    data = [list(np.asarray(columns[n], dtype=object).ravel()) for n in names]
    n = max((len(c) for c in data), default=0)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(names)
    for i in range(n):
        writer.writerow([_cell(c[i]) if i < len(c) else "" for c in data])
    from ..io import atomic_write_text

    atomic_write_text(path, buffer.getvalue())
    return str(path)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        return "" if not math.isfinite(value) else repr(float(value))
    return value
