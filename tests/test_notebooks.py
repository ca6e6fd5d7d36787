"""Every tutorial notebook runs top to bottom and its closing ``assert`` cell
passes (each notebook checks the physics numbers it computed: the 356-event
prediction, sin²θW, the μν and q_ν limits, the NSI bands, the mediator curves,
the design gradients).

06_posteriors_vs_profile is executed, with smaller settings, in test_bayes.py.
"""

from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
EXECUTED_ELSEWHERE = {"06_posteriors_vs_profile.ipynb"}  # tests/test_bayes.py
NOTEBOOKS = sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb") if p.name not in EXECUTED_ELSEWHERE)


def test_notebooks_are_found():
    names = {p.name for p in NOTEBOOKS}
    for stem in (
        "01_forward_model",
        "02_weak_mixing_angle",
        "03_magnetic_moment_and_millicharge",
        "04_nsi",
        "05_light_mediators",
        "07_differentiable_sensitivity",
    ):
        assert f"{stem}.ipynb" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")

    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert nb.cells[0].cell_type == "markdown", "a notebook starts by saying what it shows"
    assert "cj.enable_x64()" in code[0].source, "float64 is opt-in: the first code cell enables it"
    assert "assert " in code[-1].source, "the last code cell checks the computed numbers"
    # raises CellExecutionError (failing the test) if any cell raises, including a failed assert
    nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    ).execute()
    printed = "".join(o.get("text", "") for o in code[-1].outputs if o.output_type == "stream")
    assert "all checks passed" in printed
