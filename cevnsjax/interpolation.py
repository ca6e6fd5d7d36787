"""Shape-preserving (monotone) cubic Hermite interpolation of tabulated curves.

The slopes are chosen once, in numpy float64, by the Fritsch–Carlson rule
(F. N. Fritsch and R. E. Carlson, "Monotone piecewise cubic interpolation",
SIAM J. Numer. Anal. 17 (1980) 238): start from the mean of the neighbouring
secants, set a slope to zero where the data change direction or are flat, and
shrink each interval's pair of slopes (α, β in units of the secant) onto the
circle α² + β² ≤ 9, which is sufficient for the cubic to be monotone on the
interval. Each piece therefore stays between its two end values: no
overshoot, and a table of efficiencies in [0, 1] interpolates inside [0, 1].

:func:`hermite_eval` evaluates the interpolant in ``jax.numpy`` with
``searchsorted`` (jit/vmap/grad-safe; the derivative in the query point is the
interpolant's derivative). Outside the table it holds the end values
("clamp"); callers that need another convention must say so.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np


def monotone_slopes(x, y) -> np.ndarray:
    """Fritsch–Carlson slopes dy/dx at the knots ``x`` (strictly increasing)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or x.size < 2:
        raise ValueError(f"monotone_slopes needs two 1-d arrays of equal length >= 2, got {x.shape} and {y.shape}")
    if np.any(np.diff(x) <= 0):
        raise ValueError("monotone_slopes needs strictly increasing knots")
    h = np.diff(x)
    delta = np.diff(y) / h
    m = np.empty_like(y)
    m[0], m[-1] = delta[0], delta[-1]
    m[1:-1] = 0.5 * (delta[:-1] + delta[1:])
    # extrema and flat stretches: zero slope where the secants change sign
    turn = delta[:-1] * delta[1:] <= 0.0
    m[1:-1][turn] = 0.0
    for k in range(delta.size):
        if delta[k] == 0.0:
            m[k] = m[k + 1] = 0.0
            continue
        alpha, beta = m[k] / delta[k], m[k + 1] / delta[k]
        # a slope of the wrong sign (possible only at the table ends) is zeroed
        if alpha < 0.0:
            m[k], alpha = 0.0, 0.0
        if beta < 0.0:
            m[k + 1], beta = 0.0, 0.0
        radius = alpha * alpha + beta * beta
        if radius > 9.0:
            tau = 3.0 / np.sqrt(radius)
            m[k] = tau * alpha * delta[k]
            m[k + 1] = tau * beta * delta[k]
    return m


def hermite_eval(x, y, m, xq):
    """Cubic Hermite interpolant through ``(x, y)`` with slopes ``m`` at ``xq``.

    ``x``, ``y``, ``m``: knots, values and slopes (1-d, same length); ``xq``:
    any shape. Outside ``[x[0], x[-1]]`` the end values are held (zero
    derivative there).
    """
    x = jnp.asarray(x)
    xq = jnp.clip(jnp.asarray(xq), x[0], x[-1])
    i = jnp.clip(jnp.searchsorted(x, xq, side="right") - 1, 0, x.shape[0] - 2)
    x0, x1 = x[i], x[i + 1]
    h = x1 - x0
    t = (xq - x0) / h
    t2, t3 = t * t, t * t * t
    h00 = 2.0 * t3 - 3.0 * t2 + 1.0
    h10 = t3 - 2.0 * t2 + t
    h01 = -2.0 * t3 + 3.0 * t2
    h11 = t3 - t2
    return h00 * y[i] + h10 * h * m[i] + h01 * y[i + 1] + h11 * h * m[i + 1]
