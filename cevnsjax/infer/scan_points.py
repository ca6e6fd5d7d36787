"""Point and random scans: the objective at a list of parameter points, or at
points drawn uniformly in a box, in bounded memory (see :mod:`.scan` for the
memory model, batching modes and sharding, shared with grid scans)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from ..parameters import Params
from ..rates import exact_response_for
from ..sharding import to_host as _to_host
from .factored import factor_for_scan
from .fit import check_names
from .scan_engine import (
    ScanResult,
    _BlockSpec,
    _check_axis,
    _check_mode,
    _plan,
    _run,
    check_scan_range,
)


def _flat_scan(
    kind,
    objective,
    params,
    names,
    n_points,
    dyn,
    host_points,
    *,
    chunk_size,
    max_memory_bytes,
    batching,
    mesh,
    blocks_per_call,
    progress,
    keep_values,
    keep_points,
    on_chunk,
    box,
    factored,
):
    dtype = jnp.asarray(0.0).dtype
    objective = exact_response_for(objective, names)
    objective, fnote = factor_for_scan(objective, params, names, box, n_points, factored)
    k_names = len(names)

    def spec_for(chunk):
        return _BlockSpec(kind, names, batching, block=int(chunk))

    def n_blocks_for(spec):
        return math.ceil(n_points / spec.block)

    def input_for(spec, k):
        if kind == "random":
            return np.arange(k, dtype=np.int32)
        return np.tile(host_points[:1], (k * spec.block, 1)).reshape(k, spec.block, k_names)

    t0 = time.perf_counter()
    spec, k, notes = _plan(
        spec_for,
        n_points,
        n_blocks_for,
        objective,
        params,
        lambda spec: dyn,
        input_for,
        chunk_size=chunk_size,
        max_memory_bytes=max_memory_bytes,
        blocks_per_call=blocks_per_call,
        mesh=mesh,
    )
    n_blocks = n_blocks_for(spec)
    b = spec.block
    values = np.empty(n_points, dtype=dtype) if keep_values else None
    points = np.empty((n_points, k_names), dtype=dtype) if (kind == "random" and keep_points) else None
    state = {"min": np.inf, "arg": None, "best": None}

    def input_for_range(first, k, n_blocks):
        if kind == "random":
            return np.arange(first, first + k, dtype=np.int64).astype(np.int32)
        idx = np.minimum(np.arange(first * b, (first + k) * b), n_points - 1)
        return host_points[idx].reshape(k, b, k_names)

    def write(first, out):
        if kind == "random":
            vals, xs = (_to_host(o) for o in out)
            xs = xs.reshape(-1, k_names)
        else:
            vals, xs = _to_host(out), None
        vals = vals.reshape(-1)
        start = first * b
        stop = min(start + vals.size, n_points)
        vals = vals[: max(stop - start, 0)]
        if vals.size == 0:
            return 0
        if values is not None:
            values[start:stop] = vals
        if points is not None:
            points[start:stop] = xs[: vals.size]
        if on_chunk is not None:
            on_chunk(slice(start, stop), vals)
        if not np.all(np.isnan(vals)):
            j = int(np.nanargmin(vals))
            if vals[j] < state["min"]:
                state["min"], state["arg"] = float(vals[j]), start + j
                state["best"] = xs[j] if xs is not None else host_points[start + j]
        return vals.size

    n_calls = _run(spec, k, n_blocks, mesh, objective, params, dyn, input_for_range, write, progress, n_points)
    seconds = time.perf_counter() - t0
    best = {n: float(state["best"][i]) for i, n in enumerate(names)} if state["best"] is not None else {}
    if kind == "points":
        pts = {n: host_points[:, i] for i, n in enumerate(names)}
    else:
        pts = {n: points[:, i] for i, n in enumerate(names)} if points is not None else None
    notes["argmin"] = state["arg"]
    notes.update(fnote)
    return ScanResult(
        names=names,
        values=values,
        axes=None,
        points=pts,
        n_points=n_points,
        minimum=state["min"],
        best=best,
        batching=batching,
        chunk_size=b,
        block_shape=(b,),
        blocks_per_call=k,
        n_calls=n_calls,
        n_devices=1 if mesh is None else mesh.size,
        seconds=seconds,
        bytes_per_point=notes.get("bytes_per_point"),
        call_memory_bytes=notes.get("call_memory_bytes"),
        max_memory_bytes=max_memory_bytes,
        notes=notes,
    )


def points_scan(
    objective,
    params: Params,
    points: dict,
    *,
    chunk_size: int | None = None,
    max_memory_bytes: int | None = None,
    batching: str = "scanned",
    mesh=None,
    blocks_per_call: int | None = None,
    progress=None,
    keep_values: bool = True,
    on_chunk: Callable | None = None,
    check_ranges: bool = True,
    factored="auto",
) -> ScanResult:
    """The objective at the points ``points`` = ``{name: 1-D values}`` (common
    length; other parameters fixed at ``params``); ``values`` has shape (n,).

    ``batching``: "scanned" (only the given fields batched) or "all".
    ``on_chunk(slice, values)`` receives each call's values.
    """
    names = check_names(tuple(points))
    _check_mode(batching, ("scanned", "all"))
    cols = [_check_axis(n, points[n], check_ranges) for n in names]
    if len({c.size for c in cols}) != 1:
        raise ValueError(f"points_scan: arrays must have one common length, got {[c.size for c in cols]}")
    host = np.stack(cols, axis=1).astype(jnp.asarray(0.0).dtype)
    return _flat_scan(
        "points",
        objective,
        params,
        names,
        host.shape[0],
        (),
        host,
        chunk_size=chunk_size,
        max_memory_bytes=max_memory_bytes,
        batching=batching,
        mesh=mesh,
        blocks_per_call=blocks_per_call,
        progress=progress,
        keep_values=keep_values,
        keep_points=True,
        on_chunk=on_chunk,
        box={n: (c.min(), c.max()) for n, c in zip(names, cols, strict=False)},
        factored=factored,
    )


def random_scan(
    objective,
    params: Params,
    ranges: dict,
    n_points: int,
    *,
    seed: int = 0,
    chunk_size: int | None = None,
    max_memory_bytes: int | None = None,
    batching: str = "scanned",
    mesh=None,
    blocks_per_call: int | None = None,
    progress=None,
    keep_values: bool = True,
    keep_points: bool = True,
    on_chunk: Callable | None = None,
    factored="auto",
) -> ScanResult:
    """The objective at ``n_points`` points drawn uniformly in the box
    ``ranges`` = ``{name: (lo, hi)}`` (inside each parameter's allowed range).

    The points are drawn on the device, block by block, from
    ``fold_in(PRNGKey(seed), block index)``: the same ``seed`` and block size
    give the same points whatever ``blocks_per_call`` or ``mesh``.
    ``points`` (unless ``keep_points=False``) holds them.
    """
    names = check_names(tuple(ranges))
    _check_mode(batching, ("scanned", "all"))
    n_points = int(n_points)
    if n_points < 1:
        raise ValueError(f"n_points must be positive, got {n_points}")
    lo, hi = [], []
    for n in names:
        a, b = (float(v) for v in ranges[n])
        check_scan_range(n, a, b)
        lo.append(a)
        hi.append(b)
    dtype = jnp.asarray(0.0).dtype
    dyn = (jax.random.PRNGKey(seed), jnp.asarray(lo, dtype=dtype), jnp.asarray(hi, dtype=dtype))
    return _flat_scan(
        "random",
        objective,
        params,
        names,
        n_points,
        dyn,
        None,
        chunk_size=chunk_size,
        max_memory_bytes=max_memory_bytes,
        batching=batching,
        mesh=mesh,
        blocks_per_call=blocks_per_call,
        progress=progress,
        keep_values=keep_values,
        keep_points=keep_points,
        on_chunk=on_chunk,
        box=dict(zip(names, zip(lo, hi, strict=False), strict=False)),
        factored=factored,
    )
