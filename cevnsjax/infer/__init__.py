"""Statistical inference on any analysis (:mod:`cevnsjax.analyses`): fits,
profile intervals, limits, scans, exclusions, Feldman–Cousins, and Bayesian
posteriors (NUTS, nested sampling, calibration). Physics stays in the parent
package; the analyses (counting, ON/OFF) are re-exported here."""

from ..analyses import (
    Analysis,
    CombinedAnalysis,
    Nuisance,
    OnOffAnalysis,
    combine,
    onoff_analysis,
)
from .bayes import (
    Posterior,
    Prior,
    SBCResult,
    bayes_factor,
    gaussian_prior,
    log_uniform_prior,
    posterior_model,
    posterior_on_grid,
    posterior_predictive,
    sample_nested,
    sample_posterior,
    simulation_based_calibration,
    uniform_prior,
)
from .fit import (
    FitResult,
    Interval,
    check_names,
    delta_chi2_level,
    fit,
    fit_datasets,
    hessian_error,
    profile_chi2,
    profile_interval,
    upper_limit,
)
from .likelihood import (
    SEED_MEASURED,
    SEED_SIGMA_ALPHA,
    CountingAnalysis,
    counting_alpha_hat,
    counting_analysis,
    counting_chi2,
    counting_chi2_at_alpha,
    gaussian_penalty,
    poisson_deviance,
    profile_alpha_numerically,
)
from .neyman import (
    CoverageResult,
    FeldmanCousinsResult,
    counting_toys,
    coverage,
    feldman_cousins,
    likelihood_ratio_statistic,
)
from .scan import ScanResult, check_scan_range, contour_lines, grid_scan, grid_scan_nd, points_scan, random_scan

__all__ = [
    "SEED_MEASURED",
    "SEED_SIGMA_ALPHA",
    "CountingAnalysis",
    "FitResult",
    "Interval",
    "check_names",
    "check_scan_range",
    "contour_lines",
    "counting_alpha_hat",
    "counting_analysis",
    "counting_chi2",
    "counting_chi2_at_alpha",
    "delta_chi2_level",
    "fit",
    "gaussian_penalty",
    "grid_scan",
    "hessian_error",
    "poisson_deviance",
    "profile_alpha_numerically",
    "profile_chi2",
    "profile_interval",
    "upper_limit",
]
__all__ += [
    "Analysis",
    "CombinedAnalysis",
    "Nuisance",
    "OnOffAnalysis",
    "Posterior",
    "Prior",
    "SBCResult",
    "bayes_factor",
    "combine",
    "fit_datasets",
    "gaussian_prior",
    "log_uniform_prior",
    "onoff_analysis",
    "posterior_model",
    "posterior_on_grid",
    "posterior_predictive",
    "sample_nested",
    "sample_posterior",
    "simulation_based_calibration",
    "uniform_prior",
]

# Scale: bounded-memory scans (grid, random, point lists; sharded over a mesh) and Feldman–Cousins toys

__all__ += [
    "CoverageResult",
    "FeldmanCousinsResult",
    "ScanResult",
    "counting_toys",
    "coverage",
    "feldman_cousins",
    "grid_scan_nd",
    "likelihood_ratio_statistic",
    "points_scan",
    "random_scan",
]
