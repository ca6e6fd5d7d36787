"""Stopped-pion (π-DAR) source (``source.type = "pion_dar"``).

π⁺ → μ⁺ ν_μ at rest gives a prompt ν_μ line at
E_ν = (m_π² − m_μ²)/(2 m_π) = 29.79 MeV; μ⁺ → e⁺ ν_e ν̄_μ at rest gives the
delayed spectra, for E ≤ m_μ/2 (each normalised to one neutrino):

* ν_e:  f(E) = (192/m_μ) (E/m_μ)² (½ − E/m_μ)
* ν̄_μ: f(E) = (64/m_μ) (E/m_μ)² (¾ − E/m_μ)

Normalisation: ``nu_per_flavour_per_pot`` r neutrinos of each flavour per
proton on target, ``protons_on_target`` delivered over ``beam_days`` of live
beam time, isotropic emission at ``distance_m`` L:
Φ = r · POT / (beam_days · 86400 s) / (4π L²) [cm⁻² s⁻¹] per flavour, so a
detector exposure in kg·day over the same beam_days gives the counts.

Timing (optional ``timing`` block): the beam pulse is a Gaussian of width
``pulse_sigma_ns`` or a tabulated shape (``pulse_time_ns``, ``pulse_weight``,
linear between the points); the prompt ν_μ arrive at pulse ⊗ Exp(τ_π), the
delayed flavours at pulse ⊗ Exp(τ_π) ⊗ Exp(τ_μ). Flight times are common to
all flavours and left out.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import units
from .base import Source, SourceError, _leggauss, fail, validate_block

NAME = "pion_dar"

#: Charged-pion mass [MeV], PDG 2024 (R. L. Workman et al. / S. Navas et al.,
#: Phys. Rev. D 110, 030001): 139.57039 ± 0.00018 MeV.
M_PION = 139.57039
#: Muon mass [MeV], PDG 2024: 105.6583755 ± 0.0000023 MeV.
M_MUON = 105.6583755
#: Mean lives [ns], PDG 2024: τ_π± = 2.6033e-8 s, τ_μ = 2.1969811e-6 s.
TAU_PION_NS = 26.033
TAU_MUON_NS = 2196.9811

#: Prompt ν_μ energy [MeV] from two-body π⁺ decay at rest (29.79 MeV).
E_PROMPT = (M_PION**2 - M_MUON**2) / (2.0 * M_PION)
#: Endpoint of the delayed spectra, m_μ/2 [MeV] (electron mass neglected).
E_DELAYED_MAX = 0.5 * M_MUON
#: Flavours a π⁺ DAR source emits (π⁻ are mostly captured before decaying).
FLAVOURS_EMITTED = ("nu_e", "nu_mu", "nu_mu_bar")

_TIMING = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "pulse_sigma_ns": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e5},
        "pulse_time_ns": {"type": "array", "minItems": 2, "items": {"type": "number"}},
        "pulse_weight": {"type": "array", "minItems": 2, "items": {"type": "number", "minimum": 0}},
    },
    "oneOf": [
        {
            "required": ["pulse_sigma_ns"],
            "not": {"anyOf": [{"required": ["pulse_time_ns"]}, {"required": ["pulse_weight"]}]},
        },
        {"required": ["pulse_time_ns", "pulse_weight"], "not": {"required": ["pulse_sigma_ns"]}},
    ],
    "description": "give either pulse_sigma_ns (Gaussian pulse) or pulse_time_ns with pulse_weight (tabulated pulse)",
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "stopped-pion source",
    "type": "object",
    "required": ["type", "nu_per_flavour_per_pot", "protons_on_target", "beam_days", "distance_m"],
    "additionalProperties": False,
    "properties": {
        "type": {"const": NAME},
        # COHERENT CsI 2017: r = 0.08 ± 0.02 (Science 357 (2017) 1123)
        "nu_per_flavour_per_pot": {"type": "number", "exclusiveMinimum": 0, "maximum": 10},
        "protons_on_target": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e30},
        "beam_days": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e5},
        "distance_m": {
            "type": "number",
            "exclusiveMinimum": 0.1,
            "maximum": 1e4,
        },  # a stopped-pion beam is seen within kilometres
        "timing": _TIMING,
    },
}


def nu_e_shape(energy):
    """Delayed ν_e spectrum per muon decay [MeV⁻¹] at ``energy`` [MeV]."""
    x = np.asarray(energy, dtype=np.float64) / M_MUON
    return np.where((x >= 0) & (x <= 0.5), 192.0 / M_MUON * x**2 * (0.5 - x), 0.0)


def nu_mu_bar_shape(energy):
    """Delayed ν̄_μ spectrum per muon decay [MeV⁻¹] at ``energy`` [MeV]."""
    x = np.asarray(energy, dtype=np.float64) / M_MUON
    return np.where((x >= 0) & (x <= 0.5), 64.0 / M_MUON * x**2 * (0.75 - x), 0.0)


# --- timing -------------------------------------------------------------------


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(x)))


def _decay_cdf(t, delayed: bool):
    """CDF of the decay delay [1] at ``t`` [ns]: Exp(τ_π), or Exp(τ_π) ⊗ Exp(τ_μ)."""
    t = np.maximum(np.asarray(t, dtype=np.float64), 0.0)
    if not delayed:
        return -np.expm1(-t / TAU_PION_NS)
    a, b = TAU_PION_NS, TAU_MUON_NS  # sum of two exponentials (hypoexponential)
    return 1.0 - (b * np.exp(-t / b) - a * np.exp(-t / a)) / (b - a)


def _pulse_pieces(timing: dict) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """Panel edges [ns] covering the pulse and its density [ns⁻¹] (unit area)."""
    if "pulse_sigma_ns" in timing:
        sigma = float(timing["pulse_sigma_ns"])
        edges = sigma * np.array([-10.0, -6.0, -4.0, -2.5, -1.5, -0.75, 0.0, 0.75, 1.5, 2.5, 4.0, 6.0, 10.0])

        def density(s):
            return np.exp(-0.5 * (s / sigma) ** 2) / (sigma * math.sqrt(2.0 * math.pi))

        return edges, density
    times = np.asarray(timing["pulse_time_ns"], dtype=np.float64)
    weights = np.asarray(timing["pulse_weight"], dtype=np.float64)
    area = _trapezoid(weights, times)

    def density(s):
        return np.interp(s, times, weights, left=0.0, right=0.0) / area

    return times, density


def _arrival_cdf(t: np.ndarray, timing: dict, delayed: bool, order: int = 32) -> np.ndarray:
    """∫ pulse(s) · CDF_decay(t − s) ds at each ``t`` [ns]: piecewise
    Gauss–Legendre over the pulse panels, each split at s = t (the kink)."""
    edges, density = _pulse_pieces(timing)
    x, w = _leggauss(order)
    t = np.asarray(t, dtype=np.float64)
    total = np.zeros_like(t)
    for a, b in itertools.pairwise(edges):
        cut = np.clip(t, a, b)
        for lo, hi in ((a, cut), (cut, b)):
            lo = np.broadcast_to(lo, t.shape)
            hi = np.broadcast_to(hi, t.shape)
            half = 0.5 * (hi - lo)[..., None]
            s = 0.5 * (hi + lo)[..., None] + half * x
            total += np.sum(half * w * density(s) * _decay_cdf(t[..., None] - s, delayed), axis=-1)
    return total


def _time_fractions(timing: dict):
    def time_fractions(flavour: str, edges_ns) -> np.ndarray:
        """Fraction of ``flavour``'s neutrinos arriving in each bin of ``edges_ns`` [ns]
        (t = 0 at the pulse centre for a Gaussian, on the pulse's own clock if tabulated)."""
        if flavour not in FLAVOURS_EMITTED:
            raise SourceError(
                f"pion_dar source: flavour {flavour!r} is not emitted; use one of {', '.join(FLAVOURS_EMITTED)}"
            )
        edges = np.asarray(edges_ns, dtype=np.float64)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0) or not np.all(np.isfinite(edges)):
            raise SourceError(
                "pion_dar source: edges_ns must be a 1-d, finite, strictly increasing array of >= 2 times [ns]"
            )
        return np.diff(_arrival_cdf(edges, timing, delayed=flavour != "nu_mu"))

    return time_fractions


def _check_timing(timing: dict, origin: str) -> None:
    if "pulse_time_ns" not in timing:
        return
    times = np.asarray(timing["pulse_time_ns"], dtype=np.float64)
    weights = np.asarray(timing["pulse_weight"], dtype=np.float64)
    if times.size != weights.size:
        raise fail(
            origin, "timing.pulse_weight", f"{weights.size} weights for {times.size} times", "give one weight per time"
        )
    for name, values in (("pulse_time_ns", times), ("pulse_weight", weights)):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise fail(
                origin, f"timing.{name}[{bad[0]}]", f"value {values[bad[0]]} is not finite", "give finite numbers"
            )
    bad = np.flatnonzero(np.diff(times) <= 0)
    if bad.size:
        raise fail(
            origin,
            f"timing.pulse_time_ns[{bad[0] + 1}]",
            "times are not strictly increasing",
            "sort the pulse table by time",
        )
    if not _trapezoid(weights, times) > 0:
        raise fail(origin, "timing.pulse_weight", "the pulse has zero area", "give some positive weights")


def build(block: dict, base_dir: Path | None = None, origin: str = "experiment") -> Source:
    """Build the π-DAR :class:`Source` (``base_dir`` unused)."""
    validate_block(SCHEMA, block, origin)
    seconds = block["beam_days"] * units.SECONDS_PER_DAY
    distance_cm = block["distance_m"] * units.METRE
    per_flavour = (
        block["nu_per_flavour_per_pot"] * block["protons_on_target"] / seconds / (4.0 * math.pi * distance_cm**2)
    )
    if not (math.isfinite(per_flavour) and per_flavour > 0):
        raise fail(
            origin,
            "protons_on_target",
            f"the flux per flavour comes out as {per_flavour:g} cm⁻² s⁻¹",
            "check nu_per_flavour_per_pot, protons_on_target, beam_days and distance_m",
        )
    timing = block.get("timing")
    if timing is not None:
        _check_timing(timing, origin)

    def nu_e(e):
        return per_flavour * nu_e_shape(e)

    def nu_mu_bar(e):
        return per_flavour * nu_mu_bar_shape(e)

    continuum = (0.0, E_DELAYED_MAX)
    info = {
        "type": NAME,
        "spectrum_model": "pi+ and mu+ decay at rest",
        "normalisation": "nu_per_flavour_per_pot * protons_on_target / beam time / (4 pi L^2)",
        "nu_per_flavour_per_pot": float(block["nu_per_flavour_per_pot"]),
        "protons_on_target": float(block["protons_on_target"]),
        "beam_days": float(block["beam_days"]),
        "distance_m": float(block["distance_m"]),
        "prompt_line_MeV": E_PROMPT,
        "total_flux_cm2_s": {f: per_flavour for f in FLAVOURS_EMITTED},
        "timing": None if timing is None else dict(timing),
    }
    return Source(
        type=NAME,
        flavours=FLAVOURS_EMITTED,
        spectra={"nu_e": nu_e, "nu_mu_bar": nu_mu_bar},
        breaks={"nu_e": continuum, "nu_mu": (), "nu_mu_bar": continuum},
        lines=(("nu_mu", E_PROMPT, per_flavour),),
        e_max=E_DELAYED_MAX,
        info=info,
        time_fractions=None if timing is None else _time_fractions(timing),
    )
