"""The counting χ² and likelihood primitives, now defined in
:mod:`cevnsjax.analyses` (re-exported here for existing imports)."""

from ..analyses.counting import (  # noqa: F401
    SEED_MEASURED,
    SEED_SIGMA_ALPHA,
    CountingAnalysis,
    counting_alpha_hat,
    counting_analysis,
    counting_chi2,
    counting_chi2_at_alpha,
    profile_alpha_numerically,
)
from ..analyses.model import check_constraints, gaussian_penalty, poisson_deviance  # noqa: F401
