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
            raise DetectorError(
                f"response table: need 0 <= mu_min < mu_max and n_points >= 2, got {mu_min}, {mu_max}, {n_points}"
            )
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
        return (
            (2 * t3 - 3 * t2 + 1) * self.values[i]
            + (t3 - 2 * t2 + t) * h * self.slopes[i]
            + (-2 * t3 + 3 * t2) * self.values[i + 1]
            + (t3 - t2) * h * self.slopes[i + 1]
        )


class StackedResponseTable(eqx.Module):
    """P_{d,b}(E) of an experiment's stacked detectors on a uniform grid of the
    smeared argument E = μ · energy_scale [MeV], built for one setting of the
    response nuisances ``names`` (values ``at``).

    ``values``/``slopes``: (n_det, n_grid, n_bins), the slopes already times the
    spacing h; ``dirs``/``dir_slopes``: (n_k, n_det, n_grid, n_bins), the
    derivatives ∂P/∂(nuisance k) at ``at`` and their slopes in E. Evaluation
    (:meth:`__call__`) interpolates P with cubic Hermite polynomials in E; its
    derivative in every nuisance k is the interpolated ∂P/∂k, so gradients are
    exact to interpolation accuracy at ``at``. Away from ``at`` the table
    does not hold: the value is NaN there, never a silent approximation.
    """

    e0: jax.Array  # first grid point [MeV]
    inv_h: jax.Array  # 1 / spacing [1/MeV]
    values: jax.Array
    slopes: jax.Array
    dirs: jax.Array
    dir_slopes: jax.Array
    at: jax.Array  # (n_k,)
    names: tuple = eqx.field(static=True)

    @property
    def e_max(self):
        return self.e0 + (self.values.shape[1] - 1) / self.inv_h

    def __call__(self, e, nuisances):
        """P (n_det, len(e), n_bins) at energies ``e`` (n,) [MeV] and response
        nuisance values ``nuisances`` (n_k,)."""
        return _table_eval(self, e, nuisances)


def _hermite_pieces(table: StackedResponseTable, e):
    n_grid = table.values.shape[1]
    x = (e - table.e0) * table.inv_h
    i = jnp.clip(jnp.floor(x).astype(jnp.int32), 0, n_grid - 2)
    t = jnp.clip(x - i, 0.0, 1.0)[None, :, None]
    outside = (e > table.e_max)[None, :, None]  # beyond the window of every bin: P = 0
    return i, t, outside


def _hermite(v, s, i, t):
    """Cubic Hermite interpolant of values ``v`` and h-scaled slopes ``s`` (..., n_grid, n_bins)."""
    v0, v1, s0, s1 = v[..., i, :], v[..., i + 1, :], s[..., i, :], s[..., i + 1, :]
    t2 = t * t
    t3 = t2 * t
    return (2 * t3 - 3 * t2 + 1) * v0 + (t3 - 2 * t2 + t) * s0 + (3 * t2 - 2 * t3) * v1 + (t3 - t2) * s1


def _hermite_derivative(v, s, i, t):
    """d/dx (x = E/h) of :func:`_hermite`."""
    v0, v1, s0, s1 = v[..., i, :], v[..., i + 1, :], s[..., i, :], s[..., i + 1, :]
    t2 = t * t
    return (6 * t2 - 6 * t) * (v0 - v1) + (3 * t2 - 4 * t + 1) * s0 + (3 * t2 - 2 * t) * s1


@jax.custom_jvp
def _table_eval(table: StackedResponseTable, e, nuisances):
    i, t, outside = _hermite_pieces(table, e)
    p = jnp.where(outside, 0.0, _hermite(table.values, table.slopes, i, t))
    held = jnp.all(nuisances == table.at)
    return jnp.where(held, p, jnp.nan)


@_table_eval.defjvp
def _table_eval_jvp(primals, tangents):
    table, e, nuisances = primals
    _, de, dn = tangents  # the table's own arrays are data, not parameters
    out = _table_eval(table, e, nuisances)
    i, t, outside = _hermite_pieces(table, e)
    slope = _hermite_derivative(table.values, table.slopes, i, t) * table.inv_h  # dP/dE
    d_nuis = _hermite(table.dirs, table.dir_slopes, i, t[None])  # (n_k, n_det, n, n_bins)
    tangent = slope * de[None, :, None] + jnp.tensordot(dn, d_nuis, axes=(0, 0))
    return out, jnp.where(outside, 0.0, tangent)
