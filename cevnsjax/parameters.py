"""Physics parameters: one registry of names, units, defaults and allowed ranges,
and the :class:`Params` pytree that every model function takes first.

The registry :data:`PARAMETERS` is the single place where a parameter's allowed
range is defined; validation, fits and priors read it from here.

Efficiency and resolution parameters act on all detectors of an experiment
relative to each detector's nominal values in its data file:
``E50 = E50_det + eff_shift_eVee``, ``σ_ε = σ_ε,det · eff_width_scale``,
``σ0 = σ0_det · res_scale``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from . import units
from .datafiles import data_root, read_json_file
from .targets.form_factors import default_rms_radius

#: Elements with a neutron-radius parameter ``rn_<symbol>`` [fm]. Its default is
#: the abundance-weighted Helm rms radius of the element's isotopes (Lewin & Smith
#: 1996; abundances from data/elements/<symbol>.json), so that by default the
#: neutron and proton distributions coincide.
NEUTRON_RADIUS_ELEMENTS = ("Ge", "Si", "Na", "Ar", "I", "Xe", "Cs")


def _default_neutron_radius(symbol: str) -> float:
    isotopes = read_json_file(data_root() / "elements" / f"{symbol}.json", "element file")["isotopes"]
    return sum(i["abundance"] * default_rms_radius("helm", i["A"]) for i in isotopes) / sum(
        i["abundance"] for i in isotopes
    )


_DEFAULT_NEUTRON_RADII = {symbol: _default_neutron_radius(symbol) for symbol in NEUTRON_RADIUS_ELEMENTS}


@dataclass(frozen=True)
class ParameterSpec:
    """Name, unit, default and allowed range of one physics parameter.

    ``lower_open``/``upper_open`` mark excluded end points (e.g. k > 0).
    """

    name: str
    default: float
    lower: float
    upper: float
    unit: str
    description: str
    lower_open: bool = False
    upper_open: bool = False

    def contains(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        above = value > self.lower if self.lower_open else value >= self.lower
        below = value < self.upper if self.upper_open else value <= self.upper
        return above and below

    @property
    def range_text(self) -> str:
        lo = "(" if self.lower_open else "["
        hi = ")" if self.upper_open else "]"
        return f"{lo}{self.lower:g}, {self.upper:g}{hi}"


PARAMETERS: dict[str, ParameterSpec] = {
    spec.name: spec
    for spec in (
        ParameterSpec(
            "sin2_theta_w",
            units.SIN2_THETA_W_LOW_ENERGY,
            0.0,
            1.0,
            "",
            "weak mixing angle sin²θW (low-energy MS-bar default 0.23857)",
        ),
        ParameterSpec(
            "quench_k",
            0.162,
            0.0,
            0.4,
            "",
            "Lindhard k (CONUS: 0.162 ± 0.004, arXiv:2202.03754)",
            lower_open=True,
        ),
        ParameterSpec(
            "flux_norm",
            1.0,
            0.0,
            10.0,
            "",
            "multiplier on the experiment's antineutrino flux",
            lower_open=True,
        ),
        ParameterSpec(
            "eff_shift_eVee",
            0.0,
            -100.0,
            100.0,
            "eVee",
            "shift of every detector's trigger-efficiency E50",
        ),
        ParameterSpec(
            "eff_width_scale",
            1.0,
            0.0,
            5.0,
            "",
            "multiplier on every detector's trigger-efficiency width",
            lower_open=True,
        ),
        ParameterSpec(
            "res_scale",
            1.0,
            0.5,
            2.0,
            "",
            "multiplier on every detector's pulser resolution σ0 (the default "
            "quadrature is verified to 5e-5 over this range)",
        ),
        ParameterSpec(
            "fano",
            0.11,
            0.0,
            1.0,
            "",
            "Fano factor in σ² = σ0² + F η E_ee (Ge ≈ 0.11)",
        ),
        ParameterSpec(
            "mu_nu",
            0.0,
            0.0,
            1e-8,
            "μB",
            "effective neutrino magnetic moment (physical boundary μν ≥ 0)",
        ),
        ParameterSpec(
            "eps_ee_uV",
            0.0,
            -2.0,
            2.0,
            "",
            "flavour-diagonal vector NSI coupling ε^{uV}_{ee}",
        ),
        ParameterSpec(
            "eps_ee_dV",
            0.0,
            -2.0,
            2.0,
            "",
            "flavour-diagonal vector NSI coupling ε^{dV}_{ee}",
        ),
        ParameterSpec("eps_emu_uV", 0.0, -2.0, 2.0, "", "off-diagonal vector NSI ε^{uV}_{eμ} (adds incoherently)"),
        ParameterSpec("eps_emu_dV", 0.0, -2.0, 2.0, "", "off-diagonal vector NSI ε^{dV}_{eμ} (adds incoherently)"),
        ParameterSpec("eps_etau_uV", 0.0, -2.0, 2.0, "", "off-diagonal vector NSI ε^{uV}_{eτ} (adds incoherently)"),
        ParameterSpec("eps_etau_dV", 0.0, -2.0, 2.0, "", "off-diagonal vector NSI ε^{dV}_{eτ} (adds incoherently)"),
        ParameterSpec(
            "g_zp",
            0.0,
            0.0,
            1.0,
            "",
            "light vector mediator coupling g (to ν and, per the experiment's vector_mediator "
            "model, to quarks and electrons)",
        ),
        ParameterSpec("m_zp", 1000.0, 1e-3, 1e5, "MeV", "light vector mediator mass"),
        ParameterSpec("g_phi", 0.0, 0.0, 1.0, "", "light scalar mediator coupling g (universal)"),
        ParameterSpec("m_phi", 1000.0, 1e-3, 1e5, "MeV", "light scalar mediator mass"),
        ParameterSpec("q_nu", 0.0, -1e-5, 1e-5, "e", "neutrino millicharge (units of the elementary charge)"),
        ParameterSpec(
            "energy_scale", 1.0, 0.8, 1.2, "", "multiplier on the true ionisation energy (energy-scale nuisance)"
        ),
        ParameterSpec("bkg_scale", 1.0, 0.0, 10.0, "", "multiplier on the flat background of a spectral analysis"),
        ParameterSpec(
            "bkg_noise_scale", 1.0, 0.0, 10.0, "", "multiplier on the threshold-noise background of a spectral analysis"
        ),
        ParameterSpec("eps_mumu_uV", 0.0, -2.0, 2.0, "", "flavour-diagonal vector NSI ε^{uV}_{μμ} (ν_μ and ν̄_μ)"),
        ParameterSpec("eps_mumu_dV", 0.0, -2.0, 2.0, "", "flavour-diagonal vector NSI ε^{dV}_{μμ} (ν_μ and ν̄_μ)"),
        ParameterSpec(
            "r2_nue",
            0.0,
            -100.0,
            100.0,
            "1e-32 cm²",
            "ν_e charge radius ⟨r²⟩ beyond what the coupling scheme contains (SM: −0.83, in the 'radiative' couplings)",
        ),
        ParameterSpec(
            "r2_numu",
            0.0,
            -100.0,
            100.0,
            "1e-32 cm²",
            "ν_μ charge radius ⟨r²⟩ beyond what the coupling scheme contains (SM: −0.48, in the 'radiative' couplings)",
        ),
        ParameterSpec(
            "r2_nutau",
            0.0,
            -100.0,
            100.0,
            "1e-32 cm²",
            "ν_τ charge radius ⟨r²⟩ beyond what the coupling scheme contains",
        ),
        ParameterSpec(
            "quench_scale",
            1.0,
            0.2,
            5.0,
            "",
            "multiplier on tabulated or polynomial quenching (quenching-factor nuisance)",
        ),
        ParameterSpec(
            "light_yield_scale", 1.0, 0.2, 5.0, "", "multiplier on the light yield of photoelectron responses"
        ),
        *(
            ParameterSpec(
                f"rn_{symbol}",
                radius,
                1.0,
                10.0,
                "fm",
                f"neutron rms radius of {symbol} (abundance-weighted over its isotopes; default = the Helm "
                f"radius of Lewin & Smith 1996, i.e. equal to the proton distribution's)",
            )
            for symbol, radius in _DEFAULT_NEUTRON_RADII.items()
        ),
    )
}


class Params(eqx.Module):
    """The physics-parameter pytree (a frozen equinox Module of scalar arrays).

    Build one with :func:`make_params` (validates names and ranges); under
    ``jax.vmap`` every field may carry a leading batch axis.
    """

    sin2_theta_w: jax.Array
    quench_k: jax.Array
    flux_norm: jax.Array
    eff_shift_eVee: jax.Array
    eff_width_scale: jax.Array
    res_scale: jax.Array
    fano: jax.Array
    mu_nu: jax.Array
    eps_ee_uV: jax.Array
    eps_ee_dV: jax.Array
    eps_emu_uV: jax.Array
    eps_emu_dV: jax.Array
    eps_etau_uV: jax.Array
    eps_etau_dV: jax.Array
    g_zp: jax.Array
    m_zp: jax.Array
    g_phi: jax.Array
    m_phi: jax.Array
    q_nu: jax.Array
    energy_scale: jax.Array
    bkg_scale: jax.Array
    bkg_noise_scale: jax.Array
    eps_mumu_uV: jax.Array
    eps_mumu_dV: jax.Array
    r2_nue: jax.Array
    r2_numu: jax.Array
    r2_nutau: jax.Array
    quench_scale: jax.Array
    light_yield_scale: jax.Array
    rn_Ge: jax.Array
    rn_Si: jax.Array
    rn_Na: jax.Array
    rn_Ar: jax.Array
    rn_I: jax.Array
    rn_Xe: jax.Array
    rn_Cs: jax.Array

    def to_dict(self) -> dict[str, float]:
        """Concrete parameter values as Python floats (not for use under jit)."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}

    def replace(self, **values) -> Params:
        """A copy with some fields replaced (names checked, values not)."""
        _check_names(values)
        return eqx.tree_at(
            lambda p: tuple(getattr(p, k) for k in values),
            self,
            tuple(jnp.asarray(v, dtype=float) for v in values.values()),
        )


PARAMETER_NAMES = tuple(f.name for f in fields(Params))
assert set(PARAMETER_NAMES) == set(PARAMETERS), "Params fields and PARAMETERS registry disagree"


class ParameterError(ValueError):
    """An unknown parameter name or a value outside its allowed range."""


def _check_names(values) -> None:
    unknown = [k for k in values if k not in PARAMETERS]
    if unknown:
        raise ParameterError(f"unknown parameter {unknown[0]!r}; known parameters: {', '.join(PARAMETER_NAMES)}")


def validate_value(name: str, value) -> float:
    """Check a concrete value against the registry; return it as a float."""
    _check_names({name: value})
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter {name!r}: value {value!r} is not a number") from None
    spec = PARAMETERS[name]
    if not spec.contains(v):
        raise ParameterError(
            f"parameter {name!r} = {v:g} is outside its allowed range {spec.range_text}"
            f" ({spec.description}); choose a value inside it"
        )
    return v


def make_params(nominal: dict | None = None, /, **overrides) -> Params:
    """Validated :class:`Params` from registry defaults, then ``nominal``
    (e.g. an experiment's nominal values), then ``overrides``.

    Checks run on concrete values only; do not call under ``jit``.
    """
    values = {name: spec.default for name, spec in PARAMETERS.items()}
    for source in (nominal or {}, overrides):
        _check_names(source)
        values.update(source)
    checked = {name: validate_value(name, v) for name, v in values.items()}
    return Params(**{k: jnp.asarray(v, dtype=float) for k, v in checked.items()})


def stack_params(params_list) -> Params:
    """Stack a sequence of :class:`Params` along a new leading batch axis."""
    return jax.tree.map(lambda *xs: jnp.stack(xs), *params_list)


def params_grid(base: Params, **arrays) -> Params:
    """A batch of parameters: ``base`` broadcast to the common length of
    ``arrays`` (1-D, same length), with those fields replaced."""
    _check_names(arrays)
    lengths = {np.shape(v)[0] for v in arrays.values()}
    if len(lengths) != 1:
        raise ParameterError(f"params_grid: arrays must have one common length, got {sorted(lengths)}")
    n = lengths.pop()
    batched = jax.tree.map(lambda x: jnp.broadcast_to(x, (n, *jnp.shape(x))), base)
    return batched.replace(**arrays)
