"""Packaging: declared minimum versions, one version string, a valid CITATION.cff,
and a real non-editable install that runs from outside the repository with its
data files installed as package data."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from importlib import metadata
from pathlib import Path

import jsonschema
import pytest
from packaging.requirements import Requirement

import cevnsjax
from cevnsjax import _version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DATA_PATTERNS = ("*.json", "*.md", "*.txt", "*.csv")


def _requirements(group: str | None) -> list[Requirement]:
    project = PYPROJECT["project"]
    lines = project["dependencies"] if group is None else project["optional-dependencies"][group]
    reqs = [Requirement(line) for line in lines]
    return [r for r in reqs if r.name != "cevnsjax" and (r.marker is None or r.marker.evaluate())]


def _check(reqs: list[Requirement], required: bool) -> list[str]:
    bad = []
    for req in reqs:
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            if required:
                bad.append(f"{req.name} not installed (declared {req})")
            continue
        if not req.specifier.contains(installed, prereleases=True):
            bad.append(f"{req.name} {installed} does not satisfy {req}")
    return bad


def test_installed_versions_satisfy_declared_minimums():
    assert _check(_requirements(None), required=True) == []
    assert _check(_requirements("test") + _requirements("docs"), required=False) == []


def test_minimums_are_not_below_what_the_code_calls():
    """The floors set from the code's calls (np.trapezoid, jax.shard_map, ...) stay in pyproject."""
    floors = {r.name: r.specifier for r in _requirements(None)}
    for name, too_old, new_enough in [
        ("numpy", "1.26.4", "2.0.0"),  # np.trapezoid
        ("jax", "0.6.0", "0.6.1"),  # top-level jax.shard_map(check_vma=...)
        ("optimistix", "0.0.9", "0.0.10"),  # BFGS(...).verbose
        ("jsonschema", "3.2.0", "4.0.0"),  # Draft202012Validator
    ]:
        assert not floors[name].contains(too_old) and floors[name].contains(new_enough), name


def test_version_from_one_place():
    assert cevnsjax.__version__ == _version.__version__ == "0.2.0.dev0"
    assert "version" not in PYPROJECT["project"] and "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "cevnsjax._version.__version__"}
    yaml = pytest.importorskip("yaml")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(cff["version"]) == cevnsjax.__version__


def test_citation_cff_is_valid_cff_1_2_0():
    yaml = pytest.importorskip("yaml")
    schema = json.loads((ROOT / "tests" / "data" / "cff" / "schema-1.2.0.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert [e.message for e in validator.iter_errors(cff)] == []
    assert cff["cff-version"] == "1.2.0" and cff["license"] == PYPROJECT["project"]["license"] == "MIT"
    for broken in ({**cff, "license": "Not-a-licence"}, {k: v for k, v in cff.items() if k != "title"}):
        assert list(validator.iter_errors(broken)), "the schema check must reject a broken file"
    assert "The cevnsjax developers" in (ROOT / "LICENSE").read_text(encoding="utf-8")


def test_every_package_is_listed():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "cevnsjax").rglob("__init__.py")}
    assert found <= listed, f"add {sorted(found - listed)} to [tool.setuptools] packages"
    assert PYPROJECT["tool"]["setuptools"]["package-dir"]["cevnsjax.data"] == "data"


def _source_files() -> list[Path]:
    """The files a fresh clone would have (tracked or untracked-but-not-ignored)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        return [Path(p) for p in out.decode().split("\0") if p and (ROOT / p).is_file()]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "build", "dist", "site", "results", "__pycache__", ".pytest_cache"}
        return [
            p.relative_to(ROOT)
            for p in ROOT.rglob("*")
            if p.is_file() and not skip & set(p.relative_to(ROOT).parts) and ".egg-info" not in str(p)
        ]


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["JAX_PLATFORMS"] = "cpu"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A non-editable install of a copy of the repository in a fresh venv whose
    dependencies come from this environment's site-packages (a .pth file)."""
    base = tmp_path_factory.mktemp("install")
    src = base / "src"
    for rel in _source_files():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, src / rel)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = _clean_env()
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    outer = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    Path(site, "_outer_env.pth").write_text("\n".join(outer) + "\n", encoding="utf-8")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-build-isolation"]
    result = subprocess.run(
        [*pip, "--no-index", "--no-cache-dir", "--quiet", str(src)], env=env, capture_output=True, text=True, cwd=base
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {"python": python, "venv": venv, "site": Path(site), "src": src, "cwd": base, "env": env}


def test_install_is_the_copy_with_all_package_data(installed):
    probe = "import cevnsjax, cevnsjax.infer, cevnsjax.io; print(cevnsjax.__file__); print(cevnsjax.__version__)"
    out = subprocess.run(
        [str(installed["python"]), "-c", probe],
        cwd=installed["cwd"],
        env=installed["env"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    package = Path(out[0]).parent
    assert package == installed["site"] / "cevnsjax" and out[1] == cevnsjax.__version__
    assert (package / "py.typed").is_file()
    data_src = installed["src"] / "data"
    shipped = sorted(str(p.relative_to(data_src)) for pat in DATA_PATTERNS for p in data_src.rglob(pat))
    assert shipped, "no data files found"
    missing = [rel for rel in shipped if not (package / "data" / rel).is_file()]
    assert missing == [], f"data files not installed: {missing}"
    assert (installed["venv"] / "bin" / "cevnsjax").is_file()  # the console script


def test_installed_cli_predicts_conus_plus_from_outside_the_repo(installed):
    result = subprocess.run(
        [str(installed["python"]), "-m", "cevnsjax", "predict", "--experiment", "conus-plus", "--json"],
        cwd=installed["cwd"],
        env=installed["env"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    total = json.loads(result.stdout)["total"]
    assert abs(total - 357.9) <= 0.5  # seed paper 356; README and test_published give 357.9
