"""Fixed-order quadrature rules, computed at trace time with a static order.

All integrals of the forward model use Gauss–Legendre rules mapped onto their
(possibly parameter-dependent) limits, so a whole evaluation is a fixed set of
array operations with no adaptive control flow: it jit-compiles, vmaps and
differentiates (moving limits differentiate through the node positions).
"""

from __future__ import annotations

import math
from functools import cache

import jax.numpy as jnp
import numpy as np


@cache
def _leggauss(order: int) -> tuple[np.ndarray, np.ndarray]:
    if order < 1:
        raise ValueError(f"quadrature order must be >= 1, got {order}")
    x, w = np.polynomial.legendre.leggauss(order)
    return x, w


def gauss_legendre(order: int):
    """Nodes and weights of the ``order``-point Gauss–Legendre rule on [-1, 1]."""
    x, w = _leggauss(int(order))
    return jnp.asarray(x), jnp.asarray(w)


def map_nodes(lo, hi, order: int):
    """Gauss–Legendre nodes and weights mapped onto ``[lo, hi]``.

    ``lo`` and ``hi`` broadcast against each other; the rule is appended on a
    new last axis. An empty interval (``hi <= lo``) gets zero weights and
    nodes collapsed onto ``lo`` so its integral is exactly zero with finite
    gradients.
    """
    x, w = gauss_legendre(order)
    lo = jnp.asarray(lo)
    hi = jnp.asarray(hi)
    half = 0.5 * jnp.maximum(hi - lo, 0.0)
    mid = lo + half
    nodes = mid[..., None] + half[..., None] * x
    weights = half[..., None] * w
    return nodes, weights


def log_nodes(lo: float, hi: float, order: int):
    """Gauss–Legendre rule in ``u = ln(x)`` on ``[lo, hi]`` (``lo > 0``),
    returned as nodes in ``x`` and weights that include the Jacobian ``x``.
    """
    if not (lo > 0 and hi > lo):
        raise ValueError(f"log_nodes needs 0 < lo < hi, got lo={lo}, hi={hi}")
    x, w = _leggauss(int(order))  # set-up code: numpy, no tracing
    half = 0.5 * (math.log(hi) - math.log(lo))
    u = math.log(lo) + half * (1.0 + x)
    nodes = np.exp(u)
    return nodes, half * w * nodes
