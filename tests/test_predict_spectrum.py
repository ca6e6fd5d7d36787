"""`predict --spectrum` on a data-release analysis prints its expectation on the
release's own binning: the projections add up to the totals, the axes carry
the release's edges and units."""

import json

import numpy as np
import pytest

from cevnsjax.cli import main
from cevnsjax.datafiles import data_root


@pytest.mark.parametrize(
    "name, axes, units",
    [
        ("coherent-lar-2020", ("energy_edges_keVee", "t_trig_edges_us"), ("keVee", "us")),
    ],
)
def test_data_set_spectrum_on_the_release_binning(name, axes, units, capsys):
    assert main(["predict", "--experiment", name, "--spectrum", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    spec = out["spectrum"]
    binned = json.loads((data_root() / "experiments" / name / "binned.json").read_text())
    assert [a["edges"] for a in spec["axes"]] == [binned[k] for k in axes]
    assert [a["unit"] for a in spec["axes"]] == list(units)
    grid = np.asarray(spec["counts"]["cevns"])
    assert grid.shape == (len(binned[axes[0]]) - 1, len(binned[axes[1]]) - 1)
    assert grid.sum() == pytest.approx(out["total"], rel=1e-12)
    for key, total in out["components"].items():
        for unit, axis in zip(units, (1, 0), strict=True):
            projection = np.asarray(spec[f"counts_by_{unit}"][key])
            assert projection == pytest.approx(np.asarray(spec["counts"][key]).sum(axis=axis), rel=1e-12)
            assert projection.sum() == pytest.approx(total, rel=1e-10)
    # the text form prints both projections with their units
    assert main(["predict", "--experiment", name, "--spectrum"]) == 0
    text = capsys.readouterr().out
    assert "per reconstructed energy bin [keVee]" in text and "per t_trig bin [us]" in text


def test_figures_are_written_atomically(tmp_path, monkeypatch):
    """A figure that fails half-way leaves neither the figure nor a temporary file behind."""
    import matplotlib.pyplot as plt

    from cevnsjax.plots.style import save

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    written = save(fig, tmp_path / "ok.png", csv_columns={"x [1]": [0, 1], "y [1]": [0, 1]})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.csv", "ok.pdf", "ok.png"]
    assert all((tmp_path / p).stat().st_size > 0 for p in ("ok.png", "ok.pdf")) and len(written) == 2

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    original = fig.savefig

    def fail_on_pdf(path, **kw):
        if str(path).endswith(".pdf"):
            open(path, "wb").write(b"%PDF-half")  # a partial file, then the failure
            raise OSError("disk full")
        return original(path, **kw)

    monkeypatch.setattr(fig, "savefig", fail_on_pdf)
    with pytest.raises(OSError, match="disk full"):
        save(fig, tmp_path / "bad.png")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "bad.pdf" not in names and not any(n.startswith(".bad") for n in names)
