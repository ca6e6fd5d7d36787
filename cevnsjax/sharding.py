"""Spreading scans over several devices with JAX's own sharding API.

Nothing here is a parallel engine: a 1-D :class:`jax.sharding.Mesh` over the
devices, a :class:`jax.sharding.NamedSharding` that splits the leading (point or
block) axis along it, and ``jax.device_put``-style placement. The scan verbs of
:mod:`cevnsjax.infer.scan` take ``mesh=`` and run their block program under
``jit`` as a ``jax.shard_map`` over it, the objective and parameters
replicated.

One machine, several GPUs (or CPU devices)::

    import cevnsjax as cj
    from cevnsjax import infer, sharding

    cj.enable_x64()
    mesh = sharding.device_mesh()              # all of jax.devices()
    res = infer.grid_scan_nd(analysis, params, {"eps_ee_uV": xs, "eps_ee_dV": ys}, mesh=mesh)

On a CPU, ``XLA_FLAGS=--xla_force_host_platform_device_count=N`` (set before
``jax`` is imported) makes N host devices; that is how the tests check that a
sharded scan equals the single-device one. On GPUs keep
``XLA_PYTHON_CLIENT_MEM_FRACTION`` (or ``XLA_PYTHON_CLIENT_PREALLOCATE=false``)
in mind when other processes share the cards; the memory budget of a scan
(``max_memory_bytes``) is per device.

Several hosts (``jax.distributed``)::

    import jax
    jax.distributed.initialize()   # SLURM / Open MPI / TPU pods: auto-detected; otherwise pass
                                   # coordinator_address="host0:1234", num_processes=P, process_id=i
    import cevnsjax as cj
    ...
    mesh = sharding.device_mesh()  # jax.devices() now lists the devices of every process
    res = infer.grid_scan_nd(..., mesh=mesh)

Run the same script on every process. Each process places only the blocks that
belong to its own devices (:func:`shard_points` builds the global array with
``jax.make_array_from_callback``), and the values come back to every process
through ``multihost_utils.process_allgather`` (:func:`to_host`); write files
from ``jax.process_index() == 0`` only. On CPUs, processes need
``jax.config.update("jax_cpu_collectives_implementation", "gloo")`` before
``initialize`` for the gather. Tested with two local processes of one CPU
device each (``tests/test_scale.py``); not tested on several real hosts or GPUs.
"""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

#: Name of the mesh axis along which scan points are split.
POINTS_AXIS = "points"


def device_mesh(devices=None, axis_name: str = POINTS_AXIS) -> Mesh:
    """A 1-D mesh over ``devices`` (default: every device of every process)."""
    devices = list(jax.devices() if devices is None else devices)
    if not devices:
        raise ValueError("device_mesh: no devices given")
    return Mesh(np.asarray(devices), (axis_name,))


def points_sharding(mesh: Mesh) -> NamedSharding:
    """Split the leading axis along the mesh's (first) axis; the rest replicated."""
    return NamedSharding(mesh, P(mesh.axis_names[0]))


def replicated(mesh: Mesh) -> NamedSharding:
    """Every device holds the whole array."""
    return NamedSharding(mesh, P())


def shard_points(host: np.ndarray, mesh: Mesh) -> jax.Array:
    """Place a host array with its leading axis split over the mesh.

    The leading axis must be a multiple of the number of devices. Built with
    ``jax.make_array_from_callback``, so under ``jax.distributed`` each process
    transfers only its own shards (every process holds the same ``host``).
    """
    host = np.asarray(host)
    n = mesh.size
    if host.shape[0] % n:
        raise ValueError(f"shard_points: leading axis {host.shape[0]} is not a multiple of the {n} devices")
    sharding = points_sharding(mesh)
    return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])


def to_host(array) -> np.ndarray:
    """A (possibly sharded, possibly multi-process) array as one numpy array on this host."""
    if getattr(array, "is_fully_addressable", True):
        return np.asarray(array)
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(array, tiled=True))


__all__ = ["POINTS_AXIS", "device_mesh", "points_sharding", "replicated", "shard_points", "to_host"]
