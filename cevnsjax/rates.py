"""Expected event rates: the forward model's API verbs.

    counts[d, b] = exposure_d · Σ_T w_T · dR/dT(T) · P_{d,b}(E_ee(T))

* ``dR/dT`` [counts kg⁻¹ day⁻¹ MeV⁻¹] — :func:`recoil_spectrum`: the flux-
  averaged CEvNS cross section summed over isotopes,
  ``flux_norm · Σ_iso c_iso F²_iso(T) {Q_W,iso² [I0 − T I1 − (M_iso T / 2) I2]
  + r_iso μν² [I0/T − I1 + (T/4) I2] + S_iso(T) I2}``: the coherent weak
  charge Q_W(T) with diagonal NSI, a light vector mediator and a millicharge
  (T-dependent through q² = 2MT), off-diagonal NSI added to Q_W² incoherently,
  the magnetic moment and the light scalar (both incoherent); see
  :mod:`cevnsjax.cross_section` for each term's convention,
  where ``I_k(T) = ∫_{E_min(T)}^{E_max} s(E) E^{-k} dE`` are precomputed flux
  moments and ``c_iso`` folds all dimensional constants (see :mod:`units`).
* ``E_ee(T) = Y(T; quench_k) · T`` — Lindhard quenching.
* ``P_{d,b}`` — detector response (trigger efficiency × Gaussian resolution
  integrated over reconstructed-energy bin b), :func:`cevnsjax.detector.bin_response`.

Experiments whose detectors use the detector family (quenching and response
blocks, schema_version 2) go through :func:`family_response` instead: each
detector's quenching model and response (ideal, gaussian, photoelectron), with
the parameters mapped onto :class:`cevnsjax.detector.Nuisances`.

All functions take ``(params, experiment)``; they are pure, jit-compiled at
the API verbs, and vmap over a leading batch axis of ``params``::

    jax.vmap(total_counts, in_axes=(0, None))(batch, experiment)
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from . import units
from .detector import bin_response, resolution_sigma
from .experiment import Experiment
from .interactions import (
    LEPTON_FLAVOUR,
    SCALAR_CHARGE_N,
    SCALAR_CHARGE_Z,
    charge_radius_shift,
    electron_couplings,
    magnetic_to_weak_ratio,
    millicharge_shift,
    scalar_to_weak_ratio,
    vector_mediator_charge,
    vector_mediator_shift,
    weak_couplings,
)
from .parameters import PARAMETERS, Params
from .quenching import lindhard_yield_from_epsilon
from .targets import form_factor_from_rms, momentum_transfer

#: Flavour-diagonal NSI parameter names per lepton flavour (τ has none yet).
_DIAGONAL_NSI = {"e": ("eps_ee_uV", "eps_ee_dV"), "mu": ("eps_mumu_uV", "eps_mumu_dV")}
#: Off-diagonal NSI that a neutrino of each lepton flavour feels (incoherently).
_OFF_DIAGONAL_NSI = {
    "e": (("eps_emu_uV", "eps_emu_dV"), ("eps_etau_uV", "eps_etau_dV")),
    "mu": (("eps_emu_uV", "eps_emu_dV"),),
    "tau": (("eps_etau_uV", "eps_etau_dV"),),
}
_CHARGE_RADIUS = {"e": "r2_nue", "mu": "r2_numu", "tau": "r2_nutau"}


def neutron_form_factor(params: Params, experiment: Experiment):
    """F_n(q(T)) per isotope at the recoil nodes, (n_iso, n_T): the experiment's
    form-factor family at each isotope's default radius shifted by
    ``rn_<element> − default`` (equal to the proton form factor by default)."""
    ex = experiment
    shift = jnp.stack(
        [
            getattr(params, f"rn_{el}") - PARAMETERS[f"rn_{el}"].default if f"rn_{el}" in PARAMETERS else jnp.zeros(())
            for el in ex.isotope_elements
        ]
    )
    rms = ex.neutron_rms_default + shift
    q = momentum_transfer(ex.recoil[None, :], ex.isotope_mass[:, None])
    return form_factor_from_rms(ex.form_factor, q, rms[:, None], ex.form_factor_x_max)


def recoil_spectrum_by_isotope(params: Params, experiment: Experiment):
    """dR/dT per isotope at the recoil nodes [counts kg⁻¹ day⁻¹ MeV⁻¹], (n_iso, n_T),
    summed over the source's neutrino flavours."""
    ex = experiment
    Z, N = ex.isotope_Z[:, None], ex.isotope_N[:, None]
    t = ex.recoil
    m = ex.isotope_mass[:, None]
    q2 = 2.0 * m * t  # (n_iso, n_T) [MeV²]
    fp = ex.proton_form_factor
    fn = neutron_form_factor(params, ex)
    zf, nf = Z * fp, N * fn  # form-factor-weighted proton and neutron numbers
    # flavour-independent pieces of the coherent weak charge (they scale with F_p, F_n)
    mediator = vector_mediator_shift(1.0, params.g_zp, params.m_zp, q2) * (
        vector_mediator_charge(ex.vector_mediator, zf, nf)
    )
    millicharge = millicharge_shift(zf, params.q_nu, q2)
    mm = magnetic_to_weak_ratio(ex.isotope_mass, ex.isotope_Z)[:, None] * params.mu_nu**2 * fp**2
    scalar_charge_q = SCALAR_CHARGE_Z * zf + SCALAR_CHARGE_N * nf
    scalar = scalar_to_weak_ratio(m, scalar_charge_q, params.g_phi, params.m_phi, t)
    total = 0.0
    for f, flavour in enumerate(ex.flavours):
        lep = LEPTON_FLAVOUR[flavour]
        gp, gn = weak_couplings(params.sin2_theta_w, ex.couplings, flavour)
        gp = gp + charge_radius_shift(getattr(params, _CHARGE_RADIUS[lep]))
        eps_u, eps_d = (getattr(params, n) for n in _DIAGONAL_NSI[lep]) if lep in _DIAGONAL_NSI else (0.0, 0.0)
        qw = zf * (gp + 2.0 * eps_u + eps_d) + nf * (gn + eps_u + 2.0 * eps_d) + mediator + millicharge
        incoherent = sum(
            (
                zf * (2.0 * getattr(params, u) + getattr(params, d))
                + nf * (getattr(params, u) + 2.0 * getattr(params, d))
            )
            ** 2
            for u, d in _OFF_DIAGONAL_NSI[lep]
        )
        mom = ex.flux_moments[f]
        i0, i1, i2 = mom[..., 0], mom[..., 1], mom[..., 2]
        weak = i0 - t * i1 - 0.5 * m * t * i2  # (n_iso, n_T)
        magnetic = i0 / t - i1 + 0.25 * t * i2
        total = total + (qw**2 + incoherent) * weak + mm * magnetic + scalar * i2
    return params.flux_norm * ex.isotope_prefactor[:, None] * total


def recoil_spectrum(params: Params, experiment: Experiment):
    """dR/dT at the experiment's recoil nodes [counts kg⁻¹ day⁻¹ MeV⁻¹], summed over
    isotopes and flavours, shape (n_T,)."""
    return jnp.sum(recoil_spectrum_by_isotope(params, experiment), axis=0)


def recoil_spectrum_by_element(params: Params, experiment: Experiment):
    """dR/dT per element of the target (n_el, n_T): isotopes summed within each element."""
    return experiment.element_of_isotope @ recoil_spectrum_by_isotope(params, experiment)


def ionisation_spectrum_map(params: Params, experiment: Experiment):
    """True ionisation energy E_ee [MeV] of each recoil node per element, (n_el, n_T)."""
    return lindhard_yield_from_epsilon(experiment.lindhard_epsilon, params.quench_k) * experiment.recoil


def detector_response(params: Params, experiment: Experiment):
    """P_{d,e,b}(T): probability that a recoil of element e at each node lands in
    bin b of detector d after quenching, efficiency and resolution,
    (n_det, n_el, n_T, n_bins)."""
    if experiment.family:
        return family_response(params, experiment)
    mu = ionisation_spectrum_map(params, experiment)
    return jax.vmap(lambda m: response_at(params, experiment, m), out_axes=1)(mu)


def family_response(params: Params, experiment: Experiment):
    """:func:`detector_response` of detectors on the detector family (each with its
    own quenching and response; parameters mapped by ``FamilyDetector.nuisances``),
    bins padded to the longest detector, (n_det, n_el, n_T, n_bins)."""
    ex = experiment
    n_bins = ex.bin_lo.shape[1]
    rows = []
    for det in ex.family:  # static: one traced block per detector
        p = det.response_matrix(ex.recoil, params)
        rows.append(jnp.pad(p, ((0, 0), (0, 0), (0, n_bins - p.shape[-1]))))
    return jnp.stack(rows) * ex.bin_mask[:, None, None, :]


#: The response nuisances a stacked-detector table is built for (energy_scale
#: is exact in a table: it moves the argument E = μ · energy_scale).
TABLE_NUISANCES = ("res_scale", "fano", "eff_shift_eVee", "eff_width_scale")


def response_at(params: Params, experiment: Experiment, mu):
    """P_{d,b}(μ) for true ionisation energies ``mu`` (n,) [MeV]: (n_det, n, n_bins);
    the energy-scale nuisance multiplies μ. With a response table
    (:func:`tabulate_response`) it is interpolated from the table, else integrated."""
    ex = experiment
    mu = mu * params.energy_scale
    if ex.response_table is not None:
        table = ex.response_table
        return table(mu, jnp.stack([getattr(params, n) for n in table.names])) * ex.bin_mask[:, None, :]
    return _integrated_response(params, ex, mu)


def _integrated_response(params: Params, ex: Experiment, mu):
    sigma0 = ex.sigma0 * params.res_scale  # (n_det,)
    sigma = resolution_sigma(mu[None, :], sigma0[:, None], params.fano, ex.pair_energy)  # (n_det, n_T)
    e50 = ex.eff_e50 + params.eff_shift_eVee * units.eV
    width = ex.eff_width * params.eff_width_scale

    def one_detector(sig, lo, hi, e, w):
        return bin_response(mu, sig, lo, hi, e, w, ex.response_nodes, ex.response_window)

    response = jax.vmap(one_detector)(sigma, ex.bin_lo, ex.bin_hi, e50, width)
    return response * ex.bin_mask[:, None, :]


@jax.jit
def _tabulate(grid, h, at, p, ex):
    """P_{d,b}(E) on ``grid`` (spacing ``h``) with its slopes and its derivatives
    in the nuisances :data:`TABLE_NUISANCES` at ``at``; compiled once per
    experiment layout, not once per table."""
    ones = jnp.ones_like(grid)

    def response(e, nuis):
        q = p.replace(**dict(zip(TABLE_NUISANCES, nuis, strict=True)))
        return _integrated_response(q, ex, e)

    values, slopes = jax.jvp(lambda e: response(e, at), (grid,), (ones,))

    def direction(unit):  # ∂P/∂(nuisance) along ``unit`` and its slope in E
        return jax.jvp(lambda e: jax.jvp(lambda v: response(e, v), (at,), (unit,))[1], (grid,), (ones,))

    dirs, dir_slopes = jax.vmap(direction)(jnp.eye(at.shape[0], dtype=at.dtype))
    return values, slopes * h, dirs, dir_slopes * h


def tabulate_response(experiment: Experiment, params: Params | None = None, *, per_sigma: int = 24) -> Experiment:
    """The experiment with its stacked detectors' response tabulated at the
    response nuisances of ``params`` (nominal if None): P_{d,b}(E) and its
    derivatives in :data:`TABLE_NUISANCES` on a uniform grid of E = μ·energy_scale
    from 0 to beyond the last bin's resolution window, ``per_sigma`` points per
    smallest resolution width (at most 1 eV apart). Counts agree with the
    integrated response to ≤ 1e-6 relative and gradients to ≤ 1e-5 (tested);
    at other values of those nuisances the table returns NaN, so fits, scans and
    samplers that vary them use :func:`exact_response`. Experiments whose
    detectors use the detector family, or with the electron channel, are
    returned unchanged (their response is integrated)."""
    import numpy as np

    from .detector.table import StackedResponseTable
    from .parameters import make_params

    ex = exact_response(experiment)
    if ex.family:
        return ex
    p = (make_params(ex.nominal()) if params is None else params).replace(energy_scale=1.0)
    at = jnp.stack([jnp.asarray(getattr(p, n), dtype=ex.recoil.dtype) for n in TABLE_NUISANCES])
    sigma0 = np.asarray(ex.sigma0) * float(p.res_scale)
    fano, pair = float(p.fano), float(ex.pair_energy)
    top = float(np.max(np.asarray(ex.bin_hi) * np.asarray(ex.bin_mask)))
    e_top = top
    for _ in range(4):  # the last bin's upper edge plus the resolution window at E_top
        e_top = top + (ex.response_window + 1.0) * float(np.max(np.sqrt(sigma0**2 + fano * pair * e_top)))
    h = min(units.eV, float(np.min(sigma0)) / per_sigma)
    n_grid = int(np.ceil(e_top / h)) + 1
    grid = jnp.asarray(np.arange(n_grid) * h, dtype=ex.recoil.dtype)

    values, slopes, dirs, dir_slopes = _tabulate(grid, jnp.asarray(h, dtype=grid.dtype), at, p, ex)
    table = StackedResponseTable(
        jnp.asarray(0.0, dtype=grid.dtype),
        jnp.asarray(1.0 / h, dtype=grid.dtype),
        values,
        slopes,
        dirs,
        dir_slopes,
        at,
        TABLE_NUISANCES,
    )
    return eqx.tree_at(lambda e: e.response_table, ex, table, is_leaf=lambda x: x is None)


def exact_response(experiment: Experiment) -> Experiment:
    """The experiment with its response integrated at every evaluation (no table)."""
    if experiment.response_table is None:
        return experiment
    return eqx.tree_at(lambda e: e.response_table, experiment, None)


def tabulate_in(tree, params: Params | None = None):
    """``tree`` with every experiment in it tabulated (:func:`tabulate_response`)
    at the response nuisances of ``params``."""
    is_ex = lambda x: isinstance(x, Experiment)  # noqa: E731
    return jax.tree_util.tree_map(lambda x: tabulate_response(x, params) if is_ex(x) else x, tree, is_leaf=is_ex)


def exact_response_for(tree, names):
    """``tree`` (an analysis, objective or experiment) with every tabulated
    experiment in it replaced by its integrated form when ``names`` (the
    parameters a fit, scan or sampler varies) include a table nuisance
    (:data:`TABLE_NUISANCES`); otherwise ``tree`` itself."""
    if not set(names) & set(TABLE_NUISANCES):
        return tree
    is_ex = lambda x: isinstance(x, Experiment)  # noqa: E731
    return jax.tree_util.tree_map(lambda x: exact_response(x) if is_ex(x) else x, tree, is_leaf=is_ex)


def electron_spectrum(params: Params, experiment: Experiment):
    """dR/dT_e at the electron-recoil nodes [counts kg⁻¹ day⁻¹ MeV⁻¹], (n_Te,):
    ν̄e–e elastic scattering on the target's atomic electrons (stepping
    approximation), Standard Model with CC plus μν, q_ν, Z′ and φ on electrons
    (conventions in :mod:`cevnsjax.cross_section`)."""
    ex = experiment
    t = ex.electron_recoil
    me = units.M_ELECTRON
    i0, i1, i2 = ex.electron_moments[:, 0], ex.electron_moments[:, 1], ex.electron_moments[:, 2]
    gv, ga = electron_couplings(params.sin2_theta_w)
    q2 = 2.0 * me * t
    gv = gv + vector_mediator_shift(1.0, params.g_zp, params.m_zp, q2)
    # (1 − T/E)² = 1 − 2T/E + T²/E²
    sm = ((gv - ga) ** 2) * i0 + ((gv + ga) ** 2) * (i0 - 2.0 * t * i1 + t**2 * i2) - (gv**2 - ga**2) * me * t * i2
    em = 2.0 * jnp.pi**2 * units.ALPHA_EM**2 / (me**3 * units.G_FERMI**2)
    magnetic = em * params.mu_nu**2 * (i0 / t - i1)
    charge = 2.0 * em * me * params.q_nu**2 / t**2 * i0
    scalar = params.g_phi**4 * me * t / (2.0 * units.G_FERMI**2 * (q2 + params.m_phi**2) ** 2) * i2
    return params.flux_norm * ex.electron_prefactor * ex.electron_number * (sm + magnetic + charge + scalar)


def _fold(rate_per_node, response, exposure):
    return exposure[:, None] * jnp.einsum("t,dtb->db", rate_per_node, response)


def _fold_elements(rate_per_node, response, exposure):
    return exposure[:, None] * jnp.einsum("et,detb->db", rate_per_node, response)


@jax.jit
def expected_counts_by_channel(params: Params, experiment: Experiment) -> dict:
    """Expected counts per channel ('nuclear', 'electron'), each (n_det, n_bins)."""
    ex = experiment
    out = {}
    if "nuclear" in ex.channels:
        rate = recoil_spectrum_by_element(params, ex) * ex.recoil_weights  # counts/(kg day) per node
        out["nuclear"] = _fold_elements(rate, detector_response(params, ex), ex.exposure)
    if "electron" in ex.channels:
        rate = electron_spectrum(params, ex) * ex.electron_weights
        out["electron"] = _fold(rate, response_at(params, ex, ex.electron_recoil), ex.exposure)
    return out


@jax.jit
def expected_counts(params: Params, experiment: Experiment):
    """Expected signal counts (all of the experiment's channels) per detector
    and reconstructed-energy bin, (n_det, n_bins)."""
    return sum(expected_counts_by_channel(params, experiment).values())


@jax.jit
def detector_counts(params: Params, experiment: Experiment):
    """Expected CEvNS counts per detector (summed over bins), shape (n_det,)."""
    return jnp.sum(expected_counts(params, experiment), axis=-1)


@jax.jit
def total_counts(params: Params, experiment: Experiment):
    """Expected CEvNS counts summed over all detectors and bins (scalar)."""
    return jnp.sum(expected_counts(params, experiment))


@jax.jit
def mean_momentum_transfer(params: Params, experiment: Experiment):
    """Event-weighted mean momentum transfer ⟨q⟩ = ⟨√(2 M T)⟩ [MeV] of the
    detected events (abundance-weighted mean nuclear mass), the scale at which
    a CEvNS determination of sin²θW is quoted."""
    rate = recoil_spectrum_by_element(params, experiment) * experiment.recoil_weights
    weight = jnp.sum(rate * jnp.sum(detector_response(params, experiment), axis=(0, 3)), axis=0)
    mass = jnp.sum(experiment.isotope_prefactor * experiment.isotope_mass) / jnp.sum(experiment.isotope_prefactor)
    q = jnp.sqrt(2.0 * mass * experiment.recoil)
    return jnp.sum(weight * q) / jnp.sum(weight)
