"""Statistical inference on top of the forward model: likelihoods, fits,
profile intervals, limits and scans. Physics stays in the parent package."""

from .fit import FitResult, Interval, check_names, delta_chi2_level, fit, hessian_error, profile_chi2, profile_interval, upper_limit
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
from .scan import check_scan_range, contour_lines, grid_scan
from .bayes import (
    Posterior,
    Prior,
    gaussian_prior,
    log_uniform_prior,
    posterior_model,
    posterior_on_grid,
    posterior_predictive,
    sample_posterior,
    uniform_prior,
)

__all__ = [
    "CountingAnalysis", "FitResult", "check_names", "Interval", "SEED_MEASURED", "SEED_SIGMA_ALPHA", "check_scan_range",
    "contour_lines", "counting_alpha_hat", "counting_analysis", "counting_chi2", "counting_chi2_at_alpha",
    "delta_chi2_level", "fit", "gaussian_penalty", "grid_scan", "hessian_error", "poisson_deviance",
    "profile_alpha_numerically", "profile_chi2", "profile_interval", "upper_limit",
]
__all__ += [
    "Posterior", "Prior", "gaussian_prior", "log_uniform_prior", "posterior_model", "posterior_on_grid",
    "posterior_predictive", "sample_posterior", "uniform_prior",
]

# Scale: bounded-memory scans (grid, random, point lists; sharded over a mesh) and Feldman–Cousins toys
from .neyman import CoverageResult, FeldmanCousinsResult, counting_toys, coverage, feldman_cousins, likelihood_ratio_statistic
from .scan import ScanResult, grid_scan_nd, points_scan, random_scan

__all__ += [
    "CoverageResult", "FeldmanCousinsResult", "ScanResult", "counting_toys", "coverage", "feldman_cousins",
    "grid_scan_nd", "likelihood_ratio_statistic", "points_scan", "random_scan",
]
