"""Bad input gets a clear error naming the field and the fix; nothing half-built."""

import copy
import json

import pytest

import cevnsjax as cj
from cevnsjax.cli import main
from cevnsjax.experiment import ExperimentError, read_experiment_spec, resolve_experiment_path


@pytest.fixture(scope="module")
def raw_spec():
    return json.loads(resolve_experiment_path("conus-plus").read_text())


def write(tmp_path, spec, name="exp.json"):
    path = tmp_path / name
    path.write_text(json.dumps(spec) if not isinstance(spec, str) else spec)
    return path


def expect_error(tmp_path, spec, *fragments):
    with pytest.raises(ExperimentError) as info:
        cj.load_experiment(str(write(tmp_path, spec)))
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)
    return str(info.value)


def test_malformed_json(tmp_path):
    expect_error(tmp_path, '{"schema_version": 1, "name": ', "not valid JSON", "line 1")


def test_top_level_not_an_object(tmp_path):
    expect_error(tmp_path, "[1, 2]", "top level must be a JSON object")


def test_missing_required_field(tmp_path, raw_spec):
    spec = copy.deepcopy(raw_spec)
    del spec["detectors"][1]["exposure_kg_day"]
    expect_error(tmp_path, spec, "detectors[1]", "'exposure_kg_day' is a required property")


def test_misspelt_field_lists_allowed_fields(tmp_path, raw_spec):
    spec = copy.deepcopy(raw_spec)
    spec["detectors"][0]["treshold_eVee"] = 160
    expect_error(tmp_path, spec, "detectors[0]", "treshold_eVee", "allowed fields here", "threshold_eVee")


def test_negative_exposure(tmp_path, raw_spec):
    spec = copy.deepcopy(raw_spec)
    spec["detectors"][2]["exposure_kg_day"] = -5.0
    expect_error(tmp_path, spec, "detectors[2].exposure_kg_day", "-5.0", "less than or equal to the minimum of 0")


def test_threshold_outside_modelled_range(tmp_path, raw_spec):
    spec = copy.deepcopy(raw_spec)
    spec["detectors"][0]["threshold_eVee"] = 20
    expect_error(tmp_path, spec, "detectors[0].threshold_eVee", "outside the modelled range [50, 10000] eVee")


def test_roi_below_threshold(tmp_path, raw_spec):
    spec = copy.deepcopy(raw_spec)
    spec["detectors"][0]["roi_max_eVee"] = 100
    expect_error(tmp_path, spec, "detectors[0].roi_max_eVee", "must be above threshold_eVee")


def test_bad_enum_lists_allowed_values(tmp_path, raw_spec):
    spec = copy.deepcopy(raw_spec)
    spec["physics"]["form_factor"] = "woods-saxon"
    expect_error(tmp_path, spec, "physics.form_factor", "'helm'", "'klein-nystrand'")


def test_fission_fractions_must_sum_to_one(tmp_path, raw_spec):
    spec = copy.deepcopy(raw_spec)
    spec["source"]["fission_fractions"]["U235"] = 0.9
    expect_error(tmp_path, spec, "source.fission_fractions", "sum to 1")


def test_total_flux_mode_requires_the_flux(tmp_path, raw_spec):
    spec = copy.deepcopy(raw_spec)
    del spec["source"]["total_flux_cm2_s"]
    expect_error(tmp_path, spec, "source", "total_flux_cm2_s")


def test_wrong_schema_version(tmp_path, raw_spec):
    spec = dict(raw_spec, schema_version=7)
    expect_error(tmp_path, spec, "schema_version", "reads schema_version 1")


def test_nominal_k_not_positive_in_file(tmp_path, raw_spec):
    spec = copy.deepcopy(raw_spec)
    spec["nominal_parameters"]["quench_k"] = -0.1
    expect_error(tmp_path, spec, "nominal_parameters.quench_k", "outside its allowed range (0, 0.4]")


def test_unknown_experiment_name_lists_shipped():
    with pytest.raises(ExperimentError, match="shipped experiments: conus-plus, conus-run5"):
        read_experiment_spec("conus-minus")


def test_unknown_parameter(conus_plus):
    with pytest.raises(cj.ParameterError, match=r"unknown parameter 'sin2theta'.*known parameters: sin2_theta_w"):
        cj.nominal_params(conus_plus, sin2theta=0.2)


@pytest.mark.parametrize("k", [0.0, -0.1])
def test_k_not_positive(conus_plus, k):
    with pytest.raises(cj.ParameterError, match=r"'quench_k' = .* outside its allowed range \(0, 0.4\]"):
        cj.nominal_params(conus_plus, quench_k=k)


@pytest.mark.parametrize("name,value", [("sin2_theta_w", 1.5), ("flux_norm", -1.0), ("res_scale", float("nan"))])
def test_out_of_range_parameters(conus_plus, name, value):
    with pytest.raises(cj.ParameterError, match=name):
        cj.nominal_params(conus_plus, **{name: value})


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["predict", "--param", "mu=1"], "unknown parameter 'mu'"),
        (["predict", "--param", "quench_k=0"], "'quench_k' = 0 is outside"),
        (["predict", "--experiment", "nowhere"], "unknown experiment 'nowhere'"),
    ],
)
def test_cli_bad_input_exits_nonzero_with_message(capsys, argv, fragment):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert fragment in captured.err and captured.out == ""


def test_cli_malformed_param_syntax(capsys):
    assert main(["predict", "--param", "quench_k"]) == 2
    err = capsys.readouterr().err
    assert "NAME=VALUE" in err and err.count("\n") == 1
