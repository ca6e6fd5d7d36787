"""Experiments as data: the versioned spec format, its validation, and the
:class:`Experiment` pytree the model runs on.

An experiment file (``data/experiments/NAME.json``, ``schema_version`` 1)
names a source, a target (``data/targets/NAME.json``), the nominal values of
nuisance parameters, the detectors and the numerical settings. It is validated
on load against :data:`EXPERIMENT_SCHEMA` (JSON Schema) and a few physics
checks; every error names the path of the bad field and what is allowed.

:func:`load_experiment` turns a spec into an :class:`Experiment`: arrays for
the recoil quadrature grid, the per-isotope flux moments
``I_k(T) = ∫_{E_min(T)}^{E_max} φ(E) E^{-k} dE`` (k = 0, 1, 2, precomputed in
float64 because they do not depend on any fit parameter), form factors, and
stacked detector arrays; plus static choices (couplings, form factor,
quadrature orders). The model jit-compiles once per experiment structure.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import jsonschema
import numpy as np

from . import flux as flux_mod
from . import units
from .cross_section import COUPLINGS, VECTOR_MEDIATORS, stepping_electron_number
from .detector import resolution_sigma
from .nucleus import FORM_FACTORS, Isotope, Target, form_factor, max_recoil, min_neutrino_energy, momentum_transfer
from .parameters import PARAMETERS, ParameterError, validate_value
from .quadrature import log_nodes, map_nodes
from .quenching import ionisation_energy

SCHEMA_VERSION = 1

#: Signal channels: CEvNS on nuclei, elastic ν̄e scattering on atomic electrons.
CHANNELS = ("nuclear", "electron")

#: Thresholds the model accepts [eVee]. Below 50 eVee (≈ 0.3 keVnr in Ge) the
#: Lindhard description is not validated and the recoil grid would have to
#: reach into the noise region.
THRESHOLD_RANGE_EVEE = (50.0, 10000.0)
#: Upper end of the quench_k range: used to size the recoil grid so that any
#: allowed k is covered.
_K_MAX = PARAMETERS["quench_k"].upper
_RES_SCALE_MAX = PARAMETERS["res_scale"].upper

_POS = {"type": "number", "exclusiveMinimum": 0}
_FRACTION = {"type": "number", "minimum": 0, "maximum": 1}

EXPERIMENT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "cevnsjax experiment",
    "type": "object",
    "required": ["schema_version", "name", "source", "target", "detectors"],
    "additionalProperties": False,
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "name": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "references": {"type": "array", "items": {"type": "string"}},
        "notes": {"type": "object", "additionalProperties": {"type": "string"}},
        "target": {"type": "string", "minLength": 1},
        "source": {
            "type": "object",
            "required": ["type", "thermal_power_GW", "distance_m", "fission_fractions", "normalisation"],
            "additionalProperties": False,
            "properties": {
                "type": {"enum": ["reactor"]},
                "thermal_power_GW": _POS,
                "distance_m": _POS,
                "fission_fractions": {
                    "type": "object",
                    "required": list(flux_mod.FISSION_ISOTOPES),
                    "additionalProperties": False,
                    "properties": {iso: _FRACTION for iso in flux_mod.FISSION_ISOTOPES},
                },
                "energy_per_fission": {"enum": ["ma2013", "kopeikin2004"]},
                "captures_per_fission": {"type": "number", "minimum": 0, "maximum": 2},
                "e_max_MeV": {"type": "number", "minimum": 8, "maximum": 12},
                "normalisation": {"enum": ["total_flux", "thermal_power"]},
                "total_flux_cm2_s": _POS,
            },
        },
        "physics": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "couplings": {"enum": list(COUPLINGS)},
                "form_factor": {"enum": list(FORM_FACTORS)},
                "vector_mediator": {"enum": list(VECTOR_MEDIATORS)},
                "channels": {"type": "array", "minItems": 1, "uniqueItems": True,
                             "items": {"enum": list(CHANNELS)}},
            },
        },
        "nominal_parameters": {"type": "object", "additionalProperties": {"type": "number"}},
        "detectors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "exposure_kg_day", "threshold_eVee", "roi_max_eVee", "trigger_efficiency", "resolution"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "mass_kg": _POS,
                    "exposure_kg_day": _POS,
                    "exposure_off_kg_day": {"type": "number", "minimum": 0},
                    "threshold_eVee": {"type": "number"},
                    "roi_max_eVee": {"type": "number"},
                    "bin_edges_eVee": {"type": "array", "minItems": 2, "items": {"type": "number"}},
                    "trigger_efficiency": {
                        "type": "object",
                        "required": ["e50_eVee", "width_eVee"],
                        "additionalProperties": False,
                        "properties": {"e50_eVee": {"type": "number"}, "width_eVee": _POS},
                    },
                    "resolution": {
                        "type": "object",
                        "required": ["sigma0_eVee"],
                        "additionalProperties": False,
                        "properties": {"sigma0_eVee": _POS},
                    },
                },
            },
        },
        "background": {
            "type": "object",
            "description": "background model of spectral analyses, in reconstructed energy, per kg day keVee",
            "required": ["flat_per_kg_day_keV", "noise_per_kg_day_keV", "noise_decay_eVee"],
            "additionalProperties": False,
            "properties": {
                "flat_per_kg_day_keV": {"type": "number", "minimum": 0},
                "noise_per_kg_day_keV": {"type": "number", "minimum": 0},
                "noise_decay_eVee": _POS,
            },
        },
        "numerics": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "recoil_nodes": {"type": "integer", "minimum": 8, "maximum": 4096},
                "flux_nodes": {"type": "integer", "minimum": 8, "maximum": 4096},
                "response_nodes": {"type": "integer", "minimum": 4, "maximum": 512},
                "response_window_sigma": {"type": "number", "minimum": 4, "maximum": 12},
                "electron_panel_eV": {"type": "number", "minimum": 1, "maximum": 200},
                "electron_panel_nodes": {"type": "integer", "minimum": 2, "maximum": 64},
            },
        },
    },
    "allOf": [
        {
            "if": {"properties": {"source": {"properties": {"normalisation": {"const": "total_flux"}}}}},
            "then": {"properties": {"source": {"required": ["total_flux_cm2_s"]}}},
        }
    ],
}

DEFAULT_NUMERICS = {"recoil_nodes": 96, "flux_nodes": 48, "response_nodes": 16, "response_window_sigma": 7.0,
                    "electron_panel_eV": 20.0, "electron_panel_nodes": 4}
DEFAULT_PHYSICS = {"couplings": "tree", "form_factor": "helm", "vector_mediator": "universal", "channels": ["nuclear"]}
DEFAULT_SOURCE = {"energy_per_fission": "ma2013", "captures_per_fission": 0.6, "e_max_MeV": 10.0}


class ExperimentError(ValueError):
    """A malformed or inconsistent experiment or target file."""


def _data_root() -> Path:
    """The shipped ``data/`` folder: the repository's in a source checkout,
    else the installed ``cevnsjax.data`` package (mapped from ``data/``)."""
    checkout = Path(__file__).resolve().parent.parent / "data"
    if (checkout / "experiments").is_dir():
        return checkout
    return Path(str(resources.files("cevnsjax.data")))


def data_path(name: str) -> Path:
    """Path of a file shipped in ``data/``."""
    return _data_root() / name


def available_experiments() -> list[str]:
    """Names of the experiments shipped in ``data/experiments``."""
    return sorted(p.stem for p in (_data_root() / "experiments").glob("*.json"))


def resolve_experiment_path(name_or_path: str | Path) -> Path:
    """The file of a shipped experiment name, or an explicit path."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".json" or candidate.exists():
        if not candidate.is_file():
            raise ExperimentError(f"experiment file {str(candidate)!r} does not exist")
        return candidate
    shipped = _data_root() / "experiments" / f"{name_or_path}.json"
    if not shipped.is_file():
        raise ExperimentError(
            f"unknown experiment {str(name_or_path)!r}; shipped experiments: "
            f"{', '.join(available_experiments())}, or give the path of a .json file"
        )
    return shipped


def _json_path(error: jsonschema.ValidationError) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return path.lstrip(".") or "(top level)"


def _fail(where: str, message: str) -> ExperimentError:
    return ExperimentError(f"{where}: {message}")


def validate_experiment_spec(spec: dict, origin: str = "experiment") -> dict:
    """Validate a parsed experiment spec; return it with defaults filled in.

    Raises :class:`ExperimentError` naming the file, the field path and the
    allowed values.
    """
    validator = jsonschema.Draft202012Validator(EXPERIMENT_SCHEMA)
    errors = sorted(validator.iter_errors(spec), key=lambda e: (len(list(e.absolute_path)), str(e.absolute_path)))
    if errors:
        err = errors[0]
        hint = ""
        if err.validator == "additionalProperties":
            allowed = sorted(err.schema.get("properties", {}))
            hint = f"; allowed fields here: {', '.join(allowed)}"
        elif err.validator == "enum":
            hint = f"; allowed values: {', '.join(map(repr, err.validator_value))}"
        elif err.validator == "const":
            hint = f"; this cevnsjax reads schema_version {SCHEMA_VERSION}"
        raise _fail(f"{origin}: field {_json_path(err)}", err.message + hint)

    spec = json.loads(json.dumps(spec))  # deep copy, defaults filled below
    source = {**DEFAULT_SOURCE, **spec["source"]}
    spec["source"] = source
    spec["physics"] = {**DEFAULT_PHYSICS, **spec.get("physics", {})}
    spec["numerics"] = {**DEFAULT_NUMERICS, **spec.get("numerics", {})}

    fractions = source["fission_fractions"]
    total = sum(fractions.values())
    if not math.isclose(total, 1.0, abs_tol=1e-3):
        raise _fail(f"{origin}: field source.fission_fractions", f"fractions sum to {total:.4f}; they must sum to 1 (±0.001)")

    for name, value in spec.get("nominal_parameters", {}).items():
        try:
            validate_value(name, value)
        except ParameterError as exc:
            raise _fail(f"{origin}: field nominal_parameters.{name}", str(exc)) from None

    names = [d["name"] for d in spec["detectors"]]
    if len(set(names)) != len(names):
        raise _fail(f"{origin}: field detectors", f"detector names must be unique, got {names}")
    lo_thr, hi_thr = THRESHOLD_RANGE_EVEE
    for i, det in enumerate(spec["detectors"]):
        where = f"{origin}: field detectors[{i}]"
        thr, roi = det["threshold_eVee"], det["roi_max_eVee"]
        if not lo_thr <= thr <= hi_thr:
            raise _fail(f"{where}.threshold_eVee", f"{thr:g} eVee is outside the modelled range [{lo_thr:g}, {hi_thr:g}] eVee")
        if roi <= thr:
            raise _fail(f"{where}.roi_max_eVee", f"{roi:g} eVee must be above threshold_eVee = {thr:g}")
        edges = det.get("bin_edges_eVee", [thr, roi])
        if any(b <= a for a, b in zip(edges[:-1], edges[1:])):
            raise _fail(f"{where}.bin_edges_eVee", "edges must be strictly increasing")
        if not (math.isclose(edges[0], thr) and math.isclose(edges[-1], roi)):
            raise _fail(f"{where}.bin_edges_eVee", f"edges must run from threshold_eVee ({thr:g}) to roi_max_eVee ({roi:g}), got {edges[0]:g} to {edges[-1]:g}")
        det["bin_edges_eVee"] = list(edges)
    return spec


def _read_json(path: Path, what: str) -> dict:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ExperimentError(f"{what} {str(path)!r}: cannot read ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExperimentError(f"{what} {str(path)!r}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise ExperimentError(f"{what} {str(path)!r}: the top level must be a JSON object")
    return data


def read_experiment_spec(name_or_path: str | Path) -> dict:
    """Read and validate an experiment file; returns the spec with defaults."""
    path = resolve_experiment_path(name_or_path)
    return validate_experiment_spec(_read_json(path, "experiment file"), origin=str(path))


def load_target(name: str) -> Target:
    """Load ``data/targets/NAME.json``."""
    path = _data_root() / "targets" / f"{name}.json"
    if not path.is_file():
        shipped = sorted(p.stem for p in (_data_root() / "targets").glob("*.json"))
        raise ExperimentError(f"field target: unknown target {name!r}; shipped targets: {', '.join(shipped)}")
    data = _read_json(path, "target file")
    try:
        Z = int(data["Z"])
        isotopes = tuple(
            Isotope(A=int(i["A"]), Z=Z, abundance=float(i["abundance"]), atomic_mass_u=float(i["atomic_mass_u"]))
            for i in data["isotopes"]
        )
        target = Target(
            name=data["name"], symbol=data["symbol"], Z=Z, isotopes=isotopes,
            fano=float(data["fano"]), pair_energy_eV=float(data["pair_energy_eV"]),
            shells=tuple((float(sh["binding_keV"]) * units.keV, int(sh["electrons"])) for sh in data.get("electron_shells_keV", [])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ExperimentError(f"target file {str(path)!r}: missing or malformed field ({exc})") from None
    if not math.isclose(sum(i.abundance for i in isotopes), 1.0, abs_tol=1e-3):
        raise ExperimentError(f"target file {str(path)!r}: field isotopes: abundances must sum to 1")
    return target


class Experiment(eqx.Module):
    """Everything the forward model needs that is not a fit parameter.

    Array fields are leaves (one may differentiate with respect to them, e.g.
    ``threshold`` in design studies); static fields fix the compiled program.
    Energies in MeV (see :mod:`cevnsjax.units`).
    """

    # recoil quadrature (shared by all isotopes) [MeV]
    recoil: jax.Array  # (n_T,)
    recoil_weights: jax.Array  # (n_T,)
    # per isotope
    isotope_prefactor: jax.Array  # (n_iso,) counts/(kg day MeV) per unit Q_W² and moment
    isotope_Z: jax.Array
    isotope_N: jax.Array
    isotope_mass: jax.Array  # [MeV]
    form_factor_sq: jax.Array  # (n_iso, n_T)
    flux_moments: jax.Array  # (n_iso, n_T, 3): ∫ s(E) E^-k dE [per fission, MeV^-k]
    lindhard_epsilon: jax.Array  # (n_T,)
    # electron channel (empty arrays when the channel is off)
    electron_recoil: jax.Array  # (n_Te,) [MeV]
    electron_weights: jax.Array
    electron_moments: jax.Array  # (n_Te, 3): ∫ s(E) E^-k dE from E_min,e(T)
    electron_number: jax.Array  # (n_Te,) electrons per atom with binding below T
    electron_prefactor: jax.Array  # counts/(kg day MeV) per unit bracket (G_F² m_e/2π folded)
    # detectors
    exposure: jax.Array  # (n_det,) [kg day]
    threshold: jax.Array  # (n_det,) [MeV]
    bin_lo: jax.Array  # (n_det, n_bins) [MeV]
    bin_hi: jax.Array
    bin_mask: jax.Array  # (n_det, n_bins) 1 for real bins, 0 for padding
    eff_e50: jax.Array  # (n_det,) [MeV]
    eff_width: jax.Array
    sigma0: jax.Array
    pair_energy: jax.Array  # [MeV]
    # static
    name: str = eqx.field(static=True)
    detector_names: tuple[str, ...] = eqx.field(static=True)
    couplings: str = eqx.field(static=True)
    form_factor: str = eqx.field(static=True)
    vector_mediator: str = eqx.field(static=True)
    channels: tuple[str, ...] = eqx.field(static=True)
    flux_normalisation: str = eqx.field(static=True)
    response_nodes: int = eqx.field(static=True)
    response_window: float = eqx.field(static=True)
    nominal_parameters: tuple[tuple[str, float], ...] = eqx.field(static=True)

    @property
    def n_detectors(self) -> int:
        return len(self.detector_names)

    def nominal(self) -> dict[str, float]:
        """The experiment's nominal parameter values (registry defaults elsewhere)."""
        return dict(self.nominal_parameters)


def _recoil_range(target: Target, spec: dict) -> tuple[float, float]:
    """[T_lo, T_hi] [MeV] of the recoil grid.

    T_hi: the largest T_max(E_max) over isotopes. T_lo: the recoil whose
    ionisation energy at the largest allowed k lies 7 resolution widths (at the
    largest allowed res_scale) below the lowest threshold, floored at 1 eVee;
    recoils below it cannot reach any threshold within the response window.
    """
    e_max = spec["source"]["e_max_MeV"]
    t_hi = max(float(max_recoil(e_max, iso.nuclear_mass)) for iso in target.isotopes)
    window = spec["numerics"]["response_window_sigma"]
    floors = []
    for det in spec["detectors"]:
        thr = det["threshold_eVee"] * units.eV
        sig = float(resolution_sigma(thr, _RES_SCALE_MAX * det["resolution"]["sigma0_eVee"] * units.eV,
                                     PARAMETERS["fano"].upper, target.pair_energy_eV * units.eV))
        floors.append(thr - window * sig)
    e_floor = max(min(floors), 1.0 * units.eV)
    lo, hi = math.log(1e-9), math.log(t_hi)  # bisection in ln T on the monotone E_ee(T)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if float(ionisation_energy(math.exp(mid), target.Z, _K_MAX)) < e_floor:
            lo = mid
        else:
            hi = mid
    return math.exp(lo), t_hi


def _electron_grid(target: Target, spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss–Legendre rule for electron recoils T_e [MeV]: panels of
    ``electron_panel_eV`` between the lowest energy that can reach a threshold
    and the highest that can reach an ROI end (resolution windows at the
    largest allowed res_scale and fano), split at every shell binding energy
    (where the stepping approximation jumps)."""
    numerics = spec["numerics"]
    window = numerics["response_window_sigma"]

    def sigma_max(e, det):
        return float(resolution_sigma(e, _RES_SCALE_MAX * det["resolution"]["sigma0_eVee"] * units.eV,
                                      PARAMETERS["fano"].upper, target.pair_energy_eV * units.eV))

    dets = spec["detectors"]
    lo = max(1.0 * units.eV, min(d["threshold_eVee"] * units.eV - window * sigma_max(d["threshold_eVee"] * units.eV, d) for d in dets))
    hi = max(d["roi_max_eVee"] * units.eV + window * sigma_max(d["roi_max_eVee"] * units.eV, d) for d in dets)
    step = numerics["electron_panel_eV"] * units.eV
    edges = set(np.arange(lo, hi, step).tolist()) | {hi} | {b for b, _ in target.shells if lo < b < hi}
    edges = np.array(sorted(edges))
    edges = edges[np.concatenate([[True], np.diff(edges) > 1e-3 * units.eV])]
    nodes, weights = map_nodes(jnp.asarray(edges[:-1]), jnp.asarray(edges[1:]), numerics["electron_panel_nodes"])
    return np.asarray(nodes).ravel(), np.asarray(weights).ravel()


def _flux_moments(recoil: np.ndarray, mass: float, source: dict, order: int) -> np.ndarray:
    """∫_{E_min(T)}^{E_max} s(E) E^{-k} dE for k = 0, 1, 2 on the recoil grid,
    piecewise Gauss–Legendre between the spectrum's break points."""
    fractions = jnp.asarray(source["fission_fractions"])  # FISSION_ISOTOPES order
    e_min = min_neutrino_energy(jnp.asarray(recoil), mass)
    breaks = [0.0, flux_mod.Q_BETA_NP239, flux_mod.Q_BETA_U239, flux_mod.E_SPLIT, source["e_max_MeV"]]
    out = jnp.zeros((recoil.size, 3))
    for a, b in zip(breaks[:-1], breaks[1:]):
        e, w = map_nodes(jnp.clip(e_min, a, b), b, order)
        s = flux_mod.reactor_spectrum(e, fractions, source["captures_per_fission"])
        out = out + jnp.stack([jnp.sum(w * s / e**k, axis=-1) for k in range(3)], axis=-1)
    return np.asarray(out)


def build_experiment(spec: dict, *, flux_normalisation: str | None = None) -> Experiment:
    """Build the :class:`Experiment` pytree from a validated spec (float64 precompute)."""
    with jax.enable_x64(True):
        fields_np, static = _build(spec, flux_normalisation)
    # leaves take the session's default float dtype (float64 only where the
    # caller enabled it); the precompute itself always ran in float64
    dtype = jnp.zeros(()).dtype
    return Experiment(**{k: jnp.asarray(v, dtype=dtype) for k, v in fields_np.items()}, **static)


def _build(spec: dict, flux_normalisation: str | None) -> tuple[dict, dict]:
    target = load_target(spec["target"])
    source = dict(spec["source"])
    if flux_normalisation is not None:
        if flux_normalisation not in ("total_flux", "thermal_power"):
            raise ExperimentError(f"flux_normalisation: unknown {flux_normalisation!r}; allowed: 'total_flux', 'thermal_power'")
        if flux_normalisation == "total_flux" and "total_flux_cm2_s" not in source:
            raise ExperimentError("field source.total_flux_cm2_s: required for flux_normalisation='total_flux'")
        source["normalisation"] = flux_normalisation
    table = flux_mod.ENERGY_PER_FISSION_MA2013 if source["energy_per_fission"] == "ma2013" else flux_mod.ENERGY_PER_FISSION_KOPEIKIN2004
    source["energy_per_fission_MeV"] = [table[i] for i in flux_mod.FISSION_ISOTOPES]
    source["fission_fractions"] = spec["source"]["fission_fractions"]
    flux_source = {**source, "fission_fractions": [source["fission_fractions"][i] for i in flux_mod.FISSION_ISOTOPES]}
    flux_scale = flux_mod.flux_scale(flux_source)  # cm^-2 s^-1 per (ν̄/fission)

    numerics = spec["numerics"]
    t_lo, t_hi = _recoil_range(target, spec)
    recoil, recoil_w = log_nodes(t_lo, t_hi, numerics["recoil_nodes"])
    recoil_np = np.asarray(recoil)

    atoms = target.atoms_per_kg
    pref, ff2, moments = [], [], []
    for iso in target.isotopes:
        m = iso.nuclear_mass
        # counts / (kg day MeV) = atoms/kg · s/day · φ-scale · (G_F² M/π)(ħc)²  [float64 fold]
        pref.append(atoms * iso.abundance * units.SECONDS_PER_DAY * flux_scale
                    * units.G_FERMI**2 * m / math.pi * units.HBARC_MEV_CM**2)
        q = momentum_transfer(recoil, m)
        ff2.append(np.asarray(form_factor(spec["physics"]["form_factor"], q, iso.A)) ** 2)
        moments.append(_flux_moments(recoil_np, m, flux_source, numerics["flux_nodes"]))

    dets = spec["detectors"]
    n_bins = max(len(d["bin_edges_eVee"]) - 1 for d in dets)
    lo = np.zeros((len(dets), n_bins))
    hi = np.zeros((len(dets), n_bins))
    mask = np.zeros((len(dets), n_bins))
    for i, d in enumerate(dets):
        edges = np.asarray(d["bin_edges_eVee"]) * units.eV
        k = edges.size - 1
        lo[i, :k], hi[i, :k], mask[i, :k] = edges[:-1], edges[1:], 1.0
        lo[i, k:] = hi[i, k:] = edges[-1]  # empty padding bins

    def arr(x):
        return np.asarray(x, dtype=np.float64)

    if "electron" in spec["physics"]["channels"]:
        if not target.shells:
            raise ExperimentError(f"field physics.channels: the electron channel needs electron_shells_keV in target {target.name!r}")
        e_rec, e_w = _electron_grid(target, spec)
        e_mom = _flux_moments(e_rec, units.M_ELECTRON, flux_source, numerics["flux_nodes"])
        e_num = np.asarray(stepping_electron_number(e_rec, target.shells))
        e_pref = (atoms * units.SECONDS_PER_DAY * flux_scale * units.G_FERMI**2 * units.M_ELECTRON
                  / (2.0 * math.pi) * units.HBARC_MEV_CM**2)
    else:
        e_rec = e_w = e_num = np.zeros(0)
        e_mom = np.zeros((0, 3))
        e_pref = 0.0

    nominal = {"fano": target.fano, **spec.get("nominal_parameters", {})}
    fields_np = dict(
        recoil=arr(recoil), recoil_weights=arr(recoil_w),
        isotope_prefactor=arr(pref),
        isotope_Z=arr([iso.Z for iso in target.isotopes]),
        isotope_N=arr([iso.N for iso in target.isotopes]),
        isotope_mass=arr([iso.nuclear_mass for iso in target.isotopes]),
        form_factor_sq=arr(ff2), flux_moments=arr(moments),
        lindhard_epsilon=arr(11.5 * target.Z ** (-7.0 / 3.0) * recoil_np / units.keV),
        electron_recoil=arr(e_rec), electron_weights=arr(e_w), electron_moments=arr(e_mom),
        electron_number=arr(e_num), electron_prefactor=arr(e_pref),
        exposure=arr([d["exposure_kg_day"] for d in dets]),
        threshold=arr([d["threshold_eVee"] * units.eV for d in dets]),
        bin_lo=arr(lo), bin_hi=arr(hi), bin_mask=arr(mask),
        eff_e50=arr([d["trigger_efficiency"]["e50_eVee"] * units.eV for d in dets]),
        eff_width=arr([d["trigger_efficiency"]["width_eVee"] * units.eV for d in dets]),
        sigma0=arr([d["resolution"]["sigma0_eVee"] * units.eV for d in dets]),
        pair_energy=arr(target.pair_energy_eV * units.eV),
    )
    static = dict(
        name=spec["name"],
        detector_names=tuple(d["name"] for d in dets),
        couplings=spec["physics"]["couplings"],
        form_factor=spec["physics"]["form_factor"],
        vector_mediator=spec["physics"]["vector_mediator"],
        channels=tuple(spec["physics"]["channels"]),
        flux_normalisation=source["normalisation"],
        response_nodes=int(numerics["response_nodes"]),
        response_window=float(numerics["response_window_sigma"]),
        nominal_parameters=tuple(sorted(nominal.items())),
    )
    return fields_np, static


def load_experiment(name_or_path: str | Path = "conus-plus", *, flux_normalisation: str | None = None,
                    numerics: dict | None = None, physics: dict | None = None) -> Experiment:
    """Read, validate and build an experiment.

    ``flux_normalisation`` overrides the file's choice ('total_flux' or
    'thermal_power'); ``numerics`` and ``physics`` override entries of those
    blocks (validated like the file's), e.g. ``physics={"vector_mediator": "b-l"}``.
    """
    spec = read_experiment_spec(name_or_path)
    if numerics or physics:
        raw = {**_read_json(resolve_experiment_path(name_or_path), "experiment file")}
        for block, override in (("numerics", numerics), ("physics", physics)):
            if override:
                raw[block] = {**raw.get(block, {}), **override}
        spec = validate_experiment_spec(raw, origin=f"{name_or_path} (with overrides)")
    return build_experiment(spec, flux_normalisation=flux_normalisation)
