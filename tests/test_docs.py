"""The documentation site builds with `mkdocs build --strict`, offline, and
holds the pages, the API reference and the notebooks."""

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS_MODULES = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python", "mkdocs_jupyter")

# Loaded at start-up of the build process: every network connection fails.
_NO_NETWORK = """
import socket

def _refuse(*args, **kwargs):
    raise OSError("network access is disabled while the documentation builds")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


def _missing_docs_tools() -> list[str]:
    missing = []
    for name in DOCS_MODULES:
        try:
            if importlib.util.find_spec(name) is None:
                missing.append(name)
        except ModuleNotFoundError:
            missing.append(name)
    return missing


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    missing = _missing_docs_tools()
    if missing:
        pytest.skip(f"the docs extra is not installed (missing {', '.join(missing)}): pip install -e '.[docs]'")
    base = tmp_path_factory.mktemp("docs")
    (base / "nonet").mkdir()
    (base / "nonet" / "sitecustomize.py").write_text(_NO_NETWORK, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(PYTHONPATH=str(base / "nonet"), NO_MKDOCS_2_WARNING="1")
    out = base / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "WARNING" not in result.stderr
    return out


def _text(page: Path) -> str:
    """The page's visible text, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")).replace("&nbsp;", " ").split())


def test_network_is_really_blocked(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(_NO_NETWORK, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    probe = "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9), 1)\nexcept OSError as e:\n    print(e)"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    assert "network access is disabled" in out


def test_pages_are_built(site):
    index = _text(site / "index.html")
    assert "pip install" in index and "cevnsjax predict" in index
    physics = _text(site / "physics" / "index.html")
    for phrase in ("Lindhard", "Helm", "Gauss–Legendre", "total flux", "Wilks"):
        assert phrase in physics, phrase


def test_api_reference_documents_the_public_api(site):
    html = (site / "api" / "index.html").read_text(encoding="utf-8")
    import cevnsjax
    import cevnsjax.infer
    from cevnsjax import io

    documented = set(re.findall(r'id="(cevnsjax[\w.]*)"', html))
    expected = {f"cevnsjax.{n}" for n in ("total_counts", "expected_counts", "load_experiment", "make_params")}
    expected |= {f"cevnsjax.infer.{n}" for n in ("profile_interval", "upper_limit", "sample_posterior")}
    expected.add("cevnsjax.infer.fit.fit")  # the function `fit` shares its name with its module
    expected |= {f"cevnsjax.io.{n}" for n in io.__all__}
    assert expected <= documented, sorted(expected - documented)
    # every public callable with a docstring in the two package namespaces is documented
    for module in (cevnsjax, cevnsjax.infer):
        for name in module.__all__:
            obj = getattr(module, name)
            doc = (obj.__doc__ or "").strip()
            written = doc and not doc.startswith(f"{name}(")  # not a dataclass's generated signature
            if callable(obj) and written and not isinstance(obj, type(cevnsjax)):
                full = f"{module.__name__}.{name}"
                assert full in documented or f"{full}.{name}" in documented, full


def test_notebooks_are_rendered(site):
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for nb in notebooks:
        page = site / "notebooks" / nb.stem / "index.html"
        assert page.is_file(), f"{nb.name} is not in the site (add it to the nav in mkdocs.yml)"
        text = _text(page)
        first_heading = json.loads(nb.read_text(encoding="utf-8"))["cells"][0]["source"][0]
        first_heading = " ".join(first_heading.lstrip("# ").split()[:3])  # e.g. "04 · Non-standard"
        assert first_heading in text and "import cevnsjax" in text, nb.name
