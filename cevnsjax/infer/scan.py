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
  against the budget (halving the block until it fits). The host keeps only
  the result (8 bytes per point in float64, plus the points of a random scan
  unless ``keep_points=False``), or nothing at all with ``keep_values=False`` and an ``on_chunk`` hook.

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

Factored scans
--------------
Scans over parameters in which the expected counts are polynomial
(sin²θW, vector NSI couplings, μν, charge radii: see
:mod:`cevnsjax.infer.factored`) evaluate the counts from their exact quadratic
form, built once per scan and checked against the full model at random points
of the scanned box. ``factored="auto"`` (default) does so for scans of at least
``AUTO_MIN_POINTS`` points whenever the objective's split is known and the
check passes, and falls back to the full model otherwise (e.g. when
``quench_k`` is scanned); ``True`` insists (``FactoringError`` says why not);
``False`` never factors. ``ScanResult.notes["factored"]`` says which was used.

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
import time
from collections.abc import Callable

import contourpy
import jax.numpy as jnp
import numpy as np

from ..parameters import ParameterError, Params
from ..rates import exact_response_for
from ..sharding import to_host as _to_host
from .factored import factor_for_scan
from .fit import check_names
from .scan_engine import (  # noqa: F401
    BATCHING_MODES,
    DEFAULT_CHUNK_SIZE,
    DEFAULT_GRID_CHUNK_SIZE,
    DEFAULT_POINTS_PER_CALL,
    ScanResult,
    _BlockSpec,
    _call,
    _check_axis,
    _check_mode,
    _compiled_bytes,
    _grid_tile,
    _plan,
    _run,
    check_scan_range,
)
from .scan_points import points_scan, random_scan  # noqa: F401 - re-exported: the scan verbs live together here

#: Default (and, with ``max_memory_bytes``, largest) points per vectorised block unless
#: ``chunk_size`` says otherwise. Flat batches: on the 2-core CPU of the benchmarks, blocks
#: of 256–1024 points ran 1.3–9 × faster per point than blocks of 4096 (CONUS+, ~4–16 kB
#: per point with every field batched). Grid tiles (nested vmaps, ~0.2 kB per point):
#: larger tiles recompute the one-axis stages less often.


# ---------------------------------------------------------------------------
# Verbs
# ---------------------------------------------------------------------------
def grid_scan_nd(
    objective,
    params: Params,
    axes: dict,
    *,
    chunk_size: int | None = None,
    max_memory_bytes: int | None = None,
    batching: str = "grid",
    mesh=None,
    blocks_per_call: int | None = None,
    progress=None,
    keep_values: bool = True,
    on_chunk: Callable | None = None,
    check_ranges: bool = True,
    factored="auto",
) -> ScanResult:
    """The objective on the product grid of ``axes`` = ``{name: 1-D values}``
    (other parameters fixed at ``params``).

    ``values[i0, i1, ...]`` is the objective at ``(axes[name0][i0], ...)``.
    See the module docstring for ``chunk_size``/``max_memory_bytes`` (bounded
    memory), ``batching`` ("grid" nested vmaps, "scanned", "all"), ``mesh``
    (sharding), ``progress`` (True for a bar, or ``f(done, total)``).
    ``on_chunk(index_slices, values)`` receives each tile as it arrives
    (``index_slices``: one ``slice`` per axis into the full grid).
    ``factored``: see the module docstring (factored scans).
    """
    names = check_names(tuple(axes))
    if len(set(names)) != len(names):
        raise ParameterError(f"grid axes repeat a parameter: {names}")
    _check_mode(batching, BATCHING_MODES)
    arrays = [_check_axis(n, axes[n], check_ranges) for n in names]
    lengths = tuple(a.size for a in arrays)
    n_points = math.prod(lengths)
    dtype = jnp.asarray(0.0).dtype
    objective = exact_response_for(objective, names)
    objective, fnote = factor_for_scan(
        objective,
        params,
        names,
        {n: (a.min(), a.max()) for n, a in zip(names, arrays, strict=False)},
        n_points,
        factored,
    )

    def spec_for(chunk):
        tile = _grid_tile(lengths, chunk)
        return _BlockSpec(
            "grid",
            names,
            batching,
            tile=tile,
            n_tiles=tuple(math.ceil(L / t) for L, t in zip(lengths, tile, strict=False)),
        )

    def dyn_for(spec):
        return tuple(
            jnp.asarray(np.pad(a, (0, m * t - a.size), mode="edge"), dtype=dtype)
            for a, m, t in zip(arrays, spec.n_tiles, spec.tile, strict=False)
        )

    def n_blocks_for(spec):
        return math.prod(spec.n_tiles)

    def input_for(spec, k):
        return np.arange(k, dtype=np.int32)

    t0 = time.perf_counter()
    spec, k, notes = _plan(
        spec_for,
        n_points,
        n_blocks_for,
        objective,
        params,
        dyn_for,
        input_for,
        chunk_size=chunk_size,
        max_memory_bytes=max_memory_bytes,
        blocks_per_call=blocks_per_call,
        mesh=mesh,
        default_chunk=DEFAULT_GRID_CHUNK_SIZE if batching == "grid" else DEFAULT_CHUNK_SIZE,
    )
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
            sl = tuple(slice(m * t, min((m + 1) * t, L)) for m, t, L in zip(multi, spec.tile, lengths, strict=False))
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
                    state["arg"] = tuple(s.start + i for s, i in zip(sl, local, strict=False))
            written += tile.size
        return written

    n_calls = _run(spec, k, n_blocks, mesh, objective, params, dyn, input_for_range, write, progress, n_points)
    seconds = time.perf_counter() - t0
    notes.update(fnote)
    best = {n: float(arrays[i][state["arg"][i]]) for i, n in enumerate(names)} if state["arg"] else {}
    return ScanResult(
        names=names,
        values=values,
        axes={n: a for n, a in zip(names, arrays, strict=False)},
        points=None,
        n_points=n_points,
        minimum=state["min"],
        best=best,
        batching=batching,
        chunk_size=spec.points_per_block,
        block_shape=spec.tile,
        blocks_per_call=k,
        n_calls=n_calls,
        n_devices=1 if mesh is None else mesh.size,
        seconds=seconds,
        bytes_per_point=notes.get("bytes_per_point"),
        call_memory_bytes=notes.get("call_memory_bytes"),
        max_memory_bytes=max_memory_bytes,
        notes=notes,
    )


def grid_scan(
    objective,
    params: Params,
    x_name: str,
    xs,
    y_name: str,
    ys,
    *,
    chunk: int = 16384,
    max_memory_bytes: int | None = None,
    batching: str = "grid",
    mesh=None,
    progress=None,
    factored="auto",
) -> np.ndarray:
    """χ² on the grid ``xs × ys``, an array of shape ``(len(ys), len(xs))``,
    evaluated in blocks of at most ``chunk`` points (see :func:`grid_scan_nd`,
    which returns the timing and sizing with the values)."""
    check_names((x_name, y_name))
    result = grid_scan_nd(
        objective,
        params,
        {y_name: ys, x_name: xs},
        chunk_size=chunk,
        max_memory_bytes=max_memory_bytes,
        batching=batching,
        mesh=mesh,
        progress=progress,
        check_ranges=False,
        factored=factored,
    )
    return result.values


def contour_lines(xs, ys, z, level: float) -> list[np.ndarray]:
    """Lines (arrays of (x, y) points) where the grid ``z`` equals ``level``."""
    gen = contourpy.contour_generator(np.asarray(xs), np.asarray(ys), np.asarray(z))
    return [np.asarray(line) for line in gen.lines(level)]
