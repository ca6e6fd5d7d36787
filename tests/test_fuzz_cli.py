"""Fuzz corpus: malformed experiment files and odd command lines, generated
from tables of mutations. Each case must end with exit status 2, one line on
stderr that names the offending field or option, no traceback, nothing on
stdout and nothing written in the output folder. The CLI runs in-process.

Experiment-file cases must fail while the file is validated: the forward model
is replaced by a tripwire, so a file that reaches it fails the test."""

from __future__ import annotations

import copy
import json

import pytest

from cevnsjax.cli import main
from cevnsjax.experiment import resolve_experiment_path

BASES = {name: json.loads(resolve_experiment_path(name).read_text()) for name in ("conus-plus", "conus-run5")}

NAN, INF, NINF, HUGE = "__NaN__", "__Infinity__", "__-Infinity__", "__1e999__"  # raw-text sentinels
RAW = {f'"{NAN}"': "NaN", f'"{INF}"': "Infinity", f'"{NINF}"': "-Infinity", f'"{HUGE}"': "1e999"}
#: values no numeric field accepts: non-finite numbers and wrong types
NOT_A_NUMBER = [NAN, INF, NINF, HUGE, "12", None, True, [1.0], {"value": 1.0}]

#: numeric fields -> out-of-bound values (beyond NOT_A_NUMBER), with the base file they live in
NUMERIC = {
    ("conus-plus", "source.thermal_power_GW"): [0, -1.0, 1e300],
    ("conus-plus", "source.distance_m"): [0, -20.7, 1e-9, 1e300],
    ("conus-plus", "source.total_flux_cm2_s"): [0, -1.0, 1e30],
    ("conus-plus", "source.captures_per_fission"): [-1.0, 1e300],
    ("conus-plus", "source.e_max_MeV"): [0, -1.0, 1000.0],
    ("conus-plus", "source.fission_fractions.U235"): [-0.1, 1.5],
    ("conus-plus", "detectors.0.exposure_kg_day"): [0, -5.0, 1e30, 1e300],
    ("conus-plus", "detectors.1.threshold_eVee"): [0, -1.0, 20.0, 1e300],
    ("conus-plus", "detectors.2.roi_max_eVee"): [100.0, 1e9, 1e300],
    ("conus-plus", "detectors.0.trigger_efficiency.e50_eVee"): [-1e300, 1e300],
    ("conus-plus", "detectors.0.trigger_efficiency.width_eVee"): [0, -3.0, 1e300],
    ("conus-plus", "detectors.0.resolution.sigma0_eVee"): [0, -20.0, 1e300],
    ("conus-plus", "nominal_parameters.quench_k"): [0, -0.1, 5.0],
    ("conus-plus", "nominal_parameters.sin2_theta_w"): [1.5, -0.2],
    ("conus-run5", "detectors.0.exposure_off_kg_day"): [-1.0, 1e300],
    ("conus-run5", "detectors.1.mass_kg"): [0, 1e300],
    ("conus-run5", "background.flat_per_kg_day_keV"): [-1.0, 1e300],
    ("conus-run5", "background.noise_decay_eVee"): [0, 1e300],
    ("conus-run5", "numerics.recoil_nodes"): [0, 10**9],
}

#: (base, field to delete, fragment of the message)
MISSING = [
    ("conus-plus", f, f.split(".")[-1])
    for f in (
        "name",
        "target",
        "source",
        "detectors",
        "schema_version",
        "source.type",
        "source.distance_m",
        "detectors.0.name",
        "detectors.0.exposure_kg_day",
        "detectors.1.threshold_eVee",
        "detectors.1.roi_max_eVee",
        "detectors.2.trigger_efficiency",
        "detectors.2.resolution",
        "detectors.0.trigger_efficiency.e50_eVee",
        "detectors.0.resolution.sigma0_eVee",
        "source.fission_fractions",
    )
] + [("conus-run5", "background.flat_per_kg_day_keV", "flat_per_kg_day_keV")]

#: (base, field, bad value, fragment): unknown names, names that are paths, wrong types and structures
WRONG = [
    ("conus-plus", "target", "../targets/germanium", "target"),
    ("conus-plus", "target", "/etc/passwd", "target"),
    ("conus-plus", "target", "ger manium", "target"),
    ("conus-plus", "target", "unobtainium", "unobtainium"),
    ("conus-plus", "target", 5, "target"),
    ("conus-plus", "name", 5, "name"),
    ("conus-plus", "name", "", "name"),
    ("conus-plus", "source.type", "laser", "source"),
    ("conus-plus", "source.normalisation", "guess", "normalisation"),
    ("conus-plus", "source.energy_per_fission", "folklore", "energy_per_fission"),
    ("conus-plus", "source", [], "source"),
    ("conus-plus", "physics.form_factor", "woods-saxon", "form_factor"),
    ("conus-plus", "physics.couplings", "loop-ish", "couplings"),
    ("conus-plus", "physics.channels", ["muon"], "channels"),
    ("conus-plus", "physics.vector_mediator", "tensor", "vector_mediator"),
    ("conus-plus", "detectors", {}, "detectors"),
    ("conus-plus", "detectors", [], "detectors"),
    ("conus-plus", "detectors", [5], "detectors[0]"),
    ("conus-plus", "detectors.0.name", 7, "name"),
    ("conus-plus", "detectors.0.trigger_efficiency", 130, "trigger_efficiency"),
    ("conus-plus", "detectors.0.bin_edges_eVee", [160, 150, 1000], "bin_edges_eVee"),
    ("conus-plus", "detectors.0.treshold_eVee", 160, "treshold_eVee"),
    ("conus-plus", "nominal_parameters.quench_kk", 0.16, "quench_kk"),
    ("conus-plus", "nominal_parameters.quench_k", "0.16", "quench_k"),
    ("conus-plus", "schema_version", 7, "schema_version"),
    ("conus-plus", "numerics.recoil_nodes", 96.5, "recoil_nodes"),
    ("conus-run5", "detectors.0.bin_edges_eVee", [210, 1000, 2000], "bin_edges_eVee"),
]

#: (base, key whose first occurrence is duplicated in the text, fragment)
DUPLICATES = [
    ("conus-plus", k, k)
    for k in (
        "name",
        "target",
        "distance_m",
        "thermal_power_GW",
        "exposure_kg_day",
        "threshold_eVee",
        "quench_k",
        "form_factor",
        "sigma0_eVee",
    )
]

#: raw texts that are not experiment files at all
RAW_TEXTS = [
    ("", "JSON"),
    ("{", "JSON"),
    ("[1, 2]", "top level"),
    ("null", "top level"),
    ('"conus-plus"', "top level"),
    ("\x00\x01binary", "JSON"),
    ('{"schema_version": 1}', "required"),
]


def _set(spec, path, value, delete=False):
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    node = spec
    for k in keys[:-1]:
        node = node.setdefault(k, {}) if isinstance(node, dict) else node[k]
    if delete:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value


def _text(spec) -> str:
    text = json.dumps(spec)
    for sentinel, raw in RAW.items():
        text = text.replace(sentinel, raw)
    return text


def _file_cases():
    cases = []
    for (base, path), values in NUMERIC.items():
        for value in [*NOT_A_NUMBER, *values]:
            cases.append(pytest.param(base, "set", path, value, path.split(".")[-1], id=f"{base}:{path}={value!r}"))
    for base, path, fragment in MISSING:
        cases.append(pytest.param(base, "del", path, None, fragment, id=f"{base}:missing {path}"))
    for base, path, value, fragment in WRONG:
        cases.append(pytest.param(base, "set", path, value, fragment, id=f"{base}:{path}={value!r}"))
    for base, key, fragment in DUPLICATES:
        cases.append(pytest.param(base, "dup", key, None, fragment, id=f"{base}:duplicate {key}"))
    for text, fragment in RAW_TEXTS:
        cases.append(pytest.param(None, "raw", None, text, fragment, id=f"raw {text[:12]!r}"))
    return cases


FILE_CASES = _file_cases()


@pytest.fixture
def tripwire(monkeypatch):
    """Any evaluation of the forward model or an analysis fails the case."""
    import cevnsjax.analyses.registry as registry
    import cevnsjax.rates as rates

    def boom(*args, **kwargs):
        raise AssertionError("validation let the file through to the model")

    monkeypatch.setattr(rates, "expected_counts_by_channel", boom)
    monkeypatch.setattr(registry, "load_analyses", boom)


def _expect_clean_failure(capsys, argv, fragment, out_dir):
    code = main(argv)
    captured = capsys.readouterr()
    err = captured.err
    assert code == 2, (argv, err)
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith("cevnsjax") and "error:" in err, err
    assert "Traceback" not in err and "validation let the file through" not in err, err
    assert fragment in err, (fragment, err)
    assert captured.out == ""
    if out_dir is not None:
        assert sorted(p.name for p in out_dir.iterdir()) == [], "something was written"
    return err


@pytest.mark.parametrize("base,op,path,value,fragment", FILE_CASES)
def test_malformed_experiment_file(tmp_path, capsys, tripwire, base, op, path, value, fragment):
    out = tmp_path / "out"
    out.mkdir()
    if op == "raw":
        text = value
    else:
        spec = copy.deepcopy(BASES[base])
        if op == "dup":
            text = _text(spec)
            start = text.index(f'"{path}": ')
            end = min(i for i in (text.find(",", start), text.find("}", start)) if i > 0)
            text = text[:end] + ", " + text[start:end] + text[end:]
        else:
            _set(spec, path, value, delete=op == "del")
            text = _text(spec)
    exp = tmp_path / "experiment.json"
    exp.write_text(text, encoding="utf-8")
    err = _expect_clean_failure(
        capsys, ["predict", "--experiment", str(exp), "--json", "--out", str(out / "r.json")], fragment, out
    )
    assert "experiment.json" in err or "--experiment" in err, err  # the file is named


def test_the_corpus_is_large_enough():
    assert len(FILE_CASES) + len(CLI_CASES) >= 150


#: (argv, fragment): odd command lines
CLI_CASES = [
    ([], "command"),
    (["frobnicate"], "frobnicate"),
    (["fit"], "parameter"),
    (["fit", "sin2theta"], "unknown parameter 'sin2theta'"),
    (["fit", "sin2_theta_w", "--cl", "2"], "--cl"),
    (["fit", "sin2_theta_w", "--cl", "nan"], "--cl"),
    (["fit", "sin2_theta_w", "--cl", "-0.5"], "--cl"),
    (["limit", "mu_nu", "--cl", "1"], "--cl"),
    (["fit", "sin2_theta_w", "--cl"], "--cl"),
    (["fit", "sin2_theta_w", "--measured", "1e300"], "--measured"),
    (["fit", "sin2_theta_w", "--measured", "nan"], "--measured"),
    (["fit", "sin2_theta_w", "--measured", "inf"], "--measured"),
    (["fit", "sin2_theta_w", "--measured", "-3"], "--measured"),
    (["fit", "sin2_theta_w", "--measured", "many"], "--measured"),
    (["limit", "mu_nu", "--sigma-alpha", "0"], "--sigma-alpha"),
    (["limit", "mu_nu", "--sigma-alpha", "1e9"], "--sigma-alpha"),
    (["fit", "sin2_theta_w", "--method", "magic"], "--method"),
    (["fit", "sin2_theta_w", "--no-such-flag"], "--no-such-flag"),
    (["scan", "mu_nu", "mu_nu"], "two different parameters"),
    (["scan", "mu_nu"], "parameter_y"),
    (["scan", "eps_ee_uV", "nsi"], "unknown parameter 'nsi'"),
    (["scan", "eps_ee_uV", "eps_ee_dV", "--points", "1"], "--points"),
    (["scan", "eps_ee_uV", "eps_ee_dV", "--points", "100000"], "--points"),
    (["scan", "eps_ee_uV", "eps_ee_dV", "--range", "-3", "1", "-1", "1"], "eps_ee_uV"),
    (["scan", "eps_ee_uV", "eps_ee_dV", "--range", "0", "1", "nan", "1"], "--range"),
    (["scan", "eps_ee_uV", "eps_ee_dV", "--cl", "0.9", "3"], "--cl"),
    (["predict", "--param", "mu=1"], "unknown parameter 'mu'"),
    (["predict", "--param", "quench_k"], "NAME=VALUE"),
    (["predict", "--param", "quench_k=nan"], "quench_k"),
    (["predict", "--param", "quench_k=inf"], "quench_k"),
    (["predict", "--param", "quench_k=1e999"], "quench_k"),
    (["predict", "--param", "quench_k=0"], "quench_k"),
    (["predict", "--param", "=0.1"], "NAME=VALUE"),
    (["predict", "--experiment", "nowhere"], "unknown experiment 'nowhere'"),
    (["predict", "--experiment", "../etc/passwd"], "../etc/passwd"),
    (["predict", "--experiment", "/nonexistent/folder/x.json"], "does not exist"),
    (["predict", "--experiment", ""], "experiment"),
    (["predict", "--experiment", "conus plus"], "not a valid name"),
    (["predict", "--experiment", "conus-plus", "--experiment", "conus-plus"], "given twice"),
    (["predict", "--flux-normalisation", "magic"], "--flux-normalisation"),
    (["predict", "--experiment", "coherent-csi-2017", "--flux-normalisation", "thermal_power"], "--flux-normalisation"),
    (["fit", "sin2_theta_w", "--experiment", "conus-run5", "--measured", "300"], "--measured"),
    (["fit", "flux_norm", "--experiment", "conus-plus", "--spectra", "spectra.json"], "--spectra"),
    (["fit", "sin2_theta_w", "--experiment", "coherent-lar-2020", "--measured", "100"], "--measured"),
    (["sample", "mu_nu", "--prior", "mu_nu=gauss:1e-10,0"], "mu_nu"),
    (["sample", "sin2_theta_w", "--prior", "sin2_theta_w=gauss:0.2,-1"], "sin2_theta_w"),
    (["sample", "sin2_theta_w", "--prior", "sin2_theta_w=uniform:0.5,0.5"], "sin2_theta_w"),
    (["sample", "sin2_theta_w", "--prior", "sin2_theta_w=cauchy:0,1"], "sin2_theta_w"),
    (["sample", "sin2_theta_w", "--prior", "mu_nu=uniform"], "not sampled"),
    (["sample", "sin2_theta_w", "--prior", "sin2_theta_w"], "NAME=SPEC"),
    (["sample", "sin2_theta_w", "--chains", "0"], "--chains"),
    (["sample", "sin2_theta_w", "--samples", "0"], "--samples"),
    (["sample", "sin2_theta_w", "--warmup", "-1"], "--warmup"),
    (["sample", "sin2_theta_w", "--target-accept", "1.5"], "--target-accept"),
    (["sample", "sin2_theta_w", "sin2_theta_w"], "given twice"),
    (["sample", "sin2_theta_w", "--sampler", "gibbs"], "--sampler"),
    (["exclusion", "tensor"], "tensor"),
    (["exclusion", "scalar", "--masses", "1", "0.1", "5"], "--masses"),
    (["exclusion", "scalar", "--masses", "1e-9", "1", "5"], "--masses"),
    (["exclusion", "scalar", "--masses", "1", "10", "2.5"], "--masses"),
    (["exclusion", "scalar", "--cl", "0"], "--cl"),
    (["reproduce", "--seed", "x"], "--seed"),
]


@pytest.mark.parametrize("argv,fragment", CLI_CASES, ids=[" ".join(a) or "(empty)" for a, _ in CLI_CASES])
def test_odd_command_line(tmp_path, capsys, argv, fragment):
    _expect_clean_failure(capsys, argv, fragment, None)


def _output_cases(tmp_path):
    existing = tmp_path / "existing.png"
    existing.write_bytes(b"old")
    (tmp_path / "existing.json").write_text("{}")
    (tmp_path / "a-folder.png").mkdir()
    (tmp_path / "a-folder.json").mkdir()
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / "results.json").write_text("{}")
    missing = str(tmp_path / "no" / "such" / "folder")
    return [
        (["fit", "sin2_theta_w", "--plot", f"{missing}/x.png"], "does not exist"),
        (["fit", "sin2_theta_w", "--plot", str(existing)], "already exists"),
        (["limit", "mu_nu", "--plot", str(tmp_path / "plot.txt")], ".png"),
        (["scan", "eps_ee_uV", "eps_ee_dV", "--plot", str(tmp_path / "a-folder.png")], "is a folder"),
        (["predict", "--out", f"{missing}/r.json"], "does not exist"),
        (["predict", "--out", str(tmp_path / "existing.json")], "already exists"),
        (["predict", "--out", str(tmp_path / "r.txt")], ".json"),
        (["exclusion", "scalar", "--out", str(tmp_path / "a-folder.json")], "is a folder"),
        (["sample", "sin2_theta_w", "--out", str(existing)], "existing.png"),
        (["sample", "sin2_theta_w", "--out", f"{missing}/run"], "does not exist"),
        (["reproduce", "--out", str(existing)], "existing.png"),
        (["reproduce", "--out", str(tmp_path / "done")], "--force"),
    ]


def test_output_paths_are_checked_before_any_work(tmp_path, capsys, monkeypatch):
    import cevnsjax.commands as commands
    import cevnsjax.reproduce as reproduce

    def boom(*args, **kwargs):
        raise AssertionError("work started before the output paths were checked")

    monkeypatch.setattr(commands, "_setup", boom)
    monkeypatch.setattr(commands, "predict", boom)
    monkeypatch.setattr(reproduce, "reproduce", boom)
    monkeypatch.setitem(commands.HANDLERS, "predict", boom)
    before = sorted(p.name for p in tmp_path.iterdir())
    for argv, fragment in _output_cases(tmp_path):
        before = sorted(str(p) for p in tmp_path.rglob("*"))
        _expect_clean_failure(capsys, argv, fragment, None)
        assert sorted(str(p) for p in tmp_path.rglob("*")) == before, argv
    assert (tmp_path / "existing.png").read_bytes() == b"old"
