"""The engine of :mod:`cevnsjax.infer.scan`: block programs (one vectorised
evaluation of a block of points), their sizing from a memory budget, and the
host loop that runs calls of blocks with two in flight (see that module's
docstring for the design)."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import PartitionSpec as P

from ..parameters import PARAMETERS, ParameterError, Params
from ..sharding import shard_points

DEFAULT_CHUNK_SIZE = 1024
DEFAULT_GRID_CHUNK_SIZE = 65536
#: Target number of points per jitted call (sets how often the progress hook runs).
DEFAULT_POINTS_PER_CALL = 1 << 19
BATCHING_MODES = ("grid", "scanned", "all")


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
        batch = jax.tree.map(lambda v: jnp.broadcast_to(v, (n, *jnp.shape(v))), params)
        batch = batch.replace(**dict(zip(names, columns, strict=False)))
        return jax.vmap(objective)(batch)
    return jax.vmap(lambda *vals: objective(params.replace(**dict(zip(names, vals, strict=False)))))(*columns)


def _nested_grid(objective, params: Params, names, coords):
    """Objective on the product of ``coords`` by one nested vmap per axis."""

    def point(*vals):
        return objective(params.replace(**dict(zip(names, vals, strict=False))))

    fn = point
    k = len(names)
    for i in reversed(range(k)):
        fn = jax.vmap(fn, in_axes=tuple(0 if j == i else None for j in range(k)))
    return fn(*coords)


def _block(spec: _BlockSpec, objective, params: Params, dyn, block_input):
    if spec.kind == "grid":
        axes = dyn  # padded axis arrays
        idx, coords = block_input, []
        strides = [math.prod(spec.n_tiles[i + 1 :]) for i in range(len(spec.n_tiles))]
        for ax, t, stride, m in zip(axes, spec.tile, strides, spec.n_tiles, strict=False):
            j = (idx // stride) % m
            coords.append(jax.lax.dynamic_slice_in_dim(ax, j * t, t))
        if spec.batching == "grid":
            return _nested_grid(objective, params, spec.names, coords)
        mesh = jnp.meshgrid(*coords, indexing="ij")
        values = _evaluate(objective, params, spec.names, [m.ravel() for m in mesh], spec.batching)
        return values.reshape(spec.tile)
    if spec.kind == "points":
        return _evaluate(
            objective, params, spec.names, [block_input[:, i] for i in range(len(spec.names))], spec.batching
        )
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
        init = jax.tree.map(lambda s: jnp.zeros((k, *s.shape), s.dtype), shapes)

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
    """Memory of one call while the host loop runs [bytes]: XLA's estimate of
    the call (temporaries + arguments + outputs) plus the previous call's
    outputs, alive while this one runs (two calls in flight), and their copy
    on the host."""
    lowered = _call.lower(spec, mesh, objective, params, dyn, block_inputs, np.int32(block_inputs.shape[0]))
    compiled = lowered.compile()
    stats = getattr(compiled, "compiled", compiled).memory_analysis()  # equinox wraps jax's Compiled
    if stats is None:  # backend without memory analysis
        return -1
    return int(stats.temp_size_in_bytes + stats.argument_size_in_bytes + 3 * stats.output_size_in_bytes)


def _grid_tile(lengths, chunk: int) -> tuple[int, ...]:
    """Tile shape of at most ``chunk`` points, as even as the axes allow
    (short axes are taken whole, the rest share the budget)."""
    tile = [1] * len(lengths)
    remaining = max(1, int(chunk))
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    for pos, i in enumerate(order):
        left = len(order) - pos
        t = max(1, min(lengths[i], math.floor(remaining ** (1.0 / left) + 1e-9)))
        tile[i] = t
        remaining = max(1, remaining // t)
    return tuple(tile)


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


def _plan(
    spec_for,
    n_points: int,
    n_blocks_for,
    objective,
    params,
    dyn_for,
    input_for,
    *,
    chunk_size,
    max_memory_bytes,
    blocks_per_call,
    mesh,
    default_chunk=DEFAULT_CHUNK_SIZE,
):
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
            measured.append(
                (sp.points_per_block, _compiled_bytes(sp, None, objective, params, dyn_for(sp), input_for(sp, 1)))
            )
        (n1, m1), (n2, m2) = measured
        if m1 < 0 or n2 == n1:
            chunk = chunk_size or default_chunk
            notes["memory_analysis"] = "unavailable on this backend; chunk_size used"
        else:
            per_point = max((m2 - m1) / (n2 - n1), 1.0)
            fixed = max(m1 - per_point * n1, 0.0)
            notes.update(bytes_per_point=per_point, fixed_bytes=fixed)
            # the budget holds one block's working set plus the calls' outputs (8 B/pt each)
            chunk = int((budget - fixed) / (per_point + 48.0))
            if chunk < 1:
                raise ValueError(
                    f"max_memory_bytes={budget:,} is below the fixed footprint of one block "
                    f"({fixed:,.0f} bytes measured); raise it"
                )
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
            k = max(1, min(k, int(max_memory_bytes / 4 / (48.0 * spec.points_per_block))))  # outputs ≤ budget/4
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


def _run(
    spec: _BlockSpec,
    k: int,
    n_blocks: int,
    mesh,
    objective,
    params,
    dyn,
    input_for_range,
    write,
    progress,
    n_points: int,
):
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
                raise ParameterError(
                    f"scan values of {name!r} reach {v:g}, outside its physical range {spec.range_text}"
                )
    return arr


def check_scan_range(name: str, lo: float, hi: float) -> None:
    spec = PARAMETERS[name]
    if not (lo < hi):
        raise ParameterError(f"scan range of {name!r}: lower end {lo:g} must be below upper end {hi:g}")
    if not (spec.contains(lo) and spec.contains(hi)):
        raise ParameterError(
            f"scan range [{lo:g}, {hi:g}] of {name!r} leaves its physical range {spec.range_text}; choose limits "
            "inside it"
        )


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
