"""Energy resolution σ(E) of gaussian responses.

Members (``"type"``), numbers in the bin unit of the detector:

* ``"fano"`` — σ² = (res_scale · σ0)² + F η E with F = ``nuis.fano`` and the
  pair-creation energy η = ``pair_energy_eV`` (germanium: F ≈ 0.11,
  η = 2.96 eV, physics spec §4; σ0 from the pulser width). Without
  ``pair_energy_eV`` the resolution is the constant σ0.
* ``"tabulated"`` — σ(E) from ``"energy"``/``"sigma"`` (monotone cubic Hermite,
  end values held outside the table), times ``res_scale``.

E is the true observable energy after the energy scale [MeV].
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import units
from ..interpolation import hermite_eval, monotone_slopes
from .spec import Bins, DetectorError, Nuisances, check_block, member_type, number, read_table, table_schema

_SOURCE = {"type": "string"}


def resolution_sigma(true_energy, sigma0, fano, pair_energy, xp=jnp):
    """Gaussian resolution σ(E_ee) = sqrt(σ0² + F η E_ee) (same units throughout;
    ``xp=np`` evaluates with NumPy, for set-up code)."""
    return xp.sqrt(sigma0**2 + fano * pair_energy * xp.maximum(true_energy, 0.0))


class FanoResolution(eqx.Module):
    """σ² = (res_scale σ0)² + F η E; ``sigma0`` [MeV] > 0, ``pair_energy`` [MeV]."""

    sigma0: jax.Array
    pair_energy: jax.Array

    def sigma(self, energy, nuis: Nuisances):
        return resolution_sigma(energy, self.sigma0 * nuis.res_scale, nuis.fano, self.pair_energy)


class TabulatedResolution(eqx.Module):
    """σ(E) = res_scale · table(E) [MeV]."""

    knots: jax.Array
    values: jax.Array
    slopes: jax.Array

    def sigma(self, energy, nuis: Nuisances):
        return nuis.res_scale * hermite_eval(self.knots, self.values, self.slopes, energy)


Resolution = FanoResolution | TabulatedResolution

_SCHEMAS = {
    "fano": {
        "type": "object",
        "required": ["type", "sigma0"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": "fano"},
            "sigma0": number(0.0, 1e7, exclusive_min=True),
            "pair_energy_eV": number(0.0, 1e3),
            "source": _SOURCE,
        },
    },
    "tabulated": table_schema(
        "tabulated", "energy", "sigma", number(0.0, 1e7, exclusive_min=True), {"source": _SOURCE}
    ),
}

RESOLUTION_MODELS = {"fano": FanoResolution, "tabulated": TabulatedResolution}


def resolution_schema() -> dict:
    """JSON Schema of a resolution block (``oneOf`` the members)."""
    return {"oneOf": list(_SCHEMAS.values())}


def build_resolution(block: dict, bins: Bins, base_dir=None, origin: str = "resolution") -> Resolution:
    """Build a resolution model; numbers in ``block`` are in ``bins.unit``."""
    kind = member_type(block, RESOLUTION_MODELS, origin)
    check_block(block, _SCHEMAS[kind], origin)
    if kind == "fano":
        return FanoResolution(
            jnp.asarray(block["sigma0"] * bins.scale), jnp.asarray(block.get("pair_energy_eV", 0.0) * units.eV)
        )
    x, sigma = read_table(block, "energy", "sigma", base_dir, origin)
    if np.any(sigma <= 0.0):
        raise DetectorError(f"{origin}.sigma: values must be > 0")
    x, sigma = x * bins.scale, sigma * bins.scale
    return TabulatedResolution(jnp.asarray(x), jnp.asarray(sigma), jnp.asarray(monotone_slopes(x, sigma)))
