"""Compile a validated experiment spec into the :class:`Experiment` pytree.

Everything that depends on no fit parameter is precomputed here in float64:
the recoil quadrature grid, the flux moments per neutrino flavour and isotope
``I_k^f(T) = ∫_{E_min(T)} φ_f(E) E^{-k} dE`` (k = 0, 1, 2), the proton form
factors, the default neutron radii, and the stacked detector arrays. The model
jit-compiles once per experiment structure (static fields).

Schema-1 files keep their original path: stacked eVee arrays (erf efficiency,
Gaussian/Fano resolution, Lindhard quenching) and the recoil grid of
:func:`_recoil_range`. Files with family-form detectors (:mod:`.detectors`)
compile every detector onto the detector family; their recoil grid starts at the
lowest recoil any detector can see for any allowed parameter value and has a
node boundary at each threshold's recoil image (every bin edge's, for sharp
responses), found by inverting the quenching at the nominal parameters.
"""

from __future__ import annotations

import math
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import units
from ..detector import DetectorError
from ..interactions import stepping_electron_number
from ..parameters import PARAMETERS
from ..sources import Source, SourceError, build_source
from ..targets import (
    TargetError,
    default_rms_radius,
    form_factor_from_rms,
    load_target,
    max_recoil,
    momentum_transfer,
)
from ..targets.form_factors import min_neutrino_energy
from .detectors import DetectorSpecError, compile_family, is_family_form
from .grids import _electron_grid, _form_factor_bound, _recoil_range, recoil_grid
from .spec import ExperimentError, _read_json, read_experiment_spec, resolve_experiment_path, validate_experiment_spec


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
    isotope_prefactor: jax.Array  # (n_iso,) counts/(kg day MeV) per unit Q_W² and unit flux moment
    isotope_Z: jax.Array
    isotope_N: jax.Array
    isotope_mass: jax.Array  # [MeV]
    proton_form_factor: jax.Array  # (n_iso, n_T) F_p(q(T))
    neutron_rms_default: jax.Array  # (n_iso,) [fm] the form-factor family's default radius of each isotope
    flux_moments: jax.Array  # (n_flav, n_iso, n_T, 3): ∫ φ_f(E) E^-k dE / flux_unit [MeV^-k]
    element_of_isotope: jax.Array  # (n_el, n_iso) 1 where isotope i belongs to element e
    lindhard_epsilon: jax.Array  # (n_el, n_T) reduced energy of each element at each node
    # electron channel (empty arrays when the channel is off)
    electron_recoil: jax.Array  # (n_Te,) [MeV]
    electron_weights: jax.Array
    electron_moments: jax.Array  # (n_Te, 3): ∫ φ(E) E^-k dE from E_min,e(T) / flux_unit
    electron_number: jax.Array  # (n_Te,) electrons per formula unit with binding below T
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
    # detectors on the detector family (family-form files; empty for schema-1
    # files, which use the stacked arrays above); their bins, thresholds are
    # in the internal unit of each detector's observable (MeV ee or nr, or PE)
    family: tuple
    # static
    name: str = eqx.field(static=True)
    detector_names: tuple[str, ...] = eqx.field(static=True)
    flavours: tuple[str, ...] = eqx.field(static=True)
    isotope_elements: tuple[str, ...] = eqx.field(static=True)  # element symbol of each isotope
    couplings: str = eqx.field(static=True)
    form_factor: str = eqx.field(static=True)
    vector_mediator: str = eqx.field(static=True)
    channels: tuple[str, ...] = eqx.field(static=True)
    flux_normalisation: str = eqx.field(static=True)
    response_nodes: int = eqx.field(static=True)
    response_window: float = eqx.field(static=True)
    nominal_parameters: tuple[tuple[str, float], ...] = eqx.field(static=True)
    # static bound on q·r of the neutron form factor over the recoil grid and
    # the allowed neutron radii: below 4 the form factor is summed as a series
    form_factor_x_max: float = eqx.field(static=True, default=math.inf)
    # P_{d,b}(E) tabulated for one setting of the response nuisances
    # (:func:`cevnsjax.rates.tabulate_response`); None: the exact response
    response_table: object = None

    @property
    def n_detectors(self) -> int:
        return len(self.detector_names)

    @property
    def elements(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.isotope_elements))

    def nominal(self) -> dict[str, float]:
        """The experiment's nominal parameter values (registry defaults elsewhere)."""
        return dict(self.nominal_parameters)


def _source(spec: dict, flux_normalisation: str | None, base_dir: Path | None, origin: str) -> Source:
    block = dict(spec["source"])
    if (
        flux_normalisation is not None
        and block.get("type") != "reactor"
        and flux_normalisation == block.get("normalisation")
    ):
        flux_normalisation = None  # the source's own choice, nothing to override
    if flux_normalisation is not None:
        if flux_normalisation not in ("total_flux", "thermal_power"):
            raise ExperimentError(
                f"flux_normalisation: unknown {flux_normalisation!r}; allowed: 'total_flux', 'thermal_power'"
            )
        if block.get("type") != "reactor":
            raise ExperimentError(
                f"flux_normalisation: applies to reactor sources only; {spec['name']!r} has a "
                f"{block.get('type')!r} source"
            )
        if flux_normalisation == "total_flux" and "total_flux_cm2_s" not in block:
            raise ExperimentError("field source.total_flux_cm2_s: required for flux_normalisation='total_flux'")
        if flux_normalisation == "thermal_power" and "thermal_power_GW" not in block:
            raise ExperimentError("field source.thermal_power_GW: required for flux_normalisation='thermal_power'")
        block["normalisation"] = flux_normalisation
    try:
        return build_source(block, base_dir, origin)
    except SourceError as exc:
        raise ExperimentError(str(exc)) from None


def build_experiment(spec: dict, *, flux_normalisation: str | None = None, base_dir: Path | None = None) -> Experiment:
    """Build the :class:`Experiment` pytree from a validated spec (float64 precompute)."""
    with jax.enable_x64(True):
        fields_np, static = _build(spec, flux_normalisation, base_dir)
    # leaves take the session's default float dtype (float64 only where the
    # caller enabled it); the precompute itself always ran in float64
    dtype = jax.dtypes.canonicalize_dtype(np.float64)
    family = fields_np.pop("family")
    family = jax.tree_util.tree_map(
        lambda x: jnp.asarray(x, dtype=dtype) if jnp.issubdtype(jnp.result_type(x), jnp.floating) else x, family
    )
    return Experiment(**{k: jnp.asarray(v, dtype=dtype) for k, v in fields_np.items()}, family=family, **static)


def _build(spec: dict, flux_normalisation: str | None, base_dir: Path | None) -> tuple[dict, dict]:
    origin = str(base_dir / f"{spec['name']}.json") if base_dir is not None else spec["name"]
    try:
        target = load_target(spec["target"], base_dir)
    except TargetError as exc:
        raise ExperimentError(f"field target: {exc}") from None
    source = _source(spec, flux_normalisation, base_dir, origin)
    numerics = spec["numerics"]
    physics = spec["physics"]

    isotopes = target.isotope_table()
    line_ends = [float(max_recoil(e, iso.nuclear_mass)) for _, e, _ in source.lines for _, iso, _ in isotopes]
    dets = spec["detectors"]
    if any(is_family_form(d) for d in dets):
        t_hi = max(float(max_recoil(source.e_max, iso.nuclear_mass)) for _, iso, _ in isotopes)
        try:
            family = compile_family(spec, target, t_hi, base_dir)
        except (DetectorSpecError, DetectorError) as exc:
            raise ExperimentError(f"{origin}: {exc}") from None
        if "electron" in physics["channels"]:
            raise ExperimentError(
                f"{origin}: field physics.channels: the electron channel needs schema-1 detectors "
                "(threshold_eVee, trigger_efficiency, resolution)"
            )
        recoil, recoil_w = recoil_grid(family["t_lo"], t_hi, numerics["recoil_nodes"], line_ends + family["breaks"])
        all_edges = family["edges"]
    else:
        family = {"detectors": ()}
        t_lo, t_hi = _recoil_range(target, spec, source.e_max)
        recoil, recoil_w = recoil_grid(t_lo, t_hi, numerics["recoil_nodes"], line_ends)
        all_edges = [np.asarray(d["bin_edges_eVee"]) * units.eV for d in dets]

    # flux moments per flavour and isotope, normalised by one flux unit so that
    # the stored numbers are O(1) (float32-safe); the unit goes into the prefactor
    raw = np.stack(
        [
            np.stack(
                [
                    source.flux_moments(
                        f, min_neutrino_energy(recoil, iso.nuclear_mass, xp=np), nodes=numerics["flux_nodes"]
                    )
                    for _, iso, _ in isotopes
                ]
            )
            for f in source.flavours
        ]
    )
    flux_unit = float(np.max(raw[..., 0])) or 1.0
    moments = raw / flux_unit

    pref, ffp, rms = [], [], []
    for _, iso, atoms in isotopes:
        m = iso.nuclear_mass
        # counts / (kg day MeV) = atoms/kg · s/day · flux unit · (G_F² M/π)(ħc)²  [float64 fold]
        pref.append(atoms * units.SECONDS_PER_DAY * flux_unit * units.G_FERMI**2 * m / math.pi * units.HBARC_MEV_CM**2)
        r = default_rms_radius(physics["form_factor"], iso.A)
        rms.append(r)
        ffp.append(form_factor_from_rms(physics["form_factor"], momentum_transfer(recoil, m, xp=np), r, xp=np))
    elements = target.elements
    membership = np.array([[1.0 if el is e else 0.0 for e, _, _ in isotopes] for el in elements])

    n_bins = max(len(e) - 1 for e in all_edges)
    lo = np.zeros((len(dets), n_bins))
    hi = np.zeros((len(dets), n_bins))
    mask = np.zeros((len(dets), n_bins))
    for i, edges in enumerate(all_edges):
        k = edges.size - 1
        lo[i, :k], hi[i, :k], mask[i, :k] = edges[:-1], edges[1:], 1.0
        lo[i, k:] = hi[i, k:] = edges[-1]  # empty padding bins

    if target.pair_energy_eV is None and not family["detectors"]:
        raise ExperimentError(
            f"field target: target {target.name!r} has no material.pair_energy_eV, which the Gaussian "
            "resolution's Fano term needs; add it to the target file"
        )

    if "electron" in physics["channels"]:
        if not target.shells:
            raise ExperimentError(
                "field physics.channels: the electron channel needs electron_shells_keV for every element of target "
                f"{target.name!r}"
            )
        if source.flavours != ("nu_e_bar",):
            raise ExperimentError("field physics.channels: the electron channel is modelled for ν̄e sources only")
        e_rec, e_w = _electron_grid(target, spec)
        e_mom = (
            source.flux_moments(
                "nu_e_bar", min_neutrino_energy(e_rec, units.M_ELECTRON, xp=np), nodes=numerics["flux_nodes"]
            )
            / flux_unit
        )
        e_num = np.asarray(stepping_electron_number(e_rec, target.shells))
        e_pref = (
            target.formula_units_per_kg
            * units.SECONDS_PER_DAY
            * flux_unit
            * units.G_FERMI**2
            * units.M_ELECTRON
            / (2.0 * math.pi)
            * units.HBARC_MEV_CM**2
        )
    else:
        e_rec = e_w = e_num = np.zeros(0)
        e_mom = np.zeros((0, 3))
        e_pref = 0.0

    def arr(x):
        return np.asarray(x, dtype=np.float64)

    fano = target.fano if target.fano is not None else PARAMETERS["fano"].default
    nominal = {"fano": fano, **spec.get("nominal_parameters", {})}
    fields_np = dict(
        recoil=arr(recoil),
        recoil_weights=arr(recoil_w),
        isotope_prefactor=arr(pref),
        isotope_Z=arr([iso.Z for _, iso, _ in isotopes]),
        isotope_N=arr([iso.N for _, iso, _ in isotopes]),
        isotope_mass=arr([iso.nuclear_mass for _, iso, _ in isotopes]),
        proton_form_factor=arr(ffp),
        neutron_rms_default=arr(rms),
        flux_moments=arr(moments),
        element_of_isotope=arr(membership),
        lindhard_epsilon=arr([11.5 * el.Z ** (-7.0 / 3.0) * recoil / units.keV for el in elements]),
        electron_recoil=arr(e_rec),
        electron_weights=arr(e_w),
        electron_moments=arr(e_mom),
        electron_number=arr(e_num),
        electron_prefactor=arr(e_pref),
        exposure=arr([d["exposure_kg_day"] for d in dets]),
        threshold=arr([e[0] for e in all_edges]),
        bin_lo=arr(lo),
        bin_hi=arr(hi),
        bin_mask=arr(mask),
        # schema-1 efficiency and resolution (0 for detectors with a response block)
        eff_e50=arr(
            [d["trigger_efficiency"]["e50_eVee"] * units.eV if "trigger_efficiency" in d else 0.0 for d in dets]
        ),
        eff_width=arr(
            [d["trigger_efficiency"]["width_eVee"] * units.eV if "trigger_efficiency" in d else 0.0 for d in dets]
        ),
        sigma0=arr([d["resolution"]["sigma0_eVee"] * units.eV if "resolution" in d else 0.0 for d in dets]),
        pair_energy=arr((target.pair_energy_eV or 0.0) * units.eV),
        family=family["detectors"],
    )
    static = dict(
        name=spec["name"],
        detector_names=tuple(d["name"] for d in dets),
        flavours=tuple(source.flavours),
        isotope_elements=tuple(el.symbol for el, _, _ in isotopes),
        couplings=physics["couplings"],
        form_factor=physics["form_factor"],
        vector_mediator=physics["vector_mediator"],
        channels=tuple(physics["channels"]),
        flux_normalisation=str(source.info.get("normalisation", source.type)),
        response_nodes=int(numerics["response_nodes"]),
        response_window=float(numerics["response_window_sigma"]),
        form_factor_x_max=_form_factor_bound(recoil, isotopes, rms),
        nominal_parameters=tuple(sorted(nominal.items())),
    )
    return fields_np, static


def load_experiment(
    name_or_path: str | Path = "conus-plus",
    *,
    flux_normalisation: str | None = None,
    numerics: dict | None = None,
    physics: dict | None = None,
) -> Experiment:
    """Read, validate and build an experiment.

    ``flux_normalisation`` overrides the file's choice ('total_flux' or
    'thermal_power'); ``numerics`` and ``physics`` override entries of those
    blocks (validated like the file's), e.g. ``physics={"vector_mediator": "b-l"}``.
    """
    path = resolve_experiment_path(name_or_path)
    spec = read_experiment_spec(path)
    if numerics or physics:
        raw = {**_read_json(path, "experiment file")}
        for block, override in (("numerics", numerics), ("physics", physics)):
            if override:
                raw[block] = {**raw.get(block, {}), **override}
        spec = validate_experiment_spec(raw, origin=f"{name_or_path} (with overrides)", base_dir=path.parent)
    return build_experiment(spec, flux_normalisation=flux_normalisation, base_dir=path.parent)
