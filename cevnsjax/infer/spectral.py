"""The ON/OFF spectral analysis, now defined in :mod:`cevnsjax.analyses.onoff`
(re-exported here for existing imports), and batched fits of spectra."""

from __future__ import annotations

import jax.numpy as jnp

from ..analyses.onoff import (  # noqa: F401
    SPECTRA_SCHEMA_VERSION,
    OnOffAnalysis,
    asimov_spectra,
    onoff_analysis,
    read_spectra,
    toy_spectra,
    write_spectra,
)
from ..parameters import Params
from .fit import fit_datasets


def fit_spectra(analysis: OnOffAnalysis, params: Params, free, on_batch, off_batch) -> dict:
    """Fit ``free`` parameters to each dataset ``(on, off)`` of a batch (see
    :func:`cevnsjax.infer.fit.fit_datasets`)."""
    return fit_datasets(analysis, params, free, (jnp.asarray(on_batch), jnp.asarray(off_batch)))
