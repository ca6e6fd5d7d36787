"""Reactor electron-antineutrino flux: kept as the import path of the reactor
spectral functions, which now live in :mod:`cevnsjax.sources.reactor_spectra`
(the reactor member of the source family, :mod:`cevnsjax.sources`)."""

from __future__ import annotations

from .sources.reactor_spectra import (  # noqa: F401
    ABOVE_8MEV,
    E_FIT_MAX,
    E_SPLIT,
    ENERGY_PER_FISSION_KOPEIKIN2004,
    ENERGY_PER_FISSION_MA2013,
    FISSION_ISOTOPES,
    HUBER_MUELLER,
    MUELLER_2011,
    Q_BETA_NP239,
    Q_BETA_U239,
    SPECTRUM_MODELS,
    VOGEL_ENGEL,
    capture_spectrum,
    fission_rate,
    fission_spectrum,
    flux_scale,
    neutrinos_per_fission,
    reactor_spectrum,
    spectrum_breaks,
)
