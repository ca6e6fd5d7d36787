"""Binned Poisson ON/OFF spectral analysis (CONUS analysis, seed slides 004).

    −2 ln L = −2 ln L_ON − 2 ln L_OFF + Σ_i (θ_i − θ_i*)² / σ_i²

* ON  (reactor on):  expected = signal(params) + background(params) · exposure_on
* OFF (reactor off): expected = background(params) · exposure_off

both per detector and reconstructed-energy bin, as Poisson deviances
(:func:`~cevnsjax.analyses.model.poisson_deviance`, valid for non-integer
Asimov data). Background (in reconstructed energy, per kg·day·keVee, from the
experiment file's ``background`` block): ``bkg_scale · flat + bkg_noise_scale ·
noise · exp(−(E − threshold)/λ)``, integrated over each bin in closed form.

As a probabilistic model: the nuisances are physics fields of
:class:`~cevnsjax.Params` (``bkg_scale``, ``quench_k``, ...) with the Gaussian
pull terms θ_i* ± σ_i given as ``constraints``. Fits profile those named as
nuisances; posteriors *sample* every constrained field, with its pull as the
prior (:mod:`cevnsjax.infer.bayes`); there is no analytic marginal. Data: the
pair ``(on, off)`` of (n_det, n_bins) arrays; :meth:`OnOffAnalysis.draw` is
Poisson in every used bin.

Spectra are data (``data/spectra/*.json``, :func:`read_spectra`): per detector
the bin edges and the ON and OFF counts. Asimov and toy spectra are generated
from the model (:func:`asimov_spectra`, :func:`toy_spectra`) in the same
format, so real spectra drop in.
"""

from __future__ import annotations

import json
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import units
from ..experiment import (
    Experiment,
    ExperimentError,
    load_experiment,
    read_experiment_spec,
)
from ..parameters import Params
from ..rates import expected_counts
from .model import Analysis, check_constraints, gaussian_penalty, poisson_deviance

SPECTRA_SCHEMA_VERSION = 1


class OnOffAnalysis(Analysis):
    """Binned Poisson likelihood of reactor-ON and reactor-OFF spectra."""

    experiment: Experiment
    on_counts: jax.Array  # (n_det, n_bins)
    off_counts: jax.Array
    exposure_off: jax.Array  # (n_det,) [kg day]
    background_flat: jax.Array  # (n_det, n_bins) counts per kg day at bkg_scale = 1
    background_noise: jax.Array
    constraints: tuple[tuple[str, float, float], ...] = eqx.field(static=True)
    nuisances = ()

    @property
    def data(self):
        return (self.on_counts, self.off_counts)

    def with_data(self, on_counts, off_counts=None) -> OnOffAnalysis:
        """Replace the data: ``with_data((on, off))`` or ``with_data(on, off)``."""
        if off_counts is None:
            on_counts, off_counts = on_counts
        return eqx.tree_at(lambda a: (a.on_counts, a.off_counts), self, (on_counts, off_counts))

    def expected(self, params: Params, nu: dict | None = None):
        """(ON, OFF) expected counts, each (n_det, n_bins)."""
        mask = self.experiment.bin_mask
        bkg = (params.bkg_scale * self.background_flat + params.bkg_noise_scale * self.background_noise) * mask
        on = expected_counts(params, self.experiment) + bkg * self.experiment.exposure[:, None]
        off = bkg * self.exposure_off[:, None]
        return on, off

    def predicted(self, params: Params):
        """Total expected ON counts (signal + background) [events]."""
        return jnp.sum(self.expected(params)[0] * self.experiment.bin_mask)

    def data_chi2(self, params: Params, nu: dict | None = None):
        on, off = self.expected(params)
        mask = self.experiment.bin_mask
        return poisson_deviance(self.on_counts * mask, jnp.where(mask > 0, on, 1.0)) + poisson_deviance(
            self.off_counts * mask, jnp.where(mask > 0, off, 1.0)
        )

    def profile_chi2(self, params: Params):
        return self.data_chi2(params) + gaussian_penalty(params, self.constraints)

    def draw(self, key, mean):
        on, off = mean
        k_on, k_off = jax.random.split(key)
        mask = self.experiment.bin_mask
        return (
            jax.random.poisson(k_on, on).astype(on.dtype) * mask,
            jax.random.poisson(k_off, off).astype(off.dtype) * mask,
        )


def _background_templates(spec: dict, experiment: Experiment) -> tuple[np.ndarray, np.ndarray]:
    bkg = spec.get("background")
    if bkg is None:
        raise ExperimentError(
            f"experiment {spec['name']!r}: a spectral analysis needs a 'background' block "
            "(flat_per_kg_day_keV, noise_per_kg_day_keV, noise_decay_eVee)"
        )
    lo = np.asarray(experiment.bin_lo) / units.keV
    hi = np.asarray(experiment.bin_hi) / units.keV
    thr = np.asarray(experiment.threshold)[:, None] / units.keV
    lam = bkg["noise_decay_eVee"] * 1e-3
    flat = bkg["flat_per_kg_day_keV"] * (hi - lo)
    noise = bkg["noise_per_kg_day_keV"] * lam * (np.exp(-(lo - thr) / lam) - np.exp(-(hi - thr) / lam))
    return flat, noise


def onoff_analysis(
    experiment: str | Path = "conus-run5",
    spectra: dict | None = None,
    *,
    constraints=(),
    experiment_kwargs: dict | None = None,
) -> OnOffAnalysis:
    """Build the ON/OFF analysis of an experiment with OFF exposures and a
    background block. ``spectra``: a dict from :func:`read_spectra`, or None
    for empty data (fill with :func:`asimov_spectra` / :meth:`OnOffAnalysis.with_data`).
    ``constraints``: ``{name: (centre, width)}`` pull terms on physics parameters."""
    spec = read_experiment_spec(experiment)
    ex = load_experiment(experiment, **(experiment_kwargs or {}))
    exposure_off = []
    for i, det in enumerate(spec["detectors"]):
        if "exposure_off_kg_day" not in det:
            raise ExperimentError(f"field detectors[{i}].exposure_off_kg_day: required for an ON/OFF analysis")
        exposure_off.append(det["exposure_off_kg_day"])
    flat, noise = _background_templates(spec, ex)
    shape = np.asarray(ex.bin_lo).shape
    on = np.zeros(shape) if spectra is None else spectra["on"]
    off = np.zeros(shape) if spectra is None else spectra["off"]
    dtype = ex.recoil.dtype
    return OnOffAnalysis(
        ex,
        jnp.asarray(on, dtype),
        jnp.asarray(off, dtype),
        jnp.asarray(exposure_off, dtype),
        jnp.asarray(flat, dtype),
        jnp.asarray(noise, dtype),
        check_constraints(constraints),
    )


def asimov_spectra(analysis: OnOffAnalysis, params: Params) -> OnOffAnalysis:
    """The analysis with its data replaced by the expected (Asimov) spectra."""
    return analysis.asimov(params)


def toy_spectra(key, analysis: OnOffAnalysis, params: Params, n_toys: int):
    """``n_toys`` Poisson toy datasets ``(on, off)``, each (n_toys, n_det, n_bins)."""
    on, off = analysis.expected(params)
    k_on, k_off = jax.random.split(key)
    mask = analysis.experiment.bin_mask
    draw_on = jax.random.poisson(k_on, on, shape=(n_toys, *on.shape)).astype(on.dtype) * mask
    draw_off = jax.random.poisson(k_off, off, shape=(n_toys, *off.shape)).astype(off.dtype) * mask
    return draw_on, draw_off


# --- spectra as data ---------------------------------------------------------------


def write_spectra(path, analysis: OnOffAnalysis, *, kind: str, generated_with: dict | None = None) -> Path:
    """Write an analysis' data as a spectra file (schema version 1)."""
    ex = analysis.experiment
    dets = []
    for d, name in enumerate(ex.detector_names):
        n = int(np.asarray(ex.bin_mask[d]).sum())
        edges = np.concatenate([np.asarray(ex.bin_lo[d, :n]), np.asarray(ex.bin_hi[d, n - 1 : n])]) / units.eV
        dets.append(
            {
                "name": name,
                "bin_edges_eVee": [round(float(e), 6) for e in edges],
                "on_counts": [float(c) for c in np.asarray(analysis.on_counts[d, :n])],
                "off_counts": [float(c) for c in np.asarray(analysis.off_counts[d, :n])],
            }
        )
    doc = {
        "schema_version": SPECTRA_SCHEMA_VERSION,
        "experiment": ex.name,
        "kind": kind,
        "generated_with": generated_with or {},
        "detectors": dets,
    }
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")  # write then rename: never a half-written file
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    tmp.replace(path)
    return path


def read_spectra(path, experiment: Experiment) -> dict:
    """Read and validate a spectra file against ``experiment``; returns
    ``{"on": (n_det, n_bins), "off": ..., "kind": ...}``. Errors name the field."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ExperimentError(f"spectra file {str(path)!r}: cannot read ({exc})") from None
    if not isinstance(doc, dict) or doc.get("schema_version") != SPECTRA_SCHEMA_VERSION:
        raise ExperimentError(f"spectra file {str(path)!r}: field schema_version must be {SPECTRA_SCHEMA_VERSION}")
    if doc.get("experiment") != experiment.name:
        raise ExperimentError(
            f"spectra file {str(path)!r}: field experiment is {doc.get('experiment')!r}, expected {experiment.name!r}"
        )
    dets = {d.get("name"): d for d in doc.get("detectors", []) if isinstance(d, dict)}
    shape = np.asarray(experiment.bin_lo).shape
    on, off = np.zeros(shape), np.zeros(shape)
    for i, name in enumerate(experiment.detector_names):
        if name not in dets:
            raise ExperimentError(f"spectra file {str(path)!r}: field detectors: detector {name!r} missing")
        d = dets[name]
        n = int(np.asarray(experiment.bin_mask[i]).sum())
        edges = (
            np.concatenate([np.asarray(experiment.bin_lo[i, :n]), np.asarray(experiment.bin_hi[i, n - 1 : n])])
            / units.eV
        )
        if len(d.get("bin_edges_eVee", [])) != n + 1 or not np.allclose(d["bin_edges_eVee"], edges):
            raise ExperimentError(
                f"spectra file {str(path)!r}: field detectors[{name}].bin_edges_eVee must equal the experiment's bin "
                "edges"
            )
        for key, target in (("on_counts", on), ("off_counts", off)):
            try:
                values = np.asarray(d.get(key, []), dtype=float)
            except (TypeError, ValueError):
                values = np.asarray([np.nan])
            if values.shape != (n,) or not np.all(np.isfinite(values)) or np.any(values < 0):
                raise ExperimentError(
                    f"spectra file {str(path)!r}: field detectors[{name}].{key} must be {n} non-negative numbers"
                )
            target[i, :n] = values
    return {"on": on, "off": off, "kind": doc.get("kind", "measured")}
