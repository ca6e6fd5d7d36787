"""Grid scans of an objective (vmapped, chunked) and contour extraction."""

from __future__ import annotations

import contourpy
import jax
import jax.numpy as jnp
import numpy as np

from ..parameters import PARAMETERS, ParameterError, Params
from .fit import check_names


def check_scan_range(name: str, lo: float, hi: float) -> None:
    spec = PARAMETERS[name]
    if not (lo < hi):
        raise ParameterError(f"scan range of {name!r}: lower end {lo:g} must be below upper end {hi:g}")
    if not (spec.contains(lo) and spec.contains(hi)):
        raise ParameterError(f"scan range [{lo:g}, {hi:g}] of {name!r} leaves its physical range {spec.range_text}; choose limits inside it")


def grid_scan(objective, params: Params, x_name: str, xs, y_name: str, ys, *, chunk: int = 16384) -> np.ndarray:
    """χ² on the grid ``xs × ys`` (array of shape (len(ys), len(xs))), evaluated
    as one vmapped program over chunks of ``chunk`` points."""
    check_names((x_name, y_name))
    xs = jnp.asarray(xs, dtype=float)
    ys = jnp.asarray(ys, dtype=float)
    gx, gy = jnp.meshgrid(xs, ys)
    flat = jnp.stack([gx.ravel(), gy.ravel()], axis=1)

    @jax.jit
    def run(points, obj, p):
        def one(xy):
            return obj(p.replace(**{x_name: xy[0], y_name: xy[1]}))
        return jax.lax.map(one, points, batch_size=min(chunk, points.shape[0]))

    return np.asarray(run(flat, objective, params)).reshape(gy.shape)


def contour_lines(xs, ys, z, level: float) -> list[np.ndarray]:
    """Lines (arrays of (x, y) points) where the grid ``z`` equals ``level``."""
    gen = contourpy.contour_generator(np.asarray(xs), np.asarray(ys), np.asarray(z))
    return [np.asarray(line) for line in gen.lines(level)]
