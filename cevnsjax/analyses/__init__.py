"""Analyses as probabilistic models: each analysis is written once (data,
nuisance parameters with their constraints, expected data, likelihood, noise
model) and the profile χ² for fits, the NumPyro model for posteriors, toys and
Asimov data are derived from it (:mod:`.model`).

* :mod:`.counting` — the CONUS+ counting analysis (seed Eq. 2), α profiled in
  closed form for fits and marginalised analytically (or sampled) for posteriors;
* :mod:`.onoff` — the binned Poisson ON/OFF spectral analysis, pulls sampled;
* :mod:`.coherent` — COHERENT CsI 2017 and LAr 2020 from their public releases;
* :func:`combine` — a sum of analyses with shared physics parameters.
"""

from .coherent import COHERENT_NAMES, CoherentAnalysis, load_coherent
from .counting import (
    SEED_MEASURED,
    SEED_SIGMA_ALPHA,
    CountingAnalysis,
    counting_alpha_hat,
    counting_analysis,
    counting_chi2,
    counting_chi2_at_alpha,
    profile_alpha_numerically,
)
from .model import (
    Analysis,
    CombinedAnalysis,
    Nuisance,
    check_constraints,
    combine,
    gaussian_penalty,
    poisson_deviance,
)
from .onoff import (
    OnOffAnalysis,
    asimov_spectra,
    onoff_analysis,
    read_spectra,
    toy_spectra,
    write_spectra,
)

__all__ = [
    "COHERENT_NAMES",
    "SEED_MEASURED",
    "SEED_SIGMA_ALPHA",
    "Analysis",
    "CoherentAnalysis",
    "CombinedAnalysis",
    "CountingAnalysis",
    "Nuisance",
    "OnOffAnalysis",
    "asimov_spectra",
    "check_constraints",
    "combine",
    "counting_alpha_hat",
    "counting_analysis",
    "counting_chi2",
    "counting_chi2_at_alpha",
    "gaussian_penalty",
    "load_coherent",
    "onoff_analysis",
    "poisson_deviance",
    "profile_alpha_numerically",
    "read_spectra",
    "toy_spectra",
    "write_spectra",
]
