"""Detectors of an experiment file, compiled onto the detector family.

A detector block is in one of two forms:

* **schema-1 form** — ``threshold_eVee``, ``roi_max_eVee`` (optional
  ``bin_edges_eVee``), an erf ``trigger_efficiency`` and a ``resolution``
  σ0 with the target's Fano term, Lindhard quenching with ``quench_k``. These
  experiments keep their stacked arrays and the original code path, so their
  numbers do not move.
* **family form** (``schema_version`` 2) — any block with ``quenching``,
  ``response``, ``bins`` or a threshold in keVee, keVnr or PE. ``quenching``
  is a block of :func:`cevnsjax.detector.build_quenching` (default
  ``{"type": "lindhard"}``); ``response`` is ``"ideal"`` or a block of
  :func:`cevnsjax.detector.build_response` (without one, the schema-1
  ``trigger_efficiency`` and ``resolution`` make a gaussian response).
  Bins are ``bins: {"unit", "edges"}`` or ``threshold_<u>`` with
  ``roi_max_<u>`` (one bin), u ∈ eVee, keVee, keVnr, PE.

The detector's observable follows from its quenching (``ee``, or ``nr`` for
``none``) and response (``PE``). Bins in keVnr for an ``ee`` detector are
mapped to keVee through the quenching at the experiment's nominal parameters
(a threshold quoted in nuclear-recoil energy); the response block's numbers are
then in keVee. Other mismatches are errors.

Parameters map onto :class:`cevnsjax.detector.Nuisances` in
:meth:`FamilyDetector.nuisances`: ``quench_k``, ``quench_scale``,
``light_yield_scale``, ``eff_width_scale``, ``res_scale``, ``fano`` and
``energy_scale`` one to one; ``eff_shift_eVee`` in eV of the observable
energy (converted to PE with the nominal light yield for PE bins).
"""

from __future__ import annotations

import itertools
import math

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .. import units
from ..detector import (
    BIN_UNITS,
    DetectorError,
    Nuisances,
    build_quenching,
    build_response,
    make_bins,
)
from ..detector.spec import _reject_non_finite
from ..parameters import PARAMETERS

UNITS = tuple(BIN_UNITS)  # eVee, keVee, keVnr, PE
THRESHOLD_FIELDS = tuple(f"threshold_{u}" for u in UNITS)
ROI_FIELDS = tuple(f"roi_max_{u}" for u in UNITS)
_FAMILY_KEYS = {"quenching", "response", "bins"} | set(THRESHOLD_FIELDS[1:]) | set(ROI_FIELDS[1:])
_LEGACY_KEYS = ("trigger_efficiency", "resolution")

#: Nuisances at the values of largest reach (largest quenched energy, widest
#: resolution, largest energy and light-yield scales): they fix the lower end
#: of the recoil grid so that every allowed parameter value is covered.
EXTREME = Nuisances(
    quench_k=PARAMETERS["quench_k"].upper,
    quench_scale=PARAMETERS["quench_scale"].upper,
    eff_shift=0.0,
    eff_width_scale=PARAMETERS["eff_width_scale"].upper,
    res_scale=PARAMETERS["res_scale"].upper,
    fano=PARAMETERS["fano"].upper,
    energy_scale=PARAMETERS["energy_scale"].upper,
    light_yield_scale=PARAMETERS["light_yield_scale"].upper,
)


class DetectorSpecError(ValueError):
    """Raised with the message of an experiment error (wrapped by the caller)."""


def is_family_form(det: dict) -> bool:
    """True for a detector block in the family form (see module doc)."""
    return any(key in det for key in _FAMILY_KEYS)


def _one_of(det: dict, fields, where: str, what: str):
    given = [f for f in fields if f in det]
    if len(given) > 1:
        raise DetectorSpecError(f"{where}.{given[1]}: give one {what}, not both {given[0]} and {given[1]}")
    return given[0] if given else None


def declared_bins(det: dict, where: str) -> dict:
    """The detector's bins as ``{"unit", "edges"}`` in the unit the file uses."""
    thr = _one_of(det, THRESHOLD_FIELDS, where, "threshold")
    roi = _one_of(det, ROI_FIELDS, where, "upper end (roi_max_*)")
    if "bins" in det:
        if thr or roi or "bin_edges_eVee" in det:
            raise DetectorSpecError(
                f"{where}.bins: give either bins or a threshold with roi_max, not both "
                f"(the first bin edge is the threshold)"
            )
        try:
            bins = make_bins(det["bins"], f"{where}.bins")
        except DetectorError as exc:
            raise DetectorSpecError(str(exc)) from None
        if bins.edges[0] <= 0:
            raise DetectorSpecError(f"{where}.bins.edges: the first edge (the threshold) must be > 0")
        return {"unit": bins.unit, "edges": [float(e) for e in bins.edges]}
    if thr is None:
        raise DetectorSpecError(
            f"{where}: give the bins, as bins: {{unit, edges}} or as threshold_<unit> with "
            f"roi_max_<unit> (units: {', '.join(UNITS)})"
        )
    unit = thr.removeprefix("threshold_")
    if roi is None or roi != f"roi_max_{unit}":
        raise DetectorSpecError(f"{where}.roi_max_{unit}: required with {thr} (same unit)")
    lo, hi = det[thr], det[roi]
    if not lo > 0:
        raise DetectorSpecError(f"{where}.{thr}: {lo:g} must be > 0")
    if not hi > lo:
        raise DetectorSpecError(f"{where}.{roi}: {hi:g} must be above {thr} = {lo:g}")
    edges = det.get("bin_edges_eVee") if unit == "eVee" else None
    if "bin_edges_eVee" in det and unit != "eVee":
        raise DetectorSpecError(
            f"{where}.bin_edges_eVee: goes with threshold_eVee; use bins: {{unit, edges}} for {unit}"
        )
    edges = list(edges) if edges is not None else [lo, hi]
    if any(b <= a for a, b in itertools.pairwise(edges)):
        raise DetectorSpecError(f"{where}.bin_edges_eVee: edges must be strictly increasing")
    if not (math.isclose(edges[0], lo) and math.isclose(edges[-1], hi)):
        raise DetectorSpecError(f"{where}.bin_edges_eVee: edges must run from {thr} to {roi}")
    return {"unit": unit, "edges": [float(e) for e in edges]}


def response_block(det: dict, where: str, pair_energy_eV: float | None, numerics: dict) -> dict:
    """The detector's response block: its own, ``"ideal"`` expanded, or the
    schema-1 ``trigger_efficiency`` and ``resolution`` as a gaussian block."""
    if "response" in det:
        for key in _LEGACY_KEYS:
            if key in det:
                raise DetectorSpecError(
                    f"{where}.{key}: with a response block, give the efficiency and resolution inside it"
                )
        resp = det["response"]
        return {"type": "ideal"} if resp == "ideal" else resp
    missing = [k for k in _LEGACY_KEYS if k not in det]
    if missing:
        raise DetectorSpecError(
            f"{where}.{missing[0]}: required without a response block "
            f"(or give response: 'ideal' or a gaussian/photoelectron block)"
        )
    eff, res = det["trigger_efficiency"], det["resolution"]
    unit = declared_bins(det, where)["unit"]
    if BIN_UNITS[unit][1] != "ee":
        raise DetectorSpecError(
            f"{where}.trigger_efficiency: works on eVee or keVee bins, not {unit}; give a response block instead"
        )
    scale = units.eV / BIN_UNITS[unit][0]  # eVee -> bin unit
    resolution = {"type": "fano", "sigma0": res["sigma0_eVee"] * scale}
    if pair_energy_eV is not None:
        resolution["pair_energy_eV"] = pair_energy_eV
    return {
        "type": "gaussian",
        "efficiency": {"type": "erf", "e50": eff["e50_eVee"] * scale, "width": eff["width_eVee"] * scale},
        "resolution": resolution,
        "nodes": int(numerics["response_nodes"]),
        "window_sigma": float(numerics["response_window_sigma"]),
    }


def validate_family_detector(det: dict, where: str, version: int, numerics: dict, base_dir=None) -> None:
    """Check a family-form detector block; raise :class:`DetectorSpecError` naming the field."""
    try:
        _reject_non_finite(det, where)
    except DetectorError as exc:
        raise DetectorSpecError(str(exc)) from None
    if version < 2:
        field = next(k for k in det if k in _FAMILY_KEYS)
        raise DetectorSpecError(f"{where}.{field}: needs schema_version 2 (set it at the top of the file)")
    bins = declared_bins(det, where)
    try:
        quench = build_quenching(det.get("quenching", {"type": "lindhard"}), base_dir, f"{where}.quenching")
        build_response(response_block(det, where, None, numerics), bins, base_dir, f"{where}.response")
    except DetectorError as exc:
        raise DetectorSpecError(str(exc)) from None
    kind = BIN_UNITS[bins["unit"]][1]
    if kind == "ee" and quench.observable == "nr":
        raise DetectorSpecError(
            f"{where}: bins in {bins['unit']} need a quenching model, but quenching is 'none' "
            f"(the detector measures nuclear-recoil energy); give keVnr bins or a quenching block"
        )
    if kind == "PE" and quench.observable == "nr":
        raise DetectorSpecError(
            f"{where}.quenching: a photoelectron response needs electron-equivalent energies; "
            f"choose a quenching model other than 'none'"
        )


class FamilyDetector(eqx.Module):
    """One detector on the detector family: quenching, response and the
    elements it sees (atomic numbers, static)."""

    quenching: eqx.Module
    response: eqx.Module
    element_Z: tuple = eqx.field(static=True)
    observable: str = eqx.field(static=True)  # 'ee', 'nr' or 'PE'
    eff_shift_per_eV: float = eqx.field(static=True)  # internal efficiency unit per eV of eff_shift_eVee

    @property
    def n_bins(self) -> int:
        return int(self.response.lo.shape[0])

    def nuisances(self, params) -> Nuisances:
        """The physics parameters as the detector family's nuisances."""
        return Nuisances(
            quench_k=params.quench_k,
            quench_scale=params.quench_scale,
            eff_shift=params.eff_shift_eVee * self.eff_shift_per_eV,
            eff_width_scale=params.eff_width_scale,
            res_scale=params.res_scale,
            fano=params.fano,
            energy_scale=params.energy_scale,
            light_yield_scale=params.light_yield_scale,
        )

    def observed(self, recoil, nuis: Nuisances):
        """True observable energy [MeV ee or nr] of each element at each recoil, (n_el, n_T)."""
        return jnp.stack([self.quenching.quenched(recoil, Z, nuis) for Z in self.element_Z])

    def response_matrix(self, recoil, params):
        """P(bin | recoil of element e): (n_el, n_T, n_bins)."""
        nuis = self.nuisances(params)
        mu = self.observed(recoil, nuis)
        return self.response.bin_probability(mu.reshape(-1), nuis).reshape((*mu.shape, self.n_bins))


def _nominal_nuisances(nominal: dict) -> Nuisances:
    defaults = {
        name: nominal.get(name, PARAMETERS[name].default)
        for name in (
            "quench_k",
            "quench_scale",
            "eff_width_scale",
            "res_scale",
            "fano",
            "energy_scale",
            "light_yield_scale",
        )
    }
    return Nuisances(eff_shift=0.0, **defaults)


def invert_quenching(quenching, Z: int, energy: float, nuis: Nuisances, t_max: float) -> float:
    """Recoil T [MeV] whose quenched energy is ``energy`` [MeV] (bisection in
    ln T; the quenched energy rises with T). ``inf`` when even ``t_max`` stays below."""
    if float(quenching.quenched(jnp.asarray(t_max), Z, nuis)) < energy:
        return math.inf
    lo, hi = math.log(1e-12), math.log(t_max)
    for _ in range(120):
        mid = 0.5 * (lo + hi)
        if float(quenching.quenched(jnp.asarray(math.exp(mid)), Z, nuis)) < energy:
            lo = mid
        else:
            hi = mid
    return math.exp(hi)


def compile_detector(
    det: dict, where: str, elements, pair_energy_eV, nominal: dict, numerics: dict, base_dir=None
) -> tuple[FamilyDetector, np.ndarray, str]:
    """Build a :class:`FamilyDetector` (float64); returns it with its bin edges
    in the internal unit of its observable and that unit's name."""
    bins = declared_bins(det, where)
    block = response_block(det, where, pair_energy_eV, numerics)
    quench = build_quenching(det.get("quenching", {"type": "lindhard"}), base_dir, f"{where}.quenching")
    kind = BIN_UNITS[bins["unit"]][1]
    zs = tuple(int(el.Z) for el in elements)
    if kind == "nr" and quench.observable == "ee":  # keVnr edges -> keVee at nominal quenching
        z_dependent = type(quench).__name__ == "LindhardQuenching"
        if z_dependent and len(set(zs)) > 1:
            raise DetectorSpecError(
                f"{where}: bins in keVnr with Lindhard quenching on a compound are ambiguous "
                f"(each element quenches differently); give the bins in keVee"
            )
        nuis = _nominal_nuisances(nominal)
        edges = np.asarray(bins["edges"]) * units.keV
        bins = {
            "unit": "keVee",
            "edges": [float(quench.quenched(jnp.asarray(e), zs[0], nuis)) / units.keV for e in edges],
        }
        if any(b <= a for a, b in zip(bins["edges"][:-1], bins["edges"][1:], strict=False)):
            raise DetectorSpecError(
                f"{where}: the quenching is not increasing over the keVnr bins; give the bins in keVee"
            )
    response = build_response(block, bins, base_dir, f"{where}.response")
    observable = "PE" if block["type"] == "photoelectron" else quench.observable
    per_ev = units.eV * float(response.light_yield) if observable == "PE" else units.eV
    internal = np.asarray(bins["edges"]) * BIN_UNITS[bins["unit"]][0]
    return FamilyDetector(quench, response, zs, observable, per_ev), internal, bins["unit"]


def threshold_images(fd: FamilyDetector, nominal: dict, t_max: float) -> list[float]:
    """Recoils [MeV] whose observable equals the threshold (and, for responses
    with sharp edges, every edge) at the nominal parameters, per element."""
    nuis = _nominal_nuisances(nominal)
    edges = list(fd.response.sharp_edges()) or [float(fd.response.lo[0])]
    if fd.observable == "PE":
        edges = [e / (float(fd.response.light_yield) * float(nuis.light_yield_scale)) for e in edges]
    edges = [e / float(nuis.energy_scale) for e in edges]
    images = [invert_quenching(fd.quenching, z, e, nuis, t_max) for z in set(fd.element_Z) for e in edges]
    return [t for t in images if math.isfinite(t)]


def lowest_recoil(fd: FamilyDetector, t_max: float, floor: float) -> float:
    """The lowest recoil [MeV] that can reach the first bin for any allowed
    parameter value; ``inf`` if none below ``t_max`` can."""
    energy = max(float(fd.response.lowest_relevant_energy(EXTREME)), floor)
    return min(invert_quenching(fd.quenching, z, energy, EXTREME, t_max) for z in set(fd.element_Z))


def compile_family(spec: dict, target, t_max: float, base_dir=None) -> dict:
    """Compile every detector of a family-form experiment.

    Returns ``detectors`` (:class:`FamilyDetector` per detector), ``edges``
    (internal bin edges per detector), ``t_lo`` (lowest recoil any detector can
    see for any allowed parameter value, [MeV]) and ``breaks`` (threshold
    images, and every edge image of sharp responses, [MeV]) for the recoil grid.
    """
    nominal = {
        "fano": target.fano if target.fano is not None else PARAMETERS["fano"].default,
        **spec.get("nominal_parameters", {}),
    }
    detectors, edges, breaks, t_lo = [], [], [], math.inf
    for i, det in enumerate(spec["detectors"]):
        where = f"field detectors[{i}]"
        if not is_family_form(det) and target.pair_energy_eV is None:
            raise DetectorSpecError(
                f"{where}.resolution: target {target.name!r} has no material.pair_energy_eV, which "
                f"the Fano term needs; add it to the target file or give a response block"
            )
        fd, internal, unit = compile_detector(
            det, where, target.elements, target.pair_energy_eV, nominal, spec["numerics"], base_dir
        )
        low = lowest_recoil(fd, t_max, 1.0 * units.eV)
        if not math.isfinite(low):
            raise DetectorSpecError(
                f"{where}: the first bin edge ({internal[0] / BIN_UNITS[unit][0]:g} {unit}) is "
                f"above what the source's largest recoil ({t_max / units.keV:.4g} keVnr) can reach"
            )
        detectors.append(fd)
        edges.append(internal)
        breaks.extend(threshold_images(fd, nominal, t_max))
        t_lo = min(t_lo, low)
    return {"detectors": tuple(detectors), "edges": edges, "t_lo": t_lo, "breaks": breaks}


def detector_threshold(det: dict) -> tuple[float, str]:
    """``(value, unit)`` of a validated detector block's threshold (its first
    bin edge) as the file gives it, e.g. ``(160.0, "eVee")`` or ``(5.0, "keVnr")``."""
    bins = declared_bins(det, "detector")
    return float(bins["edges"][0]), bins["unit"]
