"""jit / vmap consistency and compilation behaviour."""

import jax
import numpy as np
import pytest

import cevnsjax as cj


def test_vmapped_batch_of_ten_thousand_equals_loop(conus_plus, nominal):
    n = 10_000
    rng = np.random.default_rng(1)
    s2 = rng.uniform(0.15, 0.35, n)
    k = rng.uniform(0.12, 0.22, n)
    batch = cj.params_grid(nominal, sin2_theta_w=s2, quench_k=k)
    batched = np.asarray(jax.jit(jax.vmap(cj.total_counts, in_axes=(0, None)))(batch, conus_plus))
    assert batched.shape == (n,)
    # every 10th point of the batch, one call each (the 10⁴ single calls cost ~10 s and show nothing more:
    # each point of a vmap is computed independently, so any batching error shows at any point)
    idx = np.arange(0, n, 10)
    looped = np.array(
        [float(cj.total_counts(nominal.replace(sin2_theta_w=s2[i], quench_k=k[i]), conus_plus)) for i in idx]
    )
    np.testing.assert_allclose(batched[idx], looped, rtol=1e-12, atol=0)
    assert np.all(np.isfinite(batched)) and np.unique(batched).size == n  # the other points are real, distinct values


def test_new_parameter_values_do_not_recompile(conus_plus, nominal):
    f = jax.jit(cj.total_counts)
    f(nominal, conus_plus).block_until_ready()
    size = f._cache_size()
    for s2 in (0.2, 0.25, 0.3):
        f(nominal.replace(sin2_theta_w=s2, quench_k=0.17), conus_plus).block_until_ready()
    assert f._cache_size() == size == 1


def test_api_verbs_compile_once_per_experiment(conus_plus, nominal):
    cj.total_counts(nominal, conus_plus)
    before = cj.total_counts._cache_size()
    cj.total_counts(nominal.replace(flux_norm=1.3), conus_plus)
    other = cj.load_experiment("conus-plus")  # equal structure: same compiled program
    cj.total_counts(nominal, other)
    assert cj.total_counts._cache_size() == before


def test_expected_counts_shapes_and_positivity(conus_plus, nominal):
    counts = np.asarray(cj.expected_counts(nominal, conus_plus))
    assert counts.shape == (3, 1) and np.all(counts > 0)
    run5 = cj.load_experiment("conus-run5")
    binned = np.asarray(cj.expected_counts(cj.nominal_params(run5), run5))
    assert binned.shape == (3, 13) and np.all(binned > 0)
    # spectrum falls above threshold region
    assert np.all(np.diff(binned[0, 2:12]) < 0)


def _with_thresholds(thresholds, **numerics):
    from cevnsjax.experiment import build_experiment, read_experiment_spec, validate_experiment_spec

    spec = read_experiment_spec("conus-plus")
    for det, thr in zip(spec["detectors"], thresholds, strict=False):
        det["trigger_efficiency"]["e50_eVee"] += thr - det["threshold_eVee"]
        det["threshold_eVee"] = thr
        det.pop("bin_edges_eVee")
    spec["numerics"].update(numerics)
    return build_experiment(validate_experiment_spec(spec))


@pytest.mark.parametrize("thresholds", [(160, 170, 180), (200, 250, 300), (400, 450, 500)])
def test_quadrature_orders_meet_accuracy_target(thresholds):
    """Default orders against a much finer rule, per detector, over thresholds,
    k and the resolution range: within 5e-5 relative (target 1e-4; the worst case, res_scale = 0.5, measures 2e-5)."""
    default = _with_thresholds(thresholds)
    fine = _with_thresholds(thresholds, recoil_nodes=1024, response_nodes=32, flux_nodes=128)
    base = cj.nominal_params(default)
    for p in (
        base,
        base.replace(quench_k=0.25, sin2_theta_w=0.3),
        base.replace(res_scale=0.5),
        base.replace(res_scale=2.0),
    ):
        a, b = np.asarray(cj.detector_counts(p, default)), np.asarray(cj.detector_counts(p, fine))
        np.testing.assert_allclose(a, b, rtol=5e-5)


def test_float32_evaluation_is_safe(tmp_path):
    """Without x64 the folded constants keep everything in float32 range."""
    import subprocess
    import sys

    code = (
        "import cevnsjax as cj, jax.numpy as jnp;"
        "ex=cj.load_experiment('conus-plus'); p=cj.nominal_params(ex);"
        "t=cj.total_counts(p,ex); assert t.dtype==jnp.float32, t.dtype; print(float(t))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    t32 = float(out.stdout.strip().splitlines()[-1])
    ex = cj.load_experiment("conus-plus")
    assert t32 == pytest.approx(float(cj.total_counts(cj.nominal_params(ex), ex)), rel=1e-4)
