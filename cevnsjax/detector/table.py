"""Tabulated response: P(bin | μ) precomputed once for fixed nuisances.

:meth:`ResponseTable.build` evaluates a response and its derivative dP/dμ
(forward mode, ``jax.jvp``) on a grid of true energies; evaluation is then a
cubic Hermite interpolation with those exact slopes (error O(h⁴)), cheaper
than re-integrating each bin. The table is valid for the nuisances it was
built with only, and for responses that are smooth in μ (not ``"ideal"``,
whose P jumps at the bin edges); outside the grid the end rows are held.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .spec import DetectorError, Nuisances


class ResponseTable(eqx.Module):
    """P(bin | μ) on a grid ``mu_grid`` [MeV] with slopes; see module doc."""

    mu_grid: jax.Array  # (n_grid,)
    values: jax.Array  # (n_grid, n_bins)
    slopes: jax.Array  # (n_grid, n_bins) dP/dμ [1/MeV]

    @classmethod
    def build(cls, response, nuis: Nuisances, mu_min: float, mu_max: float, n_points: int = 1024):
        """Tabulate ``response`` at ``nuis`` on ``n_points`` equally spaced μ in [mu_min, mu_max] [MeV]."""
        if response.sharp_edges():
            raise DetectorError("response table: the response jumps at sharp_edges(); tabulate only smooth responses")
        if not (0.0 <= mu_min < mu_max) or n_points < 2:
            raise DetectorError(f"response table: need 0 <= mu_min < mu_max and n_points >= 2, got {mu_min}, {mu_max}, {n_points}")
        grid = jnp.asarray(np.linspace(mu_min, mu_max, int(n_points)))
        values, slopes = jax.jvp(lambda m: response.bin_probability(m, nuis), (grid,), (jnp.ones_like(grid),))
        return cls(grid, values, slopes)

    def bin_probability(self, mu, nuis: Nuisances | None = None):
        """Interpolated P(bin | μ): ``(len(mu), n_bins)``; ``nuis`` is ignored
        (the table holds the nuisances it was built with)."""
        x = self.mu_grid
        mu = jnp.clip(jnp.asarray(mu), x[0], x[-1])
        i = jnp.clip(jnp.searchsorted(x, mu, side="right") - 1, 0, x.shape[0] - 2)
        h = (x[i + 1] - x[i])[..., None]
        t = ((mu - x[i]) / (x[i + 1] - x[i]))[..., None]
        t2, t3 = t * t, t * t * t
        return ((2 * t3 - 3 * t2 + 1) * self.values[i] + (t3 - 2 * t2 + t) * h * self.slopes[i]
                + (-2 * t3 + 3 * t2) * self.values[i + 1] + (t3 - t2) * h * self.slopes[i + 1])
