"""The common form of every neutrino source: :class:`Source`.

A source is a set of absolute fluxes, one per neutrino flavour, each a
continuum dΦ/dE [cm⁻² s⁻¹ MeV⁻¹] plus monochromatic lines Φ_ℓ [cm⁻² s⁻¹].
The continuum of a flavour lives between the first and last of its
``breaks`` [MeV] and is smooth between consecutive breaks, so every integral
over it is a piecewise Gauss–Legendre sum (:meth:`Source.flux_moments`).

Source modules (``reactor``, ``tabulated``, ``pion_dar``) each provide a
JSON ``SCHEMA`` for the ``source`` block of an experiment file and a
``build(block, base_dir, origin)`` returning a :class:`Source`; numbers are
numpy float64 (one-off precomputation, outside the jitted model).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

import jsonschema
import numpy as np

#: All neutrino flavours, in the order used everywhere.
FLAVOURS = ("nu_e", "nu_e_bar", "nu_mu", "nu_mu_bar", "nu_tau", "nu_tau_bar")


class SourceError(ValueError):
    """A malformed or unphysical ``source`` block, or a bad request to a source.

    Messages read ``"<origin>: field source.<path>: <what is wrong>; <the fix>"``.
    """


def fail(origin: str, path: str, problem: str, fix: str) -> SourceError:
    """A :class:`SourceError` naming the field ``source.<path>`` (``path`` may be empty)."""
    where = "source" + (f".{path}" if path and not path.startswith("[") else path)
    return SourceError(f"{origin}: field {where}: {problem}; {fix}")


def _error_path(error: jsonschema.ValidationError) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")


def validate_block(schema: dict, block, origin: str) -> None:
    """Validate a ``source`` block against a module's ``SCHEMA``; raise a
    :class:`SourceError` for the first error (shallowest field first), naming
    its path and what is allowed."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(block), key=lambda e: (len(e.absolute_path), _error_path(e)))
    if not errors:
        return
    err = errors[0]
    problem, fix = err.message, "see the source schema"
    if err.validator == "additionalProperties":
        fix = f"allowed fields here: {', '.join(sorted(err.schema.get('properties', {})))}"
    elif err.validator in ("enum", "const"):
        allowed = err.validator_value if err.validator == "enum" else [err.validator_value]
        fix = f"allowed values: {', '.join(map(repr, allowed))}"
    elif err.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        lo = err.schema.get("exclusiveMinimum", err.schema.get("minimum"))
        hi = err.schema.get("maximum", err.schema.get("exclusiveMaximum"))
        fix = f"give a value in the physical range ({lo}, {hi}]"
    elif err.validator == "required":
        fix = "add the field"
    elif err.validator in ("oneOf", "anyOf") and "description" in err.schema:
        problem, fix = "conflicting or missing fields", err.schema["description"]
    elif err.validator == "type":
        fix = f"give a value of type {err.validator_value}"
    raise fail(origin, _error_path(err), problem, fix)


@cache
def _leggauss(order: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(order)


def _check_flavour(flavour: str) -> None:
    if flavour not in FLAVOURS:
        raise SourceError(f"source: flavour {flavour!r} is unknown; use one of {', '.join(FLAVOURS)}")


@dataclass(frozen=True)
class Source:
    """An absolute neutrino flux per flavour (energies [MeV]).

    Attributes
    ----------
    type: the source type (``"reactor"``, ``"tabulated"``, ``"pion_dar"``).
    flavours: the emitted flavours, a subset of :data:`FLAVOURS` in its order.
    spectra: per emitted flavour, a callable ``energy -> dΦ/dE`` [cm⁻² s⁻¹ MeV⁻¹]
        (numpy float64, zero outside that flavour's breaks); flavours with
        lines only have no entry.
    breaks: per flavour, sorted energies [MeV] where the continuum starts,
        ends or is not smooth (first = lower end, last = upper end; empty
        when the flavour has no continuum).
    lines: monochromatic lines ``(flavour, energy [MeV], flux [cm⁻² s⁻¹])``.
    e_max: the largest energy with flux [MeV], lines included.
    info: JSON-serialisable summary for reports.
    time_fractions: ``(flavour, edges_ns) -> fractions`` of that flavour's
        events in each arrival-time bin, or ``None`` for sources without timing.
    """

    type: str
    flavours: tuple[str, ...]
    spectra: Mapping[str, Callable[[np.ndarray], np.ndarray]]
    breaks: dict[str, tuple[float, ...]]
    lines: tuple[tuple[str, float, float], ...] = ()
    e_max: float = 0.0
    info: dict = field(default_factory=dict)
    time_fractions: Callable[[str, np.ndarray], np.ndarray] | None = None

    def spectrum(self, flavour: str, energy) -> np.ndarray:
        """dΦ/dE [cm⁻² s⁻¹ MeV⁻¹] of ``flavour`` at ``energy`` [MeV] (continuum
        only; zero outside the support and for flavours not emitted)."""
        _check_flavour(flavour)
        energy = np.asarray(energy, dtype=np.float64)
        if flavour not in self.spectra:
            return np.zeros_like(energy)
        return np.asarray(self.spectra[flavour](energy), dtype=np.float64)

    def flux_moments(self, flavour: str, e_min, orders=(0, 1, 2), nodes: int = 48) -> np.ndarray:
        """``∫_{max(e_min, lower)}^{upper} φ(E) E^{-k} dE + Σ_{E_ℓ > e_min} Φ_ℓ E_ℓ^{-k}``
        for each ``k`` in ``orders`` [cm⁻² s⁻¹ MeV^{-k}], shape ``e_min.shape + (len(orders),)``.

        Piecewise Gauss–Legendre with ``nodes`` points between consecutive
        breaks, the lower limit clipped into each piece. Each piece [a, b] is
        integrated in ``u`` with ``E = b − (b − a) u²``, which makes a
        square-root edge at the upper end (a β endpoint) smooth; smooth
        integrands stay smooth.
        """
        _check_flavour(flavour)
        e_min = np.asarray(e_min, dtype=np.float64)
        orders = tuple(orders)
        powers = np.asarray(orders, dtype=np.float64)
        out = np.zeros((*e_min.shape, len(orders)))
        edges = self.breaks.get(flavour, ())
        if flavour in self.spectra and len(edges) >= 2:
            x, w = _leggauss(int(nodes))
            for a, b in itertools.pairwise(edges):
                lo = np.clip(e_min, a, b)
                u_hi = np.sqrt((b - lo) / (b - a))  # u = 0 at E = b, u = u_hi at E = lo
                u = 0.5 * u_hi[..., None] * (x + 1.0)
                weight = 0.5 * u_hi[..., None] * w * 2.0 * (b - a) * u
                energy = b - (b - a) * u**2
                phi = self.spectrum(flavour, energy) * weight
                # E^-k only where the weight is non-zero (E may be 0 at u = u_hi on the first piece)
                inv = np.where(energy > 0, 1.0 / np.where(energy > 0, energy, 1.0), 0.0)
                out += np.stack([np.sum(phi * inv**k, axis=-1) for k in powers], axis=-1)
        for fl, e_line, flux in self.lines:
            if fl == flavour:
                above = (e_line > e_min)[..., None]
                out += np.where(above, flux * e_line ** (-powers), 0.0)
        return out

    def total_flux(self, flavour: str) -> float:
        """Total flux of ``flavour`` [cm⁻² s⁻¹], continuum and lines."""
        return float(self.flux_moments(flavour, 0.0, orders=(0,), nodes=64)[0])
