"""Scans at scale: bounded-memory chunking (exact reproducibility), which
fields are batched, memory budgets, progress hooks, random and point scans,
and sharding over two forced host devices (in a subprocess).

The 10⁶- and 10⁷-point scans and their peak memory are measured in
``benchmarks/bench_scale.py``, not here."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import numpy as np
import pytest

import cevnsjax as cj
from cevnsjax import infer

ROOT = Path(__file__).resolve().parent.parent
SIN2 = np.linspace(0.18, 0.32, 23)
QUENCH = np.linspace(0.14, 0.19, 17)


@pytest.fixture(scope="module")
def analysis(conus_plus):
    return infer.counting_analysis(conus_plus)


@pytest.fixture(scope="module")
def direct(analysis, nominal):
    """The same grid by one plain vmap over all points (no chunking), indexing 'ij'."""
    gx, gy = np.meshgrid(SIN2, QUENCH, indexing="ij")
    fn = jax.jit(jax.vmap(lambda a, b: analysis(nominal.replace(sin2_theta_w=a, quench_k=b))))
    return np.asarray(fn(gx.ravel(), gy.ravel())).reshape(gx.shape)


@pytest.fixture(scope="module")
def chunked(analysis, nominal):
    """Blocks of at most 64 points (8 × 8 tiles, 9 of them), two block slots per call
    (the minimum; ``blocks_per_call=1`` is rounded up to 2): 5 calls."""
    return infer.grid_scan_nd(
        analysis, nominal, {"sin2_theta_w": SIN2, "quench_k": QUENCH}, chunk_size=64, blocks_per_call=1
    )


def test_grid_scan_nd_values_orientation_and_best(chunked, direct, analysis, nominal):
    assert chunked.values.shape == (SIN2.size, QUENCH.size) and chunked.block_shape == (8, 8)
    assert chunked.n_calls > 1 and chunked.n_points == SIN2.size * QUENCH.size
    np.testing.assert_allclose(chunked.values, direct, rtol=1e-12, atol=1e-14)
    i, j = 5, 11
    point = float(analysis(nominal.replace(sin2_theta_w=SIN2[i], quench_k=QUENCH[j])))
    assert chunked.values[i, j] == pytest.approx(point, rel=1e-12)
    k = np.unravel_index(np.argmin(chunked.values), chunked.values.shape)
    assert chunked.minimum == chunked.values[k]
    assert chunked.best == {"sin2_theta_w": SIN2[k[0]], "quench_k": QUENCH[k[1]]}


def test_chunked_equals_unchunked_exactly(chunked, analysis, nominal):
    """Same block shape, blocks grouped into 5 calls or into one call: bit for bit."""
    whole = infer.grid_scan_nd(
        analysis, nominal, {"sin2_theta_w": SIN2, "quench_k": QUENCH}, chunk_size=64, blocks_per_call=10_000
    )
    assert whole.n_calls == 1 and chunked.n_calls == 5
    assert np.array_equal(whole.values, chunked.values)


def test_batching_modes_agree(chunked, analysis, nominal):
    """Nested vmaps per axis, only scanned fields batched, every field batched."""
    axes = {"sin2_theta_w": SIN2, "quench_k": QUENCH}
    for mode in ("scanned", "all"):
        other = infer.grid_scan_nd(analysis, nominal, axes, chunk_size=64, batching=mode)
        np.testing.assert_allclose(other.values, chunked.values, rtol=1e-12, atol=1e-14)


def test_memory_budget_sets_the_block_size(analysis, nominal):
    axes = {"sin2_theta_w": SIN2, "quench_k": QUENCH}
    small = infer.points_scan(analysis, nominal, {"quench_k": np.linspace(0.14, 0.19, 3000)}, max_memory_bytes=2 << 20)
    large = infer.points_scan(analysis, nominal, {"quench_k": np.linspace(0.14, 0.19, 3000)}, max_memory_bytes=16 << 20)
    assert small.bytes_per_point > 100  # measured by XLA's buffer assignment
    assert small.call_memory_bytes <= 2 << 20 and large.call_memory_bytes <= 16 << 20
    assert small.chunk_size < large.chunk_size and small.chunk_size * small.bytes_per_point <= 2 << 20
    np.testing.assert_allclose(small.values, large.values, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="max_memory_bytes"):
        infer.grid_scan_nd(analysis, nominal, axes, max_memory_bytes=1000)


def test_progress_hook_and_streaming(chunked, analysis, nominal):
    seen = []
    chunks = []
    res = infer.grid_scan_nd(
        analysis,
        nominal,
        {"sin2_theta_w": SIN2, "quench_k": QUENCH},
        chunk_size=64,
        blocks_per_call=1,
        progress=lambda done, total: seen.append((done, total)),
        keep_values=False,
        on_chunk=lambda where, values: chunks.append((where, values)),
    )
    assert res.values is None and res.minimum == chunked.minimum and res.best == chunked.best
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1] == (res.n_points, res.n_points)
    rebuilt = np.full(chunked.values.shape, np.nan)
    for where, values in chunks:
        rebuilt[where] = values
    assert np.array_equal(rebuilt, chunked.values)


def test_grid_scan_wrapper_keeps_its_layout(chunked, analysis, nominal):
    z = infer.grid_scan(analysis, nominal, "sin2_theta_w", SIN2, "quench_k", QUENCH, chunk=64)
    assert z.shape == (QUENCH.size, SIN2.size)
    np.testing.assert_allclose(z, chunked.values.T, rtol=1e-12, atol=1e-14)


def test_random_and_point_scans(analysis, nominal):
    ranges = {"sin2_theta_w": (0.2, 0.3), "quench_k": (0.14, 0.2)}
    a = infer.random_scan(analysis, nominal, ranges, 1500, seed=3, chunk_size=256)
    b = infer.random_scan(analysis, nominal, ranges, 1500, seed=3, chunk_size=256, blocks_per_call=1)
    c = infer.random_scan(analysis, nominal, ranges, 1500, seed=4, chunk_size=256)
    assert a.values.shape == (1500,) and a.n_calls == 1 and b.n_calls > 1
    for name, (lo, hi) in ranges.items():
        assert lo <= a.points[name].min() and a.points[name].max() < hi
        assert np.array_equal(a.points[name], b.points[name])
    assert np.array_equal(a.values, b.values) and not np.array_equal(a.points["quench_k"], c.points["quench_k"])
    p = infer.points_scan(analysis, nominal, a.points, chunk_size=256)
    assert np.array_equal(p.values, a.values)  # same block size and points: same bits
    i = 123
    one = float(analysis(nominal.replace(sin2_theta_w=a.points["sin2_theta_w"][i], quench_k=a.points["quench_k"][i])))
    assert a.values[i] == pytest.approx(one, rel=1e-12)
    j = int(np.argmin(a.values))
    assert a.minimum == a.values[j] and a.best == {n: a.points[n][j] for n in ranges}


def test_bad_scan_input(analysis, nominal):
    with pytest.raises(cj.ParameterError, match="unknown parameter"):
        infer.grid_scan_nd(analysis, nominal, {"sin2": SIN2})
    with pytest.raises(cj.ParameterError, match="outside its physical range"):
        infer.grid_scan_nd(analysis, nominal, {"quench_k": np.linspace(0.0, 0.2, 5)})
    with pytest.raises(cj.ParameterError, match="physical range"):
        infer.random_scan(analysis, nominal, {"mu_nu": (-1e-10, 1e-10)}, 10)
    with pytest.raises(ValueError, match="batching"):
        infer.grid_scan_nd(analysis, nominal, {"sin2_theta_w": SIN2}, batching="some")
    with pytest.raises(ValueError, match="common length"):
        infer.points_scan(analysis, nominal, {"sin2_theta_w": SIN2, "quench_k": QUENCH})


SHARDED_SCRIPT = textwrap.dedent("""
    import json, sys
    import jax, numpy as np
    import cevnsjax as cj
    from cevnsjax import infer, sharding
    cj.enable_x64()
    ex = cj.load_experiment("conus-plus")
    p = cj.nominal_params(ex)
    an = infer.counting_analysis(ex)
    mesh = sharding.device_mesh()
    axes = {"eps_ee_uV": np.linspace(-1, 1, 41), "eps_ee_dV": np.linspace(-1, 1, 29)}
    out = {"devices": len(jax.devices()), "mesh": mesh.size}
    one = infer.grid_scan_nd(an, p, axes, chunk_size=200)
    two = infer.grid_scan_nd(an, p, axes, chunk_size=200, mesh=mesh)
    out["grid"] = bool(np.array_equal(one.values, two.values)) and two.n_devices == 2
    ranges = {"sin2_theta_w": (0.2, 0.3), "quench_k": (0.14, 0.2)}
    r1 = infer.random_scan(an, p, ranges, 1000, chunk_size=128)
    r2 = infer.random_scan(an, p, ranges, 1000, chunk_size=128, mesh=mesh)
    same_points = np.array_equal(r1.points["quench_k"], r2.points["quench_k"])
    out["random"] = bool(np.array_equal(r1.values, r2.values) and same_points)
    q1 = infer.points_scan(an, p, r1.points, chunk_size=100)
    q2 = infer.points_scan(an, p, r1.points, chunk_size=100, mesh=mesh)
    out["points"] = bool(np.array_equal(q1.values, q2.values))
    print(json.dumps(out))
""")


def test_sharded_scan_on_two_host_devices_equals_single_device():
    """XLA_FLAGS must be set before jax is imported, hence the subprocess."""
    env = dict(os.environ)
    env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2").strip()
    proc = subprocess.run(
        [sys.executable, "-c", SHARDED_SCRIPT], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    import json

    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {"devices": 2, "mesh": 2, "grid": True, "random": True, "points": True}


def test_run_all_collects_reports_and_peak_memory(tmp_path):
    """benchmarks/run_all.py on a stand-in benchmark script (the real ones are timed, not tested)."""
    bench = tmp_path / "bench_dummy.py"
    bench.write_text(
        textwrap.dedent("""
        import argparse, json
        parser = argparse.ArgumentParser()
        parser.add_argument("--quick", action="store_true")
        parser.add_argument("--out")
        parser.add_argument("--no-readme", action="store_true")
        args = parser.parse_args()
        block = bytearray(50 * 2**20)  # 50 MiB resident
        json.dump({"benchmark": "dummy", "quick": args.quick, "evaluations_per_second": 1.0}, open(args.out, "w"))
    """)
    )
    out = tmp_path / "report.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run_all.py"),
            "--quick",
            "--bench-dir",
            str(tmp_path),
            "--results-dir",
            str(tmp_path / "results"),
            "--out",
            str(out),
            "--no-readme",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    import json

    report = json.loads(out.read_text())
    run = report["runs"]["bench_dummy"]
    assert run["returncode"] == 0 and run["report"]["quick"] is True
    assert run["peak_rss_bytes"] >= 50 * 2**20 and run["wall_seconds"] > 0
    assert {"device", "jax_version", "float64"} <= set(report["machine"])
    headline = json.loads((tmp_path / "results.json").read_text())  # beside the results directory
    assert headline["quick"] is True and headline["machine"] == report["machine"]
    assert "| quantity | value |" in proc.stdout  # the headline table is printed


MULTIPROCESS_SCRIPT = textwrap.dedent("""
    import json, sys
    import jax
    jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPU collectives across processes
    jax.distributed.initialize(coordinator_address="localhost:" + sys.argv[2], num_processes=2,
                               process_id=int(sys.argv[1]))
    import numpy as np
    import cevnsjax as cj
    from cevnsjax import infer, sharding
    cj.enable_x64()
    ex = cj.load_experiment("conus-plus")
    p = cj.nominal_params(ex)
    an = infer.counting_analysis(ex)
    axes = {"eps_ee_uV": np.linspace(-1, 1, 41), "eps_ee_dV": np.linspace(-1, 1, 29)}
    both = infer.grid_scan_nd(an, p, axes, chunk_size=200, mesh=sharding.device_mesh())
    mine = infer.grid_scan_nd(an, p, axes, chunk_size=200)
    print(json.dumps({"devices": len(jax.devices()), "local": len(jax.local_devices()), "mesh": both.n_devices,
                      "identical": bool(np.array_equal(both.values, mine.values))}))
""")


def test_scan_over_two_processes_with_jax_distributed():
    """Two processes (one CPU device each) joined by jax.distributed.initialize:
    each places its own blocks, both receive the whole grid, equal to one process's scan."""
    import json
    import socket

    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = str(s.getsockname()[1])
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", MULTIPROCESS_SCRIPT, str(i), port],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for i in range(2)
    ]
    outs = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err[-3000:]
            outs.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert outs == [{"devices": 2, "local": 1, "mesh": 2, "identical": True}] * 2
