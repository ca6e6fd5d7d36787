"""Expected counts as library functions: per detector and channel (CEvNS on
nuclei, elastic scattering on electrons), optionally the binned spectrum, for
an experiment file; the expected events of a data-release analysis (COHERENT)
beside its published prediction. Nothing here prints or exits."""

from __future__ import annotations

CHANNEL_LABELS = {"nuclear": "CEvNS (nuclear recoils)", "electron": "ν–e elastic scattering (electron recoils)"}


def _spectrum(experiment, det_index: int, spec_det: dict, by_channel: dict) -> dict:
    """The binned expected counts of one detector, bin edges in the unit the file uses."""
    import numpy as np

    from . import units
    from .experiment.detectors import declared_bins

    n = int(np.asarray(experiment.bin_mask[det_index]).sum())
    try:
        bins = declared_bins(spec_det, "detector")
        edges, unit = bins["edges"], bins["unit"]
    except Exception:  # schema-1 detectors with explicit bin edges: fall back on the arrays
        edges, unit = [], ""
    if len(edges) != n + 1:
        lo = np.asarray(experiment.bin_lo[det_index, :n]) / units.eV
        edges, unit = [*lo.tolist(), float(np.asarray(experiment.bin_hi[det_index, n - 1]) / units.eV)], "eV"
    counts = {ch: np.asarray(c[det_index, :n], dtype=float).tolist() for ch, c in by_channel.items()}
    return {"unit": unit, "edges": [float(e) for e in edges], "counts": counts}


def experiment_error_in(name):
    """Re-raise an experiment error so that its message starts with the
    experiment file's real path (or the shipped name)."""
    import contextlib

    from .experiment import ExperimentError, resolve_experiment_path

    @contextlib.contextmanager
    def wrap():
        try:
            yield
        except ExperimentError as exc:
            msg = " ".join(str(exc).split())
            try:
                where = str(resolve_experiment_path(name))
            except ExperimentError:
                raise exc from None
            if where in msg:
                raise
            head, sep, rest = msg.partition(": ")
            raise ExperimentError(f"{where}: {rest}" if sep and head.endswith(".json") else f"{where}: {msg}") from None

    return wrap()


def predict_counts(
    name: str, *, overrides: dict | None = None, flux_normalisation: str | None = None, spectrum: bool = False
) -> dict:
    """Expected counts of an experiment file (name or path) per detector and
    channel, in events, at the nominal parameters with ``overrides``; the
    totals with each available reactor flux normalisation beside."""
    import jax
    import numpy as np

    from .experiment import detector_threshold, load_experiment, read_experiment_spec
    from .parameters import make_params
    from .rates import expected_counts_by_channel

    with experiment_error_in(name):
        spec = read_experiment_spec(name)
        experiment = load_experiment(name, flux_normalisation=flux_normalisation)  # validates the source block too
    source = spec["source"]  # (load_experiment has refused a normalisation for other source types)
    params = make_params(experiment.nominal(), **dict(overrides or {}))
    raw = jax.device_get(expected_counts_by_channel(params, experiment))
    by_channel = {ch: np.asarray(raw[ch]) for ch in ("nuclear", "electron") if ch in raw}
    total = float(sum(v.sum() for v in by_channel.values()))
    label = experiment.flux_normalisation
    totals: dict[str, float] = {label: total}
    if source["type"] == "reactor":  # the other normalisation: every count scales with the flux scale alone
        from .sources.reactor import fissions_per_cm2_s

        needs = {"total_flux": "total_flux_cm2_s", "thermal_power": "thermal_power_GW"}
        for mode in ("total_flux", "thermal_power"):
            if mode != label and needs[mode] in source:
                totals[mode] = total * fissions_per_cm2_s(source, mode) / fissions_per_cm2_s(source, label)
    detectors = []
    for i, (det_name, det) in enumerate(zip(experiment.detector_names, spec["detectors"], strict=True)):
        threshold, unit = detector_threshold(det)
        entry = {
            "name": det_name,
            "threshold": threshold,
            "threshold_unit": unit,
            **({"threshold_eVee": det["threshold_eVee"]} if "threshold_eVee" in det else {}),
            "exposure_kg_day": det["exposure_kg_day"],
            "counts": float(sum(v[i].sum() for v in by_channel.values())),
            "counts_by_channel": {ch: float(v[i].sum()) for ch, v in by_channel.items()},
        }
        if spectrum:
            entry["spectrum"] = _spectrum(experiment, i, det, by_channel)
        detectors.append(entry)
    result = {
        "experiment": experiment.name,
        "result": "expected",
        "unit": "events",
        "flux_normalisation": label,
        "channels": {ch: CHANNEL_LABELS[ch] for ch in by_channel},
        "total": total,
        "total_by_channel": {ch: float(v.sum()) for ch, v in by_channel.items()},
        "detectors": detectors,
        "parameters": params.to_dict(),
    }
    result["total_by_flux_normalisation"] = totals
    return result


#: binning axes of the data-release analyses: (key of the edges in binned.json, axis name, unit)
DATA_SET_AXES = {
    "coherent-csi-2017": (("pe_edges", "photoelectrons", "PE"), ("time_edges_us", "arrival time", "us")),
    "coherent-lar-2020": (("energy_edges_keVee", "reconstructed energy", "keVee"), ("t_trig_edges_us", "t_trig", "us")),
}


def _data_set_spectrum(name: str, components: dict) -> dict:
    """The binned expectation of each component on the release's own 2-D
    binning, with both one-dimensional projections."""
    import json

    import numpy as np

    from .datafiles import data_root

    binned = json.loads((data_root() / "experiments" / name / "binned.json").read_text(encoding="utf-8"))
    axes = [
        {"name": label, "unit": unit, "edges": [float(e) for e in binned[key]]}
        for key, label, unit in DATA_SET_AXES[name]
    ]
    grid = {k: np.asarray(v, dtype=float) for k, v in components.items()}
    return {
        "axes": axes,
        "counts": {k: v.tolist() for k, v in grid.items()},
        f"counts_by_{axes[0]['unit']}": {k: v.sum(axis=1).tolist() for k, v in grid.items()},
        f"counts_by_{axes[1]['unit']}": {k: v.sum(axis=0).tolist() for k, v in grid.items()},
    }


def predict_data_set(name: str, *, overrides: dict | None = None, spectrum: bool = False) -> dict:
    """Expected events of a data-release analysis (COHERENT): CEvNS at nominal
    nuisances in the analysis region, beside the backgrounds and the published
    Standard-Model prediction; ``spectrum`` adds every component on the
    release's binning (events per bin)."""
    import numpy as np

    from .analyses.registry import load_analysis
    from .parameters import make_params

    part = load_analysis(name)
    a = part.analysis
    params = make_params(part.nominal, **dict(overrides or {}))
    grids = a.components(a.precompute(params), a.nominal_nuisances())
    components = {k: float(np.sum(v)) for k, v in grids.items()}
    d = a.describe()
    extra = {"spectrum": _data_set_spectrum(name, grids)} if spectrum and name in DATA_SET_AXES else {}
    return {
        "experiment": name,
        "result": "expected",
        "unit": "events",
        "title": d.get("experiment"),
        "analysis": d.get("analysis"),
        "region": d.get("region"),
        "total": float(a.predicted_cevns(params)),
        "total_by_channel": {"nuclear": float(a.predicted_cevns(params))},
        "components": components,
        "published_sm_prediction": d.get("published_sm_prediction"),
        "model": d.get("model"),
        "parameters": params.to_dict(),
        **extra,
    }
