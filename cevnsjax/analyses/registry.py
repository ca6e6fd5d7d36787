"""Analyses by name: one entry point for the command line, ``reproduce`` and
notebooks.

* a shipped experiment file without a spectral model (``conus-plus``) → the
  counting analysis (seed Eq. 2);
* an experiment file with ON/OFF spectra (``conus-run5``) → the ON/OFF
  analysis, on ``spectra`` or on Asimov data at the nominal parameters (an
  *expected* result);
* a COHERENT data set (``coherent-csi-2017``, ``coherent-lar-2020``) → its
  binned Poisson analysis from the public release (:mod:`.coherent`).

Experiments from files get their detector response tabulated
(:func:`cevnsjax.rates.tabulate_response`) at the nominal values of the
response nuisances, or at those given in ``overrides``; fits, scans and
samplers that vary one of those nuisances switch to the integrated response
(:func:`cevnsjax.rates.exact_response_for`).

:func:`load_analyses` joins several with :func:`~.model.combine`: physics
parameters are shared, each analysis keeps its own nuisances.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..parameters import Params, make_params
from .model import Analysis, combine


def coherent_names() -> tuple[str, ...]:
    """Names of the COHERENT data sets this installation provides."""
    try:
        from .coherent import COHERENT_NAMES
    except ImportError:  # pragma: no cover - the module ships with the package
        return ()
    return tuple(COHERENT_NAMES)


@dataclass(frozen=True)
class LoadedAnalysis:
    """An analysis with its name, its nominal physics values, the experiment
    it was built from (``None`` for COHERENT data sets) and whether its data are
    observed or Asimov (``expected``)."""

    name: str
    analysis: Analysis
    nominal: dict
    experiment: object = None
    expected: bool = False
    spectra: str | None = None

    def info(self) -> dict:
        """JSON-able description (stable keys)."""
        a = self.analysis
        if hasattr(a, "describe"):
            d = a.describe()
            return {
                "experiment": self.name,
                "analysis": d.get("analysis", "binned Poisson"),
                "result": "observed",
                "data": d.get("data", "public data release"),
            }
        if hasattr(a, "measured"):
            return {
                "experiment": self.name,
                "analysis": "counting",
                "result": "observed",
                "measured": float(a.measured),
                "sigma_alpha": float(a.sigma_alpha),
            }
        return {
            "experiment": self.name,
            "analysis": "on-off spectral",
            "result": "expected" if self.expected else "observed",
            "data": "asimov at the nominal parameters (expected sensitivity)" if self.expected else self.spectra,
        }


#: Sanity bounds of the counting analysis' inputs: a count above 1e8 events or
#: a relative normalisation uncertainty above 10 (1000 %) is a typing error, and
#: the χ² minimiser fails on such numbers rather than answering.
MEASURED_MAX = 1e8
SIGMA_ALPHA_MAX = 10.0


def _check_counting_inputs(measured, sigma_alpha) -> None:
    import math

    if measured is not None and not (math.isfinite(measured) and 0 < measured <= MEASURED_MAX):
        raise ValueError(
            f"--measured: measured count must be a positive number up to {MEASURED_MAX:g} events, got "
            f"{measured:g}; e.g. --measured 395"
        )
    if sigma_alpha is not None and not (math.isfinite(sigma_alpha) and 0 < sigma_alpha <= SIGMA_ALPHA_MAX):
        raise ValueError(
            f"--sigma-alpha: {sigma_alpha:g} is outside (0, {SIGMA_ALPHA_MAX:g}]; give the relative "
            "normalisation uncertainty, e.g. --sigma-alpha 0.29"
        )


def load_analysis(
    name: str,
    *,
    physics: dict | None = None,
    spectra: str | None = None,
    measured: float | None = None,
    sigma_alpha: float | None = None,
    flux_normalisation: str | None = None,
    overrides: dict | None = None,
) -> LoadedAnalysis:
    """The analysis of one experiment (name or path); see the module docstring.

    ``measured``/``sigma_alpha`` belong to the counting analysis, ``spectra``
    to the ON/OFF analysis; giving one to another analysis is an error.
    ``overrides`` (physics values) set the point at which Asimov spectra are made.
    """
    overrides = dict(overrides or {})
    _check_counting_inputs(measured, sigma_alpha)
    if name in coherent_names():
        if measured is not None or sigma_alpha is not None or spectra is not None:
            raise ValueError(
                f"--measured/--sigma-alpha/--spectra do not apply to {name!r}: it is fitted to its public data release"
            )
        if flux_normalisation is not None:
            raise ValueError(
                f"--flux-normalisation does not apply to {name!r} (a stopped-pion source, normalised per "
                "proton on target)"
            )
        from .coherent import load_coherent

        kwargs = {k: v for k, v in (physics or {}).items() if k in ("form_factor", "couplings")}
        unknown = set(physics or {}) - {"form_factor", "couplings", "vector_mediator"}
        if unknown:
            raise ValueError(
                f"{name}: physics option(s) {', '.join(sorted(unknown))} are not available for this data set"
            )
        if (physics or {}).get("vector_mediator", "universal") != "universal":
            raise ValueError(f"{name}: only the universal vector mediator is available for this data set")
        return LoadedAnalysis(name, load_coherent(name, **kwargs), {})

    from ..prediction import experiment_error_in

    with experiment_error_in(name):
        return _load_file_analysis(name, physics, spectra, measured, sigma_alpha, flux_normalisation, overrides)


def _load_file_analysis(name, physics, spectra, measured, sigma_alpha, flux_normalisation, overrides) -> LoadedAnalysis:
    from ..experiment import load_experiment, read_experiment_spec
    from ..rates import tabulate_in, tabulate_response
    from . import SEED_MEASURED, SEED_SIGMA_ALPHA, asimov_spectra, counting_analysis, onoff_analysis, read_spectra

    spec = read_experiment_spec(name)
    spectral = "background" in spec and all("exposure_off_kg_day" in d for d in spec["detectors"])
    kwargs = {}
    if physics:
        kwargs["physics"] = physics
    if flux_normalisation is not None:
        kwargs["flux_normalisation"] = flux_normalisation
    if spectral:
        if measured is not None or sigma_alpha is not None:
            raise ValueError(
                f"--measured/--sigma-alpha belong to the counting analysis; experiment {spec['name']!r} "
                "is analysed with its ON/OFF spectra (use --spectra FILE)"
            )
        analysis = onoff_analysis(name, experiment_kwargs=kwargs or None)
        nominal = analysis.experiment.nominal()
        analysis = tabulate_in(analysis, make_params(nominal, **overrides))
        if spectra:
            data = read_spectra(spectra, analysis.experiment)
            return LoadedAnalysis(
                spec["name"],
                analysis.with_data(data["on"], data["off"]),
                nominal,
                analysis.experiment,
                spectra=str(spectra),
            )
        analysis = asimov_spectra(analysis, make_params(nominal, **overrides))
        return LoadedAnalysis(spec["name"], analysis, nominal, analysis.experiment, expected=True)
    if spectra:
        raise ValueError(
            f"--spectra: experiment {spec['name']!r} has no spectral (ON/OFF) model; it uses the counting analysis"
        )
    experiment = load_experiment(name, **kwargs)
    experiment = tabulate_response(experiment, make_params(experiment.nominal(), **overrides))
    analysis = counting_analysis(
        experiment,
        SEED_MEASURED if measured is None else measured,
        SEED_SIGMA_ALPHA if sigma_alpha is None else sigma_alpha,
    )
    return LoadedAnalysis(experiment.name, analysis, experiment.nominal(), experiment)


def load_analyses(names, *, overrides: dict | None = None, **kwargs) -> tuple[Analysis, Params, list[LoadedAnalysis]]:
    """One analysis, or the combination of several (names must differ).

    Returns ``(analysis, params, parts)``: the analysis to fit or sample, the
    shared physics parameters (registry defaults, then each experiment's
    nominal values in the order given — a value two experiments set
    differently is an error — then ``overrides``), and the loaded parts.
    """
    names = list(names)
    if not names:
        raise ValueError("give at least one --experiment")
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"--experiment {dup!r} is given twice")
    parts = [load_analysis(n, overrides=overrides, **kwargs) for n in names]
    nominal: dict = {}
    for part in parts:
        for key, value in part.nominal.items():
            if key in nominal and nominal[key] != value and key not in (overrides or {}):
                raise ValueError(
                    f"experiments disagree on the nominal value of {key!r} ({nominal[key]:g} vs {value:g}); "
                    f"set it with --param {key}=VALUE"
                )
            nominal[key] = value
    params = make_params(nominal, **dict(overrides or {}))
    if len(parts) == 1:
        return parts[0].analysis, params, parts
    labels = [p.name for p in parts]
    if len(set(labels)) != len(labels):
        raise ValueError(f"two experiments share the name {labels[0]!r}")
    return combine(**{p.name: p.analysis for p in parts}), params, parts
