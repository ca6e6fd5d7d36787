"""Every figure from small synthetic inputs: written, axes labelled with units,
legends outside the data, confidence levels named as such."""

import json
import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from cevnsjax import plots
from cevnsjax.plots import style

UNIT = re.compile(r"\[.+\]")


def _synthetic(out):
    """Render each figure once; returns name -> list of written paths."""
    xs = np.linspace(0.05, 0.6, 201)
    dchi2 = ((xs - 0.255) / 0.047) ** 2
    u = np.linspace(-0.6, 0.6, 41)
    d = np.linspace(-0.6, 0.6, 41)
    uu, dd = np.meshgrid(u, d, indexing="ij")
    band = ((uu + 2.1 * dd) / 0.08) ** 2  # a band, like a single counting rate
    blob = ((uu - 0.05) / 0.1) ** 2 + ((dd + 0.02) / 0.1) ** 2
    masses = np.geomspace(1e-2, 1e4, 25)
    limits = 1e-6 * np.sqrt(1 + (masses / 10.0) ** 2)
    islands = [[(3 * g, 4 * g)] if 1.0 < m < 300 else [] for m, g in zip(masses, limits, strict=False)]
    rng = np.random.default_rng(1)
    n = 4000
    s2 = rng.normal(0.255, 0.047, n)
    k = rng.normal(0.162, 0.004, n) + 0.02 * (s2 - 0.255)
    mu = np.abs(rng.normal(0, 2e-10, n))
    q = np.linspace(-2e-12, 2e-12, 301)
    ctx = style.context_text("CONUS+", "347 kg d", "observed")
    return {
        "profile": plots.profile_plot(
            xs,
            dchi2,
            xlabel=plots.label("sin2_theta_w"),
            interval=(0.208, 0.302),
            best_fit=0.255,
            reference=(0.255, 0.047, "seed paper: 0.255 ± 0.047"),
            path=out / "profile.png",
            context=ctx,
        ),
        # a wide scan range (like run5_q_nu) must not leave the curve squeezed into a corner
        "profile_wide": plots.profile_plot(
            np.concatenate([np.linspace(-1e-5, -1e-11, 50), q]),
            np.concatenate([np.full(50, 1e6), (q / 7.3e-13) ** 2 * 2.71]),
            xlabel=plots.label("q_nu"),
            levels=((2.71, None),),
            path=out / "profile_wide.png",
            context=style.context_text("CONUS Run-5", "Asimov", "expected"),
        ),
        "running": plots.running_figure(
            {"value": 0.255, "low": 0.208, "high": 0.302, "q_gev": 0.0156}, out / "running.png", context=ctx
        ),
        "mu_nu": plots.mu_nu_limits_figure(5.1e-10, out / "mu_nu_limits.png", context=ctx),
        "nsi": plots.nsi_figure(
            u, d, band, out / "nsi.png", extra_regions=[(u, d, blob, "COHERENT CsI + LAr")], context=ctx
        ),
        "exclusion": plots.exclusion_plot(
            {"CONUS+": {"masses_MeV": masses, "coupling_limits": limits, "allowed_islands": islands, "cl": 0.9}},
            model="vector-universal",
            path=out / "exclusion.png",
            context=ctx + "; light vector, universal",
        ),
        "corner": plots.corner_plot_samples(
            {"sin2_theta_w": s2, "quench_k": k, "mu_nu": mu},
            out / "corner.png",
            upper_limits=("mu_nu",),
            units={"mu_nu": r"\mu_B"},
            context=ctx,
        ),
        "corner1": plots.corner_plot_samples(
            {"mu_nu": mu}, out / "corner1.png", upper_limits=("mu_nu",), units={"mu_nu": r"\mu_B"}, context=ctx
        ),
        "contour": plots.contour_plot(
            u,
            d,
            blob.T,
            {4.61: [np.c_[0.05 + 0.2 * np.cos(t := np.linspace(0, 6.3, 50)), -0.02 + 0.2 * np.sin(t)]]},
            xlabel=plots.label("eps_ee_uV"),
            ylabel=plots.label("eps_ee_dV"),
            path=out / "contour.png",
            context=ctx,
        ),
        "spectra": plots.channel_spectra_plot(
            np.arange(200, 1000, 100),
            np.arange(300, 1100, 100),
            {"nuclear recoils": np.full(8, 3.0), "background": np.full(8, 50.0)},
            path=out / "spectra.png",
            context=ctx,
        ),
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("figs")
    captured = {}
    real_save = style.save

    def capture(fig, path, **kw):
        from pathlib import Path

        fig.canvas.draw()
        captured[Path(path).stem] = _geometry(fig)
        return real_save(fig, path, **kw)

    for module in (plots.basic, plots.seed_figures, plots.exclusion, plots.corner):
        module.save = capture
    try:
        paths = _synthetic(out)
    finally:
        for module in (plots.basic, plots.seed_figures, plots.exclusion, plots.corner):
            module.save = real_save
    return paths, captured


def _geometry(fig):
    """Axes boxes, legend boxes and labels in display coordinates."""
    axes = [ax for ax in fig.axes if ax.get_visible()]
    legends = [leg for leg in [ax.get_legend() for ax in axes] + list(fig.legends) if leg is not None]
    renderer = fig.canvas.get_renderer()
    return {
        "axes": [ax.get_window_extent(renderer) for ax in axes],
        "legends": [leg.get_window_extent(renderer) for leg in legends],
        "legend_texts": [t.get_text() for leg in legends for t in leg.get_texts()],
        "xlabels": [ax.get_xlabel() for ax in axes],
        "ylabels": [ax.get_ylabel() for ax in axes],
        "titles": [ax.get_title(loc="left") for ax in axes] + [fig._suptitle.get_text() if fig._suptitle else ""],
        "xlim": [ax.get_xlim() for ax in axes],
    }


def test_every_figure_written_as_png_and_pdf(rendered):
    paths, _ = rendered
    for name, files in paths.items():
        assert [f.rsplit(".", 1)[1] for f in files] == ["png", "pdf"], name
        for suffix in (".png", ".pdf"):
            hits = [f for f in files if f.endswith(suffix)]
            assert hits, (name, suffix)
            from pathlib import Path

            assert Path(hits[0]).stat().st_size > 1000


def test_legends_outside_the_data(rendered):
    _, geo = rendered
    for name, g in geo.items():
        assert g["legends"], f"{name}: no legend"
        for leg in g["legends"]:
            for ax in g["axes"]:
                assert not leg.overlaps(ax), f"{name}: legend overlaps an axes"


def test_axis_labels_have_units_or_are_dimensionless(rendered):
    _, geo = rendered
    dimensionless = {style.label(n) for n in style.DIMENSIONLESS} | {r"$\sin^2\hat\theta_W(\mu)$ ($\overline{\rm MS}$)"}
    for name, g in geo.items():
        for text in [t for t in g["xlabels"] + g["ylabels"] if t]:
            assert UNIT.search(text) or text in dimensionless or "density" in text, f"{name}: {text!r} has no unit"
        assert any(g["xlabels"]), name


def test_confidence_levels_named_and_context_stated(rendered):
    _, geo = rendered
    for name, g in geo.items():
        legend = " ".join(g["legend_texts"])
        assert "Δχ² = 2.30" not in legend and "Δχ² = 4.61" not in legend, name
        assert any("observed" in t or "expected" in t for t in g["titles"]), f"{name}: no context line"
    assert "68 % CL" in " ".join(geo["nsi"]["legend_texts"]) and "90 % CL" in " ".join(geo["nsi"]["legend_texts"])
    assert "COHERENT CsI + LAr, 90 % CL" in geo["nsi"]["legend_texts"]
    assert "90 % CL" in " ".join(geo["profile_wide"]["legend_texts"])
    assert any("credible" in t for t in geo["corner"]["legend_texts"])


def test_wide_scan_is_cropped_to_the_curve(rendered):
    _, geo = rendered
    lo, hi = geo["profile_wide"]["xlim"][0]
    assert lo > -1e-11 and hi <= 2e-12  # the -1e-5 tail is cut away


def test_csv_beside_figures_and_published_numbers_from_files(rendered):
    from pathlib import Path

    paths, _ = rendered
    csv = Path(paths["mu_nu"][0]).with_suffix(".csv")
    text = csv.read_text()
    published = json.loads(Path(plots.seed_figures._data("published/mu_nu_limits.json")).read_text())
    for entry in published["limits"]:
        assert entry["label"] in text and entry["reference"]
    running_csv = Path(paths["running"][0]).with_suffix(".csv").read_text().splitlines()
    assert running_csv[0].startswith("mu_GeV,sin2_theta_w_msbar") and len(running_csv) == 401


def test_number_format_and_cl_names():
    assert style.sci(5.3e-10, r"\mu_B") == r"$5.3\times10^{-10}\,\mu_B$"
    assert style.sci(9.96e-11) == r"$1.0\times10^{-10}$"
    assert style.level_name(2.2957, 2) == "68 % CL" and style.level_name(4.605, 2) == "90 % CL"
    assert style.level_name(2.706, 1) == "90 % CL" and style.cl_label(0.9, expected=True) == "90 % CL expected"


def test_bad_input_names_the_field(tmp_path):
    with pytest.raises(ValueError, match="conus"):
        plots.running_figure({"value": 0.25}, tmp_path / "x.png")
    with pytest.raises(ValueError, match="conus_limit"):
        plots.mu_nu_limits_figure(-1.0, tmp_path / "x.png")
    with pytest.raises(ValueError, match="delta_chi2"):
        plots.nsi_figure([0, 1], [0, 1, 2], np.zeros((2, 2)), tmp_path / "x.png")
    with pytest.raises(ValueError, match="kind"):
        style.context_text("CONUS+", None, "measured")
    plt.close("all")
