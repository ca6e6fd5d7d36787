"""Figures in one consistent style (matplotlib, saved as PNG and PDF, with a
CSV of the plotted numbers beside most of them).

Every function takes the numbers to draw (computed elsewhere) and a path; it
writes ``path`` with suffixes .png and .pdf (and .csv) and returns the paths.
The look is set in :mod:`cevnsjax.plots.style`; published comparisons are read
from files under ``data/`` (``data/published/``,
``data/weak_mixing_angle_measurements.json``).
"""

from __future__ import annotations

from .basic import channel_spectra_plot, contour_plot, contours_label, profile_plot, upper_limit_text
from .corner import corner_plot_samples, hpd_interval
from .exclusion import exclusion_plot
from .seed_figures import mu_nu_limits_figure, nsi_comparison_plot, nsi_figure, running_figure, running_plot
from .style import (
    CONUS_COLOR,
    LABELS,
    PALETTE,
    STYLE,
    cl_label,
    context_text,
    label,
    legend_outside,
    save,
    sci,
    stamp,
    write_csv,
)

#: Former name of :func:`cevnsjax.plots.style.save` (used by the corner plot of the samplers).
_save = save

__all__ = [
    "CONUS_COLOR",
    "LABELS",
    "PALETTE",
    "STYLE",
    "channel_spectra_plot",
    "cl_label",
    "context_text",
    "contour_plot",
    "contours_label",
    "corner_plot_samples",
    "exclusion_plot",
    "hpd_interval",
    "label",
    "legend_outside",
    "mu_nu_limits_figure",
    "nsi_comparison_plot",
    "nsi_figure",
    "profile_plot",
    "running_figure",
    "running_plot",
    "save",
    "sci",
    "stamp",
    "upper_limit_text",
    "write_csv",
]
