"""Differentiable sensitivity and detector-design studies.

The expected (Asimov) sensitivity of a counting experiment as a function of
its design, differentiable in every design quantity, so that ``jax.grad``
gives how the sensitivity changes with threshold, exposure, background level,
quenching and resolution, and optax can optimise the design.

Counting model (a stated cost model, not an experiment's published one):

* signal ``S`` = expected CEvNS counts in [threshold, ROI end] per detector
  (the full forward model, efficiency and resolution included);
* background ``B = b(threshold) · exposure · (E_max − threshold)`` with a flat
  level plus a threshold-noise edge, ``b(thr) = b_flat + b_noise ·
  exp(−(thr − thr_ref)/λ)``: lowering the threshold buys signal and pays in noise;
* background-subtracted counting with an equally long reactor-OFF period:
  ``σ_stat² = S + 2B``; a relative normalisation systematic ``σ_sys``
  (default 2.4 %, the flux uncertainty of seed paper 000).

Asimov 1σ on sin²θW (Fisher / Δχ² = 1 of the Asimov χ²):
``σ(sin²θW) = sqrt(Σ_d σ_stat,d² + (σ_sys S)²) / |dS/d sin²θW|`` with the
detectors' counts added. Expected 90 % CL limit on μν (Δχ² = 2.71, background
only): ``μ = (2.71 · var)^{1/4} / sqrt(d²S/dμ² / 2)`` since the magnetic counts
grow as μ².
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

from . import units
from .experiment import Experiment
from .parameters import Params
from .rates import detector_counts


class Design(eqx.Module):
    """Design quantities per detector (arrays of shape (n_det,)) and the
    background level; all differentiable."""

    threshold_eVee: jax.Array
    exposure_kg_day: jax.Array
    sigma0_eVee: jax.Array
    background_flat: jax.Array  # counts / (kg day keVee)
    background_noise: jax.Array  # counts / (kg day keVee) at the reference threshold


class CostModel(eqx.Module):
    """The noise edge and systematic of the counting cost model."""

    threshold_ref_eVee: float = 160.0
    noise_decay_eVee: float = 20.0
    sigma_sys: float = 0.024
    delta_chi2_90: float = 2.705543454095412


def design_of(experiment: Experiment, background_flat: float = 10.0, background_noise: float = 20.0) -> Design:
    """The experiment's own design (its thresholds, exposures, resolutions)
    with the given background levels."""
    n = experiment.n_detectors
    return Design(
        experiment.threshold / units.eV,
        experiment.exposure,
        experiment.sigma0 / units.eV,
        jnp.full((n,), background_flat),
        jnp.full((n,), background_noise),
    )


def apply_design(experiment: Experiment, design: Design) -> Experiment:
    """The experiment with the design's thresholds (single ROI bin starting at
    the threshold; the trigger curve moves with it, keeping its offset),
    exposures and pulser resolutions."""
    thr = design.threshold_eVee * units.eV
    shift = thr - experiment.threshold
    return eqx.tree_at(
        lambda e: (e.threshold, e.bin_lo, e.eff_e50, e.exposure, e.sigma0),
        experiment,
        (
            thr,
            experiment.bin_lo.at[:, 0].set(thr),
            experiment.eff_e50 + shift,
            design.exposure_kg_day,
            design.sigma0_eVee * units.eV,
        ),
    )


def _background(experiment: Experiment, design: Design, cost: CostModel):
    width_kev = (experiment.bin_hi[:, -1] - design.threshold_eVee * units.eV) / units.keV
    level = design.background_flat + design.background_noise * jnp.exp(
        -(design.threshold_eVee - cost.threshold_ref_eVee) / cost.noise_decay_eVee
    )
    return level * design.exposure_kg_day * width_kev


def _variance(params: Params, experiment: Experiment, design: Design, cost: CostModel):
    ex = apply_design(experiment, design)
    signal = detector_counts(params, ex)
    background = _background(ex, design, cost)
    total = jnp.sum(signal)
    return jnp.sum(signal + 2.0 * background) + (cost.sigma_sys * total) ** 2


#: The default cost model (an immutable module, shared safely as a default argument).
DEFAULT_COST = CostModel()


@eqx.filter_jit
def sin2_sensitivity(params: Params, experiment: Experiment, design: Design, cost: CostModel = DEFAULT_COST):
    """Asimov 1σ uncertainty on sin²θW for ``design`` (differentiable)."""
    ex = apply_design(experiment, design)
    slope = jax.grad(lambda s: jnp.sum(detector_counts(params.replace(sin2_theta_w=s), ex)))(params.sin2_theta_w)
    return jnp.sqrt(_variance(params, experiment, design, cost)) / jnp.abs(slope)


@eqx.filter_jit
def mu_nu_expected_limit(params: Params, experiment: Experiment, design: Design, cost: CostModel = DEFAULT_COST):
    """Expected 90 % CL upper limit on μν [μB] (background-only Asimov, Δχ² = 2.71)."""
    ex = apply_design(experiment, design)

    def counts_vs_mu2(mu2):
        return jnp.sum(detector_counts(params.replace(mu_nu=jnp.sqrt(mu2)), ex))

    per_mu2 = jax.grad(counts_vs_mu2)(1e-22)  # counts are linear in μ²: exact slope
    var = _variance(params.replace(mu_nu=0.0), experiment, design, cost)
    return jnp.sqrt(jnp.sqrt(cost.delta_chi2_90 * var) / per_mu2)


class SplitDesign(eqx.Module):
    """Unconstrained coordinates of a design with fixed total exposure:
    thresholds and the softmax logits of the exposure split."""

    threshold_eVee: jax.Array
    split_logits: jax.Array


def optimise_design(
    params: Params,
    experiment: Experiment,
    start: Design,
    *,
    total_exposure: float,
    threshold_bounds=(100.0, 400.0),
    steps: int = 300,
    learning_rate: float = 2.0,
    cost: CostModel = DEFAULT_COST,
) -> dict:
    """Minimise the Asimov σ(sin²θW) over the per-detector thresholds and the
    split of a fixed total exposure with optax (Adam). Thresholds stay inside
    ``threshold_bounds`` through a sigmoid map; other design entries stay fixed."""
    lo, hi = threshold_bounds

    def to_design(z: SplitDesign) -> Design:
        thr = lo + (hi - lo) * jax.nn.sigmoid(z.threshold_eVee)
        exposure = total_exposure * jax.nn.softmax(z.split_logits)
        return eqx.tree_at(lambda d: (d.threshold_eVee, d.exposure_kg_day), start, (thr, exposure))

    frac = (start.threshold_eVee - lo) / (hi - lo)
    z0 = SplitDesign(jnp.log(frac) - jnp.log1p(-frac), jnp.log(start.exposure_kg_day / jnp.sum(start.exposure_kg_day)))

    def loss(z):
        return sin2_sensitivity(params, experiment, to_design(z), cost)

    opt = optax.adam(learning_rate * 1e-2)

    @jax.jit
    def step(z, state):
        value, grad = jax.value_and_grad(loss)(z)
        updates, state = opt.update(grad, state)
        return optax.apply_updates(z, updates), state, value

    z, state = z0, opt.init(z0)
    history = []
    for _ in range(steps):
        z, state, value = step(z, state)
        history.append(float(value))
    best = to_design(z)
    return {"design": best, "sigma_sin2": float(loss(z)), "start_sigma_sin2": float(loss(z0)), "history": history}
