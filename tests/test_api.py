"""The public API is small and pinned."""

import cevnsjax


def test_public_api_is_pinned():
    assert sorted(cevnsjax.__all__) == sorted(
        [
            "Experiment",
            "ExperimentError",
            "PARAMETERS",
            "ParameterError",
            "Params",
            "available_experiments",
            "detector_counts",
            "enable_x64",
            "expected_counts",
            "load_experiment",
            "make_params",
            "nominal_params",
            "params_grid",
            "read_experiment_spec",
            "recoil_spectrum",
            "stack_params",
            "total_counts",
        ]
    )


def test_parameter_registry_matches_pytree_and_has_units_and_ranges():
    assert set(cevnsjax.PARAMETERS) == set(cevnsjax.parameters.PARAMETER_NAMES)
    for spec in cevnsjax.PARAMETERS.values():
        assert spec.contains(spec.default), spec.name
        assert spec.description


def test_importing_does_not_switch_on_float64():
    import subprocess
    import sys

    code = "import cevnsjax, jax; print(jax.config.jax_enable_x64)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr
