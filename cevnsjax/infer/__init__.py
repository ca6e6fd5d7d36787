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

__all__ = [
    "CountingAnalysis", "FitResult", "check_names", "Interval", "SEED_MEASURED", "SEED_SIGMA_ALPHA", "check_scan_range",
    "contour_lines", "counting_alpha_hat", "counting_analysis", "counting_chi2", "counting_chi2_at_alpha",
    "delta_chi2_level", "fit", "gaussian_penalty", "grid_scan", "hessian_error", "poisson_deviance",
    "profile_alpha_numerically", "profile_chi2", "profile_interval", "upper_limit",
]
