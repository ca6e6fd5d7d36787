"""Bayesian posteriors of an analysis, from the same model as the fits.

* :mod:`.priors` — priors on physics parameters over their allowed ranges;
* :mod:`.model` — the NumPyro model: priors on the parameters of interest,
  constrained physics parameters sampled with their pull as prior, latent
  nuisances marginalised analytically (counting α: the 1/√V factor) or
  sampled; the exact grid posterior (:func:`posterior_on_grid`);
* :mod:`.nuts` — NUTS (:func:`sample_posterior`) and the posterior predictive
  from the analysis' own simulator;
* :mod:`.nested` — nested sampling (:func:`sample_nested`): separated modes
  (the two NSI bands) with their masses, the evidence and Bayes factors;
* :mod:`.sbc` — simulation-based calibration;
* :mod:`.io` — :class:`Posterior`, ArviZ (0.x and 1.x), the corner plot.
"""

from .io import (
    SUMMARY_HDI,
    Posterior,
    _arviz,  # noqa: F401  (used as bayes._arviz by the tests and notebooks)
    arviz_major,
    corner_plot,
    from_dict,
    hdi,
    is_one_sided,
)
from .model import (
    grid_hdi,
    grid_quantile,
    log_density_function,
    log_posterior,
    nuisance_names,
    posterior_model,
    posterior_on_grid,
    prepare_posterior,
)
from .nested import (
    NSI_PLANE,
    band_masses,
    bayes_factor,
    log_evidence_fixed,
    nsi_gap_line,
    sample_nested,
)
from .nuts import default_chain_method, posterior_predictive, sample_posterior
from .priors import (
    PRIOR_KINDS,
    Prior,
    gaussian_prior,
    log_uniform_prior,
    parse_prior,
    resolve_prior,
    uniform_prior,
)
from .sbc import SBCResult, rank_uniformity, simulation_based_calibration

__all__ = [
    "NSI_PLANE",
    "PRIOR_KINDS",
    "SUMMARY_HDI",
    "Posterior",
    "Prior",
    "SBCResult",
    "arviz_major",
    "band_masses",
    "bayes_factor",
    "corner_plot",
    "default_chain_method",
    "from_dict",
    "gaussian_prior",
    "grid_hdi",
    "grid_quantile",
    "hdi",
    "is_one_sided",
    "log_density_function",
    "log_evidence_fixed",
    "log_posterior",
    "log_uniform_prior",
    "nsi_gap_line",
    "nuisance_names",
    "parse_prior",
    "posterior_model",
    "posterior_on_grid",
    "posterior_predictive",
    "prepare_posterior",
    "rank_uniformity",
    "resolve_prior",
    "sample_nested",
    "sample_posterior",
    "simulation_based_calibration",
    "uniform_prior",
]
