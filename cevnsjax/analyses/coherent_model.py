"""Forward model of the COHERENT analyses: stopped-pion CEvNS recoil spectra from
cevnsjax's own source, target and cross-section code, and the two detector folds.

Recoil spectra. :func:`recoil_experiment` builds an :class:`~cevnsjax.experiment.Experiment`
holding only what :func:`cevnsjax.rates.recoil_spectrum_by_element` needs (recoil
nodes, isotopes of the target from :func:`cevnsjax.targets.load_target`, the
``pion_dar`` source's flux moments per flavour, proton form factors and default
neutron radii); its detector fields are empty placeholders. The source is built
with ``beam_days = 1`` so that ``rate × mass [kg] × 1 day`` is the count over
the exposure. Two such experiments per data set split the flavours by arrival
time: prompt (ν_μ) and delayed (ν_e, ν̄_μ). Every physics parameter acts through
``recoil_spectrum_by_element``: sin²θW, NSI ε_ee and ε_μμ, charge radii
``r2_nue``/``r2_numu``, neutron radii ``rn_Cs``, ``rn_I``, ``rn_Ar``, ``flux_norm``.

CsI 2017 (release prescription, arXiv:1804.09459): PE = LY · QF · T, no smearing.
Counts per 1-PE bin are differences of the cumulative recoil count C(T) at the
bin edges mapped to T = PE / (LY · QF); C is tabulated on a uniform midpoint
grid and interpolated by cubic Hermite pieces, so the counts are continuously
differentiable in QF.

LAr 2020 (arXiv:2006.12659 §2.6–2.7): E_ee = (a + b T) T, Gaussian smearing
σ = 0.58 √E_ee [keVee], tabulated acceptance on 0.5-keVee reconstructed bins;
the response matrix is fixed (QF and resolution held at the release's values)
and precomputed in float64.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from scipy import special

from .. import units
from ..experiment import Experiment
from ..quadrature import log_nodes
from ..rates import recoil_spectrum_by_element
from ..targets import default_rms_radius, form_factor_from_rms, load_target, max_recoil, momentum_transfer
from ..targets.form_factors import min_neutrino_energy

PROMPT = ("nu_mu",)
DELAYED = ("nu_e", "nu_mu_bar")


def pion_dar_block(release: dict, pulse_sigma_ns: float | None = None) -> dict:
    """The ``pion_dar`` source block of a release.json (one beam day; see the module docstring)."""
    src = release["source"]
    block = {
        "type": "pion_dar",
        "nu_per_flavour_per_pot": src["nu_per_flavour_per_pot"]["value"],
        "protons_on_target": src["protons_on_target"]["value"],
        "beam_days": 1.0,
        "distance_m": src["distance_m"]["value"],
    }
    if pulse_sigma_ns is not None:
        block["timing"] = {"pulse_sigma_ns": float(pulse_sigma_ns)}
    return block


def recoil_experiment(
    name: str,
    target: str,
    source,
    flavours: tuple[str, ...],
    recoil: np.ndarray,
    weights: np.ndarray,
    *,
    form_factor: str = "helm",
    couplings: str = "tree",
) -> Experiment:
    """An :class:`Experiment` with the recoil model of ``flavours`` of ``source`` on
    ``target`` at the nodes ``recoil`` [MeV] (detector fields empty)."""
    tgt = load_target(target)
    isotopes = tgt.isotope_table()
    raw = np.stack(
        [
            np.stack(
                [
                    source.flux_moments(f, min_neutrino_energy(recoil, iso.nuclear_mass, xp=np), nodes=64)
                    for _, iso, _ in isotopes
                ]
            )
            for f in flavours
        ]
    )
    flux_unit = float(np.max(raw[..., 0])) or 1.0
    pref, ffp, rms = [], [], []
    for _, iso, atoms in isotopes:
        m = iso.nuclear_mass
        pref.append(atoms * units.SECONDS_PER_DAY * flux_unit * units.G_FERMI**2 * m / math.pi * units.HBARC_MEV_CM**2)
        r = default_rms_radius(form_factor, iso.A)
        rms.append(r)
        ffp.append(np.asarray(form_factor_from_rms(form_factor, momentum_transfer(recoil, m), r)))
    membership = np.array([[1.0 if el is e else 0.0 for e, _, _ in isotopes] for el in tgt.elements])
    z1, z2 = np.zeros(1), np.zeros((1, 1))
    fields = dict(
        recoil=recoil,
        recoil_weights=weights,
        isotope_prefactor=np.asarray(pref),
        isotope_Z=np.array([iso.Z for _, iso, _ in isotopes], float),
        isotope_N=np.array([iso.N for _, iso, _ in isotopes], float),
        isotope_mass=np.array([iso.nuclear_mass for _, iso, _ in isotopes]),
        proton_form_factor=np.asarray(ffp),
        neutron_rms_default=np.asarray(rms),
        flux_moments=raw / flux_unit,
        element_of_isotope=membership,
        lindhard_epsilon=np.zeros((len(tgt.elements), recoil.size)),
        electron_recoil=np.zeros(0),
        electron_weights=np.zeros(0),
        electron_moments=np.zeros((0, 3)),
        electron_number=np.zeros(0),
        electron_prefactor=np.zeros(()),
        exposure=z1,
        threshold=z1,
        bin_lo=z2,
        bin_hi=z2,
        bin_mask=z2,
        eff_e50=z1,
        eff_width=z1,
        sigma0=z1,
        pair_energy=np.zeros(()),
    )
    dtype = jax.dtypes.canonicalize_dtype(np.float64)
    return Experiment(
        **{k: jnp.asarray(v, dtype=dtype) for k, v in fields.items()},
        name=name,
        detector_names=("none",),
        flavours=tuple(flavours),
        isotope_elements=tuple(el.symbol for el, _, _ in isotopes),
        couplings=couplings,
        form_factor=form_factor,
        vector_mediator="universal",
        channels=("nuclear",),
        flux_normalisation="pion_dar",
        response_nodes=8,
        response_window=7.0,
        nominal_parameters=(),
        family=(),
    )


def max_target_recoil(target: str, e_max: float) -> float:
    """Largest recoil [MeV] over the target's isotopes for neutrino energy ``e_max`` [MeV]."""
    return max(float(max_recoil(e_max, iso.nuclear_mass)) for _, iso, _ in load_target(target).isotope_table())


def recoil_counts(params, groups, exposure_kg_day):
    """Counts per recoil node (n_groups, n_T) [events]: dR/dT · weight · exposure."""
    return jnp.stack(
        [jnp.sum(recoil_spectrum_by_element(params, ex), axis=0) * ex.recoil_weights * exposure_kg_day for ex in groups]
    )


# --- CsI 2017 ------------------------------------------------------------------------


def csi_recoil_grid(t_hi: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform midpoint rule on (0, t_hi] [MeV]: ``n`` nodes, equal weights."""
    h = t_hi / n
    return (np.arange(n) + 0.5) * h, np.full(n, h)


def csi_acceptance(pe, a, k, x0):
    """Release acceptance a / (1 + exp(−k (x − x0))) · H(x); H = 0 below 5 PE, ½ on [5, 6), 1 above."""
    h = jnp.where(pe < 5.0, 0.0, jnp.where(pe < 6.0, 0.5, 1.0))
    return a / (1.0 + jnp.exp(-k * (pe - x0))) * h


def csi_cumulative(node_counts, t_hi: float):
    """Cumulative recoil count C(T) and its slope dC/dT at the edges of the
    uniform grid of :func:`csi_recoil_grid`, shape (n_groups, 2, n + 1): the
    slope is the mean of the neighbouring midpoint densities."""
    n = node_counts.shape[-1]
    h = t_hi / n
    cdf = jnp.concatenate([jnp.zeros((*node_counts.shape[:-1], 1)), jnp.cumsum(node_counts, axis=-1)], axis=-1)
    dens = node_counts / h
    slope = jnp.concatenate([dens[..., :1], 0.5 * (dens[..., 1:] + dens[..., :-1]), dens[..., -1:]], axis=-1)
    return jnp.stack([cdf, slope], axis=-2)


def csi_pe_counts(cumulative, t_hi: float, pe_edges, pe_per_mev):
    """Counts per PE bin (n_groups, n_bins) for PE = pe_per_mev · T, from the
    output of :func:`csi_cumulative`.

    Between grid edges C(T) is the cubic Hermite interpolant of its values and
    slopes, so the bin counts are continuously differentiable in
    ``pe_per_mev`` (the quenching nuisance)."""
    cdf, slope = cumulative[..., 0, :], cumulative[..., 1, :]
    n = cdf.shape[-1] - 1
    h = t_hi / n
    u = jnp.clip(pe_edges / pe_per_mev / h, 0.0, float(n))
    i = jnp.clip(jnp.floor(u).astype(int), 0, n - 1)
    s = u - i
    h00, h10, h01, h11 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s, -2 * s**3 + 3 * s**2, s**3 - s**2
    c_at = h00 * cdf[..., i] + h10 * h * slope[..., i] + h01 * cdf[..., i + 1] + h11 * h * slope[..., i + 1]
    return jnp.diff(c_at, axis=-1)


# --- LAr 2020 ---------------------------------------------------------------------------


def lar_recoil_grid(t_lo: float, t_hi: float, breaks, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Legendre in ln T on [t_lo, t_hi] [MeV], panels split at ``breaks`` (24 nodes each at least)."""
    edges = sorted({t_lo, t_hi} | {b for b in breaks if t_lo < b < t_hi})
    logs = np.diff(np.log(edges))
    xs, ws = [], []
    for a, b, length in zip(edges[:-1], edges[1:], logs, strict=True):
        x, w = log_nodes(a, b, int(max(24, round(order * length / logs.sum()))))
        xs.append(np.asarray(x))
        ws.append(np.asarray(w))
    return np.concatenate(xs), np.concatenate(ws)


def lar_response(
    recoil_mev: np.ndarray,
    qf_a: float,
    qf_b: float,
    res_a: float,
    eff: np.ndarray,
    eff_edges: np.ndarray,
    energy_edges: np.ndarray,
) -> np.ndarray:
    """P(analysis energy bin | T) × acceptance, (n_bins, n_T), float64 numpy.

    E_ee = (a + b T) T [keVee, T in keVnr]; reconstructed energy ~ N(E_ee, a_res² E_ee);
    acceptance ``eff`` on the reconstructed bins ``eff_edges``, its last value above them."""
    t_kev = np.asarray(recoil_mev) / units.keV
    e_ee = (qf_a + qf_b * t_kev) * t_kev
    sigma = res_a * np.sqrt(np.maximum(e_ee, 1e-12))
    reco = np.unique(np.concatenate([eff_edges, energy_edges]))
    reco_eff = np.concatenate([eff, np.full(reco.size - 1 - eff.size, eff[-1])])
    cdf = special.ndtr((reco[:, None] - e_ee[None, :]) / sigma[None, :])
    per_reco = np.diff(cdf, axis=0) * reco_eff[:, None]
    centre = 0.5 * (reco[:-1] + reco[1:])
    which = np.digitize(centre, energy_edges) - 1
    out = np.zeros((energy_edges.size - 1, t_kev.size))
    for j in range(energy_edges.size - 1):
        out[j] = per_reco[which == j].sum(axis=0)
    return out
