"""Posterior samples, their summaries and files: ArviZ diagnostics and
InferenceData/DataTree, the corner plot.

ArviZ: the 0.x API (``InferenceData``) and the 1.x API (``DataTree``; it needs
Python ≥ 3.12) are both supported through the small shims below; diagnostics
are computed on plain (chain, draw) arrays, which both accept. ``posterior.nc``
is the standard netCDF layout of groups (``posterior``, ``sample_stats``,
``posterior_predictive``, ``observed_data``) that ``arviz.from_netcdf`` of
either major version reads (checked: a file written with ArviZ 0.23 opens in
ArviZ 1.3 as a DataTree with all four groups).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ...parameters import PARAMETERS
from .priors import Prior

#: Credible levels reported by :meth:`Posterior.summary`.
SUMMARY_HDI = (0.68, 0.90)


def _arviz():
    """ArviZ, imported on first use (slow import; 0.x warns about its 1.x API)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
    return az


def arviz_major() -> int:
    return int(str(_arviz().__version__).split(".")[0])


def hdi(values, prob: float) -> tuple[float, float]:
    """Highest-density interval of 1-D draws (ArviZ; ``hdi_prob=`` in 0.x, ``prob=`` in 1.x)."""
    az = _arviz()
    x = np.asarray(values, dtype=float).reshape(-1)
    out = az.hdi(x, hdi_prob=prob) if arviz_major() < 1 else az.hdi(x, prob=prob)
    lo, hi = np.asarray(out, dtype=float).reshape(-1)[:2]
    return float(lo), float(hi)


def from_dict(groups: dict, attrs: dict):
    """ArviZ's ``from_dict`` converter, 0.x (keyword groups) or 1.x (one dict of groups)."""
    az = _arviz()
    groups = {k: v for k, v in groups.items() if v}
    if arviz_major() < 1:
        return az.from_dict(**groups, attrs=attrs)
    tree = az.from_dict(groups)
    for name in groups:
        tree[name].attrs.update(attrs)
    return tree


def is_one_sided(name: str, prior: Prior | None = None) -> bool:
    """Parameters reported with a one-sided credible upper limit: those whose
    Standard-Model value is the lower end of the allowed range (μν ≥ 0,
    mediator couplings ≥ 0), and any parameter with a log-uniform prior."""
    if name not in PARAMETERS:
        return False
    spec = PARAMETERS[name]
    return spec.default == spec.lower or (prior is not None and prior.kind == "loguniform")


@dataclass(frozen=True)
class Posterior:
    """Samples of a sampler run and their summaries.

    ``samples[name]`` and ``chi2`` have shape (chains, draws) in physical
    units (parameters of interest and sampled nuisances); ``sample_stats``
    holds sampler diagnostics of the same shape (NUTS: ``diverging``,
    ``num_steps``, ``accept_prob``, ``energy``, ``potential_energy``);
    ``priors`` the priors (nuisances: their constraint); ``nuisances`` the
    names of the sampled nuisances; ``settings`` the run's settings;
    ``evidence`` (nested sampling) ``{"log_evidence", "log_evidence_error", ...}``.
    """

    samples: dict[str, np.ndarray]
    chi2: np.ndarray
    sample_stats: dict[str, np.ndarray]
    priors: dict
    settings: dict
    nuisances: tuple[str, ...] = ()
    evidence: dict | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.samples)

    @property
    def divergences(self) -> int:
        return int(np.sum(self.sample_stats["diverging"])) if "diverging" in self.sample_stats else 0

    def flat(self, name: str) -> np.ndarray:
        return np.asarray(self.samples[name]).reshape(-1)

    def median(self, name: str) -> float:
        return float(np.median(self.flat(name)))

    def mean(self, name: str) -> float:
        return float(np.mean(self.flat(name)))

    def quantile(self, name: str, q):
        return np.quantile(self.flat(name), q)

    def upper_limit(self, name: str, cl: float = 0.9) -> float:
        """One-sided credible upper limit: the ``cl`` quantile of the marginal posterior."""
        if not 0 < cl < 1:
            raise ValueError(f"credible level must be in (0, 1), got {cl:g}")
        return float(self.quantile(name, cl))

    def hdi(self, name: str, prob: float = 0.68) -> tuple[float, float]:
        """Highest-density interval (ArviZ) of the marginal posterior of ``name``."""
        return hdi(self.flat(name), prob)

    def _diagnostic(self, key: str):
        if key not in self._cache:
            az = _arviz()
            out = {}
            for n in self.names:
                draws = np.asarray(self.samples[n], dtype=float)
                if key == "r_hat":
                    value = az.rhat(draws) if draws.shape[0] > 1 else float("nan")
                else:
                    value = (
                        az.ess(draws, method="bulk")
                        if key == "ess_bulk"  # tail: 5 % and 95 % quantiles
                        else az.ess(draws, method="tail", prob=(0.05, 0.95))
                    )
                out[n] = float(np.asarray(value))
            self._cache[key] = out
        return self._cache[key]

    def r_hat(self, name: str) -> float:
        """Rank-normalised split R̂ (ArviZ); needs ≥ 2 chains (else NaN)."""
        return self._diagnostic("r_hat")[name]

    def ess_bulk(self, name: str) -> float:
        return self._diagnostic("ess_bulk")[name]

    def ess_tail(self, name: str) -> float:
        return self._diagnostic("ess_tail")[name]

    def describe_prior(self, name: str) -> str:
        prior = self.priors.get(name)
        return prior if isinstance(prior, str) else (prior.describe() if prior is not None else "")

    def summary(self, one_sided=None) -> dict:
        """Per parameter: mean, median, sd, hdi_68, hdi_90, r_hat, ess_bulk,
        ess_tail, prior, ``nuisance`` (bool), and upper_90 (90 % credible upper
        limit) for the ``one_sided`` parameters (default: :func:`is_one_sided`)."""
        out = {}
        for name in self.names:
            flat = self.flat(name)
            entry = {
                "mean": float(np.mean(flat)),
                "median": float(np.median(flat)),
                "sd": float(np.std(flat, ddof=1)),
                **{f"hdi_{round(100 * p)}": list(self.hdi(name, p)) for p in SUMMARY_HDI},
                "r_hat": self.r_hat(name),
                "ess_bulk": self.ess_bulk(name),
                "ess_tail": self.ess_tail(name),
                "prior": self.describe_prior(name),
                "nuisance": name in self.nuisances,
            }
            prior = self.priors.get(name)
            sided = (
                is_one_sided(name, prior if isinstance(prior, Prior) else None)
                if one_sided is None
                else name in one_sided
            )
            if sided and name not in self.nuisances:
                entry["upper_90"] = self.upper_limit(name, 0.9)
            out[name] = entry
        return out

    def to_inference_data(self, predictive: dict | None = None, include_stats: bool = True):
        """ArviZ InferenceData (0.x) or DataTree (1.x): posterior, sample_stats
        (with ``chi2`` and, for NUTS, ``diverging``), and optionally
        posterior_predictive/observed_data from :func:`posterior_predictive`."""
        stats = {}
        if include_stats:
            rename = {"accept_prob": "acceptance_rate", "num_steps": "n_steps"}
            stats = {rename.get(k, k): np.asarray(v) for k, v in self.sample_stats.items()}
            if "potential_energy" in self.sample_stats:
                stats["lp"] = -np.asarray(self.sample_stats["potential_energy"])
            stats["chi2"] = np.asarray(self.chi2)
        groups = {"posterior": {k: np.asarray(v) for k, v in self.samples.items()}, "sample_stats": stats}
        if predictive is not None:
            rep, obs = predictive["replicated"], predictive["observed"]
            if isinstance(rep, (tuple, list)):  # a data pytree of several arrays (ON/OFF spectra)
                groups["posterior_predictive"] = {f"replicated_{i}": np.asarray(r) for i, r in enumerate(rep)}
                groups["observed_data"] = {f"replicated_{i}": np.asarray(o) for i, o in enumerate(obs)}
            else:
                groups["posterior_predictive"] = {"replicated": np.asarray(rep)}
                groups["observed_data"] = {"replicated": np.asarray(obs)}
            pred = predictive["predicted"]
            if isinstance(pred, (tuple, list)):  # per component (ON/OFF), (chain, draw, ...)
                groups["posterior_predictive"].update({f"predicted_{i}": np.asarray(x) for i, x in enumerate(pred)})
            else:
                groups["posterior_predictive"]["predicted"] = np.asarray(pred)
        attrs = {
            "priors": "; ".join(f"{n}: {self.describe_prior(n)}" for n in self.names),
            **{
                k: (v if isinstance(v, (int, float, str)) and not isinstance(v, bool) else str(v))
                for k, v in self.settings.items()
            },
        }  # netCDF attributes: no booleans
        if self.evidence:
            attrs.update({k: float(v) for k, v in self.evidence.items() if isinstance(v, (int, float))})
        return from_dict(groups, attrs)


def corner_plot(posterior: Posterior, path, *, reference: dict | None = None, names=None) -> list[str]:
    """Corner plot (marginal histograms on the diagonal with the 68 % and 90 %
    HDIs of one-parameter runs, pairwise scatter below), written as PNG and
    PDF. ``reference``: name → value drawn as lines (e.g. the profile best fit).
    ``names``: the parameters shown (default: all but the nuisances)."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ... import plots

    names = tuple(names or [n for n in posterior.names if n not in posterior.nuisances] or posterior.names)
    reference = reference or {}
    n = len(names)

    def label(s):
        return plots.label(s) if s in PARAMETERS else s

    with plt.rc_context(plots.STYLE):
        fig, axes = plt.subplots(n, n, figsize=(2.6 * n + 1.8, 2.6 * n + 1.2) if n > 1 else None, squeeze=False)
        for i, yname in enumerate(names):
            for j, xname in enumerate(names):
                ax = axes[i, j]
                if j > i:
                    ax.set_visible(False)
                    continue
                x = posterior.flat(xname)
                if i == j:
                    ax.hist(x, bins=80 if n == 1 else 50, density=True, color="0.6", alpha=0.7, label="posterior")
                    if n == 1:
                        for prob, style in ((0.68, "-"), (0.9, "--")):
                            lo, hi = posterior.hdi(xname, prob)
                            ax.axvspan(lo, hi, color=plots.CONUS_COLOR, alpha=0.12 if prob == 0.68 else 0.06)
                            ax.axvline(lo, color=plots.CONUS_COLOR, ls=style, lw=1)
                            ax.axvline(hi, color=plots.CONUS_COLOR, ls=style, lw=1, label=f"{100 * prob:g} % HDI")
                        ax.set_ylabel("posterior density")
                        ax.legend(fontsize=9)
                else:
                    ax.scatter(x, posterior.flat(yname), s=3, alpha=0.3, color="0.3", rasterized=True)
                    if yname in reference:
                        ax.axhline(reference[yname], color="k", lw=1)
                if xname in reference:
                    ax.axvline(reference[xname], color="k", lw=1.5 if i == j else 1)
                if i == n - 1:
                    ax.set_xlabel(label(xname))
                if j == 0 and i > 0:
                    ax.set_ylabel(label(yname))
        s = posterior.settings
        fig.suptitle(
            f"posterior ({s.get('sampler', '')}), {s.get('chains', 1)} × {s.get('samples', '')} draws", fontsize=10
        )
        return plots._save(fig, Path(path))


def nan_to_none(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value
