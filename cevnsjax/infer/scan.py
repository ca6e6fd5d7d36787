"""Scans of an objective over parameter grids, random samples and point lists,
in bounded memory, on one device or sharded over many; contour extraction.

Verbs
-----
* :func:`grid_scan_nd` — the objective on the product grid of any number of
  parameter axes, ``values[i0, i1, ...]`` (axes in the order given).
* :func:`random_scan` — the objective at ``n_points`` points drawn uniformly
  in a box (reproducible from ``seed`` whatever the chunking or sharding).
* :func:`points_scan` — the objective at user-given points (one 1-D array per
  parameter).
* :func:`grid_scan` — the original 2-D verb, ``(len(ys), len(xs))`` array;
  now a thin wrapper of :func:`grid_scan_nd`.

How the work is cut (bounded memory)
------------------------------------
The points are evaluated in *blocks* of at most ``chunk_size`` points (a grid
is cut into tiles, e.g. 90 × 91 for 8192 points on a 2-D grid). A block is one
vectorised (vmapped) evaluation; its working memory is what the user bounds.
One jitted *call* evaluates ``blocks_per_call`` blocks in sequence (a
``fori_loop`` whose trip count is a traced argument) and returns their values
to the host, where they are written into the result while the next call runs
(JAX's asynchronous dispatch, at most two calls in flight); the progress hook
runs after each call. Every call has the same shapes (the last one's missing
blocks are padding that the loop skips), so a scan compiles once.

* ``chunk_size`` sets the block size (default: :data:`DEFAULT_CHUNK_SIZE`
  points for flat batches, :data:`DEFAULT_GRID_CHUNK_SIZE` for grid tiles);
* ``max_memory_bytes`` caps it from a *measured* footprint: the block
  program is compiled at two block sizes, XLA's buffer assignment
  (``compiled.memory_analysis()``: temporaries + arguments + outputs) gives
  bytes per point and a fixed part, the block size is the largest that fits
  (at most ``chunk_size`` or the default), and the compiled call is checked
  against the budget (halving the block until it fits). The host keeps only the result (8 bytes per point in float64, plus
  the points of a random scan unless ``keep_points=False``), or nothing at all
  with ``keep_values=False`` and an ``on_chunk`` hook.

Reproducibility: for a fixed block shape, the value at each point does not
depend on how the blocks are grouped into calls or spread over devices (each
block runs the same compiled block program), so a chunked scan equals the
unchunked one exactly (tested). Different block *shapes* give results equal to
~1e-14 relative: XLA vectorises loops of different lengths differently.

Which fields are batched (speed)
--------------------------------
``jax.vmap`` batches only what depends on the batched inputs; stages of the
model that do not depend on a scanned parameter are computed once per block,
not once per point. The scan verbs therefore never build a batch of full
:class:`~cevnsjax.Params`: ``batching=`` chooses

* ``"grid"`` (default for grids): one nested ``vmap`` per axis over the tile,
  so a stage that depends only on one axis (e.g. the detector response, which
  depends on ``quench_k`` but not on ``sin2_theta_w``) is computed once per
  value of that axis in the tile, and only the stages that combine the axes
  run per point;
* ``"scanned"`` (default for point lists and random scans): a flat ``vmap``
  over the points with only the scanned fields batched — the detector
  response is computed once per block when only ``sin2_theta_w``/NSI/``mu_nu``
  vary;
* ``"all"``: every field batched (each stage per point), the naive baseline
  kept for measurements.

``benchmarks/bench_scale.py`` measures the three on the CONUS+ analysis.

Sharding
--------
``mesh=`` (a 1-D :class:`jax.sharding.Mesh`, see :mod:`cevnsjax.sharding`)
spreads each call's blocks over the mesh's devices: the block inputs are placed
with ``NamedSharding(mesh, P("points"))`` and the call is a ``jax.shard_map``
of the same block program under ``jit`` (replicated objective and parameters).
``blocks_per_call`` is rounded up to a multiple of the device count.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import contourpy
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import PartitionSpec as P

from ..parameters import PARAMETERS, ParameterError, Params
from ..sharding import shard_points
from ..sharding import to_host as _to_host
from .fit import check_names

#: Default (and, with ``max_memory_bytes``, largest) points per vectorised block unless
#: ``chunk_size`` says otherwise. Flat batches: on the 2-core CPU of the benchmarks, blocks
#: of 256–1024 points ran 1.3–9 × faster per point than blocks of 4096 (CONUS+, ~4–16 kB
#: per point with every field batched). Grid tiles (nested vmaps, ~0.2 kB per point):
#: larger tiles recompute the one-axis stages less often.
DEFAULT_CHUNK_SIZE = 1024
DEFAULT_GRID_CHUNK_SIZE = 65536
#: Target number of points per jitted call (sets how often the progress hook runs).
DEFAULT_POINTS_PER_CALL = 1 << 19
BATCHING_MODES = ("grid", "scanned", "all")


def check_scan_range(name: str, lo: float, hi: float) -> None:
    spec = PARAMETERS[name]
    if not (lo < hi):
        raise ParameterError(f"scan range of {name!r}: lower end {lo:g} must be below upper end {hi:g}")
    if not (spec.contains(lo) and spec.contains(hi)):
        raise ParameterError(f"scan range [{lo:g}, {hi:g}] of {name!r} leaves its physical range {spec.range_text}; choose limits inside it")


# ---------------------------------------------------------------------------
# Block programs (one vectorised evaluation of a block of points)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _BlockSpec:
    """Static description of a block program (hashable: it keys the jit cache)."""

    kind: str  # "grid" | "points" | "random"
    names: tuple[str, ...]
    batching: str
    tile: tuple[int, ...] = ()  # grid: tile shape
    n_tiles: tuple[int, ...] = ()  # grid: tiles per axis
    block: int = 0  # points / random: points per block

    @property
    def points_per_block(self) -> int:
        return math.prod(self.tile) if self.kind == "grid" else self.block


def _evaluate(objective, params: Params, names, columns, batching: str):
    """Objective at the points ``columns`` (one 1-D array per name), flat vmap."""
    if batching == "all":
        n = columns[0].shape[0]
        batch = jax.tree.map(lambda v: jnp.broadcast_to(v, (n,) + jnp.shape(v)), params)
        batch = batch.replace(**dict(zip(names, columns)))
        return jax.vmap(objective)(batch)
    return jax.vmap(lambda *vals: objective(params.replace(**dict(zip(names, vals)))))(*columns)


def _nested_grid(objective, params: Params, names, coords):
    """Objective on the product of ``coords`` by one nested vmap per axis."""

    def point(*vals):
        return objective(params.replace(**dict(zip(names, vals))))

    fn = point
    k = len(names)
    for i in reversed(range(k)):
        fn = jax.vmap(fn, in_axes=tuple(0 if j == i else None for j in range(k)))
    return fn(*coords)


def _block(spec: _BlockSpec, objective, params: Params, dyn, block_input):
    if spec.kind == "grid":
        axes = dyn  # padded axis arrays
        idx, coords = block_input, []
        strides = [math.prod(spec.n_tiles[i + 1:]) for i in range(len(spec.n_tiles))]
        for ax, t, stride, m in zip(axes, spec.tile, strides, spec.n_tiles):
            j = (idx // stride) % m
            coords.append(jax.lax.dynamic_slice_in_dim(ax, j * t, t))
        if spec.batching == "grid":
            return _nested_grid(objective, params, spec.names, coords)
        mesh = jnp.meshgrid(*coords, indexing="ij")
        values = _evaluate(objective, params, spec.names, [m.ravel() for m in mesh], spec.batching)
        return values.reshape(spec.tile)
    if spec.kind == "points":
        return _evaluate(objective, params, spec.names, [block_input[:, i] for i in range(len(spec.names))], spec.batching)
    # random: uniform in the box, from a key folded with the block's index
    key, lo, hi = dyn
    u = jax.random.uniform(jax.random.fold_in(key, block_input), (spec.block, len(spec.names)), dtype=lo.dtype)
    x = lo + (hi - lo) * u
    values = _evaluate(objective, params, spec.names, [x[:, i] for i in range(len(spec.names))], spec.batching)
    return values, x


@eqx.filter_jit
def _call(spec: _BlockSpec, mesh, objective, params, dyn, block_inputs, n_valid):
    """Evaluate the first ``n_valid`` of the blocks ``block_inputs`` (leading
    axis: blocks) in sequence; with a mesh, the blocks are split over its
    devices (``shard_map``; ``n_valid`` then holds one count per device).

    The loop is a ``fori_loop`` with a traced trip count, i.e. a while loop
    whose body XLA compiles on its own, whatever the number of blocks: every
    call evaluates each block with the same code, and padding blocks of the
    last call are skipped, not computed.
    """
    arrays, static = eqx.partition((objective, params, dyn), eqx.is_array)

    def run(arrays, block_inputs, n_valid):
        obj, p, d = eqx.combine(arrays, static)

        def one(b):
            return _block(spec, obj, p, d, b)

        shapes = jax.eval_shape(one, jax.tree.map(lambda x: x[0], block_inputs))
        k = block_inputs.shape[0]
        init = jax.tree.map(lambda s: jnp.zeros((k,) + s.shape, s.dtype), shapes)

        def body(i, out):
            value = one(jax.lax.dynamic_index_in_dim(block_inputs, i, 0, keepdims=False))
            return jax.tree.map(lambda o, v: jax.lax.dynamic_update_index_in_dim(o, v, i, 0), out, value)

        return jax.lax.fori_loop(0, jnp.reshape(n_valid, ()), body, init)

    if mesh is None:
        return run(arrays, block_inputs, n_valid)
    axis = mesh.axis_names[0]
    sharded = jax.shard_map(run, mesh=mesh, in_specs=(P(), P(axis), P(axis)), out_specs=P(axis), check_vma=False)
    return sharded(arrays, block_inputs, n_valid)


# ---------------------------------------------------------------------------
# Sizing: block size from a memory budget
# ---------------------------------------------------------------------------
def _compiled_bytes(spec, mesh, objective, params, dyn, block_inputs) -> int:
    """XLA's memory estimate of one call: temporaries + arguments + outputs [bytes]."""
    lowered = _call.lower(spec, mesh, objective, params, dyn, block_inputs, np.int32(block_inputs.shape[0]))
    compiled = lowered.compile()
    stats = getattr(compiled, "compiled", compiled).memory_analysis()  # equinox wraps jax's Compiled
    if stats is None:  # backend without memory analysis
        return -1
    return int(stats.temp_size_in_bytes + stats.argument_size_in_bytes + stats.output_size_in_bytes)


def _grid_tile(lengths, chunk: int) -> tuple[int, ...]:
    """Tile shape of at most ``chunk`` points, as even as the axes allow
    (short axes are taken whole, the rest share the budget)."""
    tile = [1] * len(lengths)
    remaining = max(1, int(chunk))
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    for pos, i in enumerate(order):
        left = len(order) - pos
        t = max(1, min(lengths[i], int(math.floor(remaining ** (1.0 / left) + 1e-9))))
        tile[i] = t
        remaining = max(1, remaining // t)
    return tuple(tile)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ScanResult:
    """The values of a scan and how they were computed.

    ``values``: grid scans ``(len(axis0), len(axis1), ...)`` in the order of
    ``names``; point and random scans ``(n_points,)``; None with
    ``keep_values=False``. ``axes`` (grid) or ``points`` (point/random scans:
    one array per name) say where. ``minimum`` and ``best`` (the parameter
    values at the minimum) are tracked in every case.
    """

    names: tuple[str, ...]
    values: np.ndarray | None
    axes: dict[str, np.ndarray] | None
    points: dict[str, np.ndarray] | None
    n_points: int
    minimum: float
    best: dict[str, float]
    batching: str
    chunk_size: int  # points per vectorised block
    block_shape: tuple[int, ...]
    blocks_per_call: int
    n_calls: int
    n_devices: int
    seconds: float
    bytes_per_point: float | None = None  # measured (max_memory_bytes), XLA buffer assignment
    call_memory_bytes: int | None = None  # XLA's estimate for one call
    max_memory_bytes: int | None = None
    notes: dict = field(default_factory=dict)

    @property
    def points_per_second(self) -> float:
        return self.n_points / self.seconds if self.seconds > 0 else float("inf")


def _progress_hook(progress, total: int):
    """``progress``: None/False (silent), True (tqdm bar, or a line on stderr
    per call when tqdm is absent), or a callable ``f(done, total)``."""
    if not progress:
        return (lambda done: None), (lambda: None)
    if callable(progress):
        return (lambda done: progress(done, total)), (lambda: None)
    try:
        from tqdm.auto import tqdm
    except ImportError:  # optional dependency
        def report(done):
            print(f"scan: {done:,}/{total:,} points", file=sys.stderr)
        return report, (lambda: None)
    bar = tqdm(total=total, unit="pt", unit_scale=True, desc="scan")
    state = {"done": 0}

    def update(done):
        bar.update(done - state["done"])
        state["done"] = done

    return update, bar.close


def _place(host: np.ndarray, mesh):
    return host if mesh is None else shard_points(host, mesh)


def _plan(spec_for, n_points: int, n_blocks_for, objective, params, dyn_for, input_for, *, chunk_size, max_memory_bytes,
          blocks_per_call, mesh, default_chunk=DEFAULT_CHUNK_SIZE):
    """Choose the block size (from ``chunk_size`` or the memory budget) and the
    number of blocks per call; returns (spec, blocks_per_call, notes)."""
    n_dev = 1 if mesh is None else mesh.size
    notes: dict = {}
    if max_memory_bytes is not None:
        budget = int(max_memory_bytes)
        sizes = (256, 1024)
        measured = []
        for s in sizes:
            sp = spec_for(s)
            measured.append((sp.points_per_block, _compiled_bytes(sp, None, objective, params, dyn_for(sp), input_for(sp, 1))))
        (n1, m1), (n2, m2) = measured
        if m1 < 0 or n2 == n1:
            chunk = chunk_size or default_chunk
            notes["memory_analysis"] = "unavailable on this backend; chunk_size used"
        else:
            per_point = max((m2 - m1) / (n2 - n1), 1.0)
            fixed = max(m1 - per_point * n1, 0.0)
            notes.update(bytes_per_point=per_point, fixed_bytes=fixed)
            # the budget holds one block's working set plus the call's outputs (8 B/pt each)
            chunk = int((budget - fixed) / (per_point + 16.0))
            if chunk < 1:
                raise ValueError(f"max_memory_bytes={budget:,} is below the fixed footprint of one block "
                                 f"({fixed:,.0f} bytes measured); raise it")
        chunk = min(chunk, int(chunk_size or default_chunk), n_points)
    else:
        chunk = min(int(chunk_size or default_chunk), n_points)
    if chunk < 1:
        raise ValueError(f"chunk_size must be a positive number of points, got {chunk_size}")

    while True:
        spec = spec_for(chunk)
        n_blocks = n_blocks_for(spec)
        if blocks_per_call is None:
            n_calls = max(1, math.ceil(n_points / DEFAULT_POINTS_PER_CALL))
            k = math.ceil(n_blocks / n_calls)
        else:
            k = int(blocks_per_call)
        k = min(k, n_blocks)
        if max_memory_bytes is not None and "bytes_per_point" in notes:
            k = max(1, min(k, int(max_memory_bytes / 4 / (16.0 * spec.points_per_block))))  # outputs ≤ budget/4
        # at least two block slots per device and call (padding slots are skipped, not
        # computed): with a single slot XLA folds the loop's indexing away and may fuse
        # the block's last operations differently, changing results in the last bit
        k = n_dev * max(2, math.ceil(k / n_dev))
        if max_memory_bytes is None or "bytes_per_point" not in notes:
            return spec, k, notes
        used = _compiled_bytes(spec, None, objective, params, dyn_for(spec), input_for(spec, k // n_dev))
        notes["call_memory_bytes"] = used
        if used <= max_memory_bytes or chunk == 1:
            return spec, k, notes
        chunk = max(1, chunk // 2)


def _run(spec: _BlockSpec, k: int, n_blocks: int, mesh, objective, params, dyn, input_for_range, write, progress,
         n_points: int):
    """The host loop: calls of ``k`` blocks, two in flight, ``write(first_block, out)`` per call."""
    n_calls = math.ceil(n_blocks / k)
    n_dev = 1 if mesh is None else mesh.size
    per_device = k // n_dev
    update, close = _progress_hook(progress, n_points)
    pending = None
    done = 0
    try:
        for c in range(n_calls):
            first = c * k
            valid = min(k, n_blocks - first)
            if mesh is None:
                n_valid = np.int32(valid)
            else:
                n_valid = _place(np.clip(valid - per_device * np.arange(n_dev), 0, per_device).astype(np.int32), mesh)
            out = _call(spec, mesh, objective, params, dyn, _place(input_for_range(first, k, n_blocks), mesh), n_valid)
            if pending is not None:
                done += write(*pending)
                update(min(done, n_points))
            pending = (first, out)
        if pending is not None:
            done += write(*pending)
            update(min(done, n_points))
    finally:
        close()
    return n_calls


def _check_mode(batching: str, allowed) -> None:
    if batching not in allowed:
        raise ValueError(f"batching must be one of {', '.join(map(repr, allowed))}, got {batching!r}")


def _check_axis(name: str, values, check_ranges: bool) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"scan axis {name!r} must be a non-empty 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"scan axis {name!r} has non-finite values")
    if check_ranges:
        spec = PARAMETERS[name]
        for v in (arr.min(), arr.max()):
            if not spec.contains(float(v)):
                raise ParameterError(f"scan values of {name!r} reach {v:g}, outside its physical range {spec.range_text}")
    return arr


# ---------------------------------------------------------------------------
# Verbs
# ---------------------------------------------------------------------------
def grid_scan_nd(objective, params: Params, axes: dict, *, chunk_size: int | None = None,
                 max_memory_bytes: int | None = None, batching: str = "grid", mesh=None,
                 blocks_per_call: int | None = None, progress=None, keep_values: bool = True,
                 on_chunk: Callable | None = None, check_ranges: bool = True) -> ScanResult:
    """The objective on the product grid of ``axes`` = ``{name: 1-D values}``
    (other parameters fixed at ``params``).

    ``values[i0, i1, ...]`` is the objective at ``(axes[name0][i0], ...)``.
    See the module docstring for ``chunk_size``/``max_memory_bytes`` (bounded
    memory), ``batching`` ("grid" nested vmaps, "scanned", "all"), ``mesh``
    (sharding), ``progress`` (True for a bar, or ``f(done, total)``).
    ``on_chunk(index_slices, values)`` receives each tile as it arrives
    (``index_slices``: one ``slice`` per axis into the full grid).
    """
    names = check_names(tuple(axes))
    if len(set(names)) != len(names):
        raise ParameterError(f"grid axes repeat a parameter: {names}")
    _check_mode(batching, BATCHING_MODES)
    arrays = [_check_axis(n, axes[n], check_ranges) for n in names]
    lengths = tuple(a.size for a in arrays)
    n_points = math.prod(lengths)
    dtype = jnp.asarray(0.0).dtype

    def spec_for(chunk):
        tile = _grid_tile(lengths, chunk)
        return _BlockSpec("grid", names, batching, tile=tile,
                          n_tiles=tuple(math.ceil(L / t) for L, t in zip(lengths, tile)))

    def dyn_for(spec):
        return tuple(jnp.asarray(np.pad(a, (0, m * t - a.size), mode="edge"), dtype=dtype)
                     for a, m, t in zip(arrays, spec.n_tiles, spec.tile))

    def n_blocks_for(spec):
        return math.prod(spec.n_tiles)

    def input_for(spec, k):
        return np.arange(k, dtype=np.int32)

    t0 = time.perf_counter()
    spec, k, notes = _plan(spec_for, n_points, n_blocks_for, objective, params, dyn_for, input_for,
                           chunk_size=chunk_size, max_memory_bytes=max_memory_bytes,
                           blocks_per_call=blocks_per_call, mesh=mesh,
                           default_chunk=DEFAULT_GRID_CHUNK_SIZE if batching == "grid" else DEFAULT_CHUNK_SIZE)
    dyn = dyn_for(spec)
    n_blocks = n_blocks_for(spec)
    values = np.empty(lengths, dtype=dtype) if keep_values else None
    state = {"min": np.inf, "arg": None}

    def input_for_range(first, k, n_blocks):
        return np.minimum(np.arange(first, first + k, dtype=np.int64), n_blocks - 1).astype(np.int32)

    def write(first, out):
        out = _to_host(out)
        written = 0
        for b in range(out.shape[0]):
            idx = first + b
            if idx >= n_blocks:
                break
            multi = np.unravel_index(idx, spec.n_tiles)
            sl = tuple(slice(m * t, min((m + 1) * t, L)) for m, t, L in zip(multi, spec.tile, lengths))
            tile = out[b][tuple(slice(0, s.stop - s.start) for s in sl)]
            if values is not None:
                values[sl] = tile
            if on_chunk is not None:
                on_chunk(sl, tile)
            if tile.size:
                j = int(np.nanargmin(tile)) if not np.all(np.isnan(tile)) else 0
                if tile.flat[j] < state["min"]:
                    local = np.unravel_index(j, tile.shape)
                    state["min"] = float(tile.flat[j])
                    state["arg"] = tuple(s.start + i for s, i in zip(sl, local))
            written += tile.size
        return written

    n_calls = _run(spec, k, n_blocks, mesh, objective, params, dyn, input_for_range, write, progress, n_points)
    seconds = time.perf_counter() - t0
    best = {n: float(arrays[i][state["arg"][i]]) for i, n in enumerate(names)} if state["arg"] else {}
    return ScanResult(
        names=names, values=values, axes={n: a for n, a in zip(names, arrays)}, points=None, n_points=n_points,
        minimum=state["min"], best=best, batching=batching, chunk_size=spec.points_per_block, block_shape=spec.tile,
        blocks_per_call=k, n_calls=n_calls, n_devices=1 if mesh is None else mesh.size, seconds=seconds,
        bytes_per_point=notes.get("bytes_per_point"), call_memory_bytes=notes.get("call_memory_bytes"),
        max_memory_bytes=max_memory_bytes, notes=notes,
    )


def _flat_scan(kind, objective, params, names, n_points, dyn, host_points, *, chunk_size, max_memory_bytes, batching,
               mesh, blocks_per_call, progress, keep_values, keep_points, on_chunk):
    dtype = jnp.asarray(0.0).dtype
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
    spec, k, notes = _plan(spec_for, n_points, n_blocks_for, objective, params, lambda spec: dyn, input_for, chunk_size=chunk_size,
                           max_memory_bytes=max_memory_bytes, blocks_per_call=blocks_per_call, mesh=mesh)
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
    return ScanResult(
        names=names, values=values, axes=None, points=pts, n_points=n_points, minimum=state["min"], best=best,
        batching=batching, chunk_size=b, block_shape=(b,), blocks_per_call=k, n_calls=n_calls,
        n_devices=1 if mesh is None else mesh.size, seconds=seconds, bytes_per_point=notes.get("bytes_per_point"),
        call_memory_bytes=notes.get("call_memory_bytes"), max_memory_bytes=max_memory_bytes, notes=notes,
    )


def points_scan(objective, params: Params, points: dict, *, chunk_size: int | None = None,
                max_memory_bytes: int | None = None, batching: str = "scanned", mesh=None,
                blocks_per_call: int | None = None, progress=None, keep_values: bool = True,
                on_chunk: Callable | None = None, check_ranges: bool = True) -> ScanResult:
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
    return _flat_scan("points", objective, params, names, host.shape[0], (), host, chunk_size=chunk_size,
                      max_memory_bytes=max_memory_bytes, batching=batching, mesh=mesh, blocks_per_call=blocks_per_call,
                      progress=progress, keep_values=keep_values, keep_points=True, on_chunk=on_chunk)


def random_scan(objective, params: Params, ranges: dict, n_points: int, *, seed: int = 0,
                chunk_size: int | None = None, max_memory_bytes: int | None = None, batching: str = "scanned",
                mesh=None, blocks_per_call: int | None = None, progress=None, keep_values: bool = True,
                keep_points: bool = True, on_chunk: Callable | None = None) -> ScanResult:
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
    return _flat_scan("random", objective, params, names, n_points, dyn, None, chunk_size=chunk_size,
                      max_memory_bytes=max_memory_bytes, batching=batching, mesh=mesh, blocks_per_call=blocks_per_call,
                      progress=progress, keep_values=keep_values, keep_points=keep_points, on_chunk=on_chunk)


def grid_scan(objective, params: Params, x_name: str, xs, y_name: str, ys, *, chunk: int = 16384,
              max_memory_bytes: int | None = None, batching: str = "grid", mesh=None, progress=None) -> np.ndarray:
    """χ² on the grid ``xs × ys``, an array of shape ``(len(ys), len(xs))``,
    evaluated in blocks of at most ``chunk`` points (see :func:`grid_scan_nd`,
    which returns the timing and sizing with the values)."""
    check_names((x_name, y_name))
    result = grid_scan_nd(objective, params, {y_name: ys, x_name: xs}, chunk_size=chunk,
                          max_memory_bytes=max_memory_bytes, batching=batching, mesh=mesh, progress=progress,
                          check_ranges=False)
    return result.values


def contour_lines(xs, ys, z, level: float) -> list[np.ndarray]:
    """Lines (arrays of (x, y) points) where the grid ``z`` equals ``level``."""
    gen = contourpy.contour_generator(np.asarray(xs), np.asarray(ys), np.asarray(z))
    return [np.asarray(line) for line in gen.lines(level)]
