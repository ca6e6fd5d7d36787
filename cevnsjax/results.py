"""The analyses behind the command line as library functions returning plain
result dicts (JSON-able, stable keys whatever the options).

* :func:`predict_counts` (from :mod:`.prediction`) — expected counts per detector, split by channel
  (CEvNS on nuclei, elastic scattering on electrons), optionally the binned
  spectrum; :func:`predict_data_set` for a data-release analysis (COHERENT);
* :func:`run_fit` — best fit and interval of one parameter (profile
  likelihood, or Feldman–Cousins for a counting analysis);
* :func:`run_scan` — Δχ² on a grid of two parameters, with contours;
* :func:`run_limit` — a limit: one-sided upper limit for a parameter that
  cannot be negative, a two-sided interval for a signed one (``q_nu``, NSI
  ε, charge radii) unless ``one_sided=True``.

Each result carries ``"result": "observed"`` or ``"expected"`` (Asimov data)
from :func:`analysis_info`. :mod:`cevnsjax.commands` calls these with the
parsed options, :mod:`cevnsjax.reproduce` composes the commands; nothing here
prints, exits or imports the command line.
"""

from __future__ import annotations

import math

from .io import undefined

ONE_SIGMA = 0.682689492137086
METHODS = ("profile", "fc")


def is_signed(name: str) -> bool:
    """True for a parameter whose allowed range includes negative and positive values."""
    from .parameters import PARAMETERS

    spec = PARAMETERS[name]
    return spec.lower < 0.0 < spec.upper


def check_cl(cl: float, option: str = "--cl") -> float:
    """A confidence level strictly between 0 and 1."""
    if not (isinstance(cl, (int, float)) and math.isfinite(cl) and 0.0 < cl < 1.0):
        raise ValueError(f"{option}: confidence level must be in (0, 1), got {cl!r}; e.g. {option} 0.9")
    return float(cl)


def analysis_info(parts) -> dict:
    """Experiment(s), analysis kind, whether the result is observed or expected
    (Asimov), the counting inputs where there is one counting analysis, and
    each part's own description. The keys are the same for one experiment and
    for several."""
    infos = [p.info() for p in parts]
    kinds = {i["result"] for i in infos}
    one = infos[0] if len(infos) == 1 else {}
    return {
        "experiment": " + ".join(i["experiment"] for i in infos),
        "analysis": one.get("analysis", "combined"),
        "result": kinds.pop() if len(kinds) == 1 else "mixed (observed data and expected Asimov data)",
        "data": one.get("data", "measured count" if "measured" in one else undefined("several experiments; see parts")),
        "measured": one.get("measured", undefined("not a single counting analysis; see parts")),
        "sigma_alpha": one.get("sigma_alpha", undefined("not a single counting analysis; see parts")),
        "parts": infos,
    }


def _finite_or_undefined(value, reason: str):
    if value is None or not math.isfinite(value):
        return undefined(reason)
    return float(value)


def _bound(value, which: str, name: str):
    from .parameters import PARAMETERS

    if value is not None:
        return float(value)
    spec = PARAMETERS[name]
    edge = spec.lower if which == "low" else spec.upper
    return undefined(f"Δχ² stays below the level up to the {which} end of the allowed range ({edge:g})")


def _interval_keys(name, best_fit, low, high, cl, *, kind, level, method, chi2_min=None, hessian=None, extra=None):
    """The keys every fit and limit result has, in one place."""
    return {
        "parameter": name,
        "method": method,
        "cl": cl,
        "interval_kind": kind,
        "best_fit": float(best_fit),
        "interval": [_bound(low, "low", name), _bound(high, "high", name)],
        "delta_chi2_level": level,
        "hessian_error": _finite_or_undefined(hessian, "the χ² curvature is not positive at the best fit"),
        "chi2_min": _finite_or_undefined(chi2_min, "no χ² minimum (Feldman–Cousins uses the toy statistic)"),
        **(extra or {}),
    }


def _fc(analysis, params, name, cl, n_toys, points):
    """Feldman–Cousins interval for a counting analysis, on a grid across the allowed range."""
    import numpy as np

    from .infer.neyman import feldman_cousins
    from .parameters import PARAMETERS

    if not hasattr(analysis, "measured") or not hasattr(analysis, "sigma_alpha"):
        raise ValueError(
            "--method fc: Feldman–Cousins intervals are available for the counting analysis only "
            "(e.g. --experiment conus-plus); use --method profile"
        )
    spec = PARAMETERS[name]
    lo, hi = spec.lower, spec.upper
    if name == "mu_nu":
        hi = 5e-9  # the counting analysis loses all sensitivity far above 1e-9 μB
    values = np.linspace(lo, hi, int(points))
    if spec.lower_open:
        values = values[1:]
    res = feldman_cousins(analysis, params, name, values, cls=(cl,), n_toys=int(n_toys))
    low, high = res.intervals[cl]
    best = float(values[int(np.argmin(res.t_observed))])
    return (
        best,
        low,
        high,
        {
            "n_toys_per_point": res.n_toys,
            "grid": [float(values[0]), float(values[-1]), values.size],
            "open_ends": list(res.open_ends[cl]),
            "wilks_interval": list(res.wilks_intervals[cl]),
        },
    )


def run_fit(
    analysis,
    params,
    name: str,
    *,
    cl: float = ONE_SIGMA,
    method: str = "profile",
    info: dict | None = None,
    n_toys: int = 2000,
    fc_points: int = 101,
) -> dict:
    """Best fit and two-sided interval of ``name`` at ``cl``; the other physics
    parameters stay at ``params``, the analysis' nuisances are profiled."""
    from .infer import check_names, fit, profile_interval

    check_names([name])
    cl = check_cl(cl)
    if method not in METHODS:
        raise ValueError(f"--method: {method!r} is not a method; choose one of {', '.join(METHODS)}")
    info = dict(info or {})
    if method == "fc":
        best, low, high, extra = _fc(analysis, params, name, cl, n_toys, fc_points)
        return {
            **_interval_keys(
                name,
                best,
                low,
                high,
                cl,
                kind="two-sided",
                level=None,
                method="feldman-cousins",
                extra={"converged": True, "feldman_cousins": extra},
            ),
            "parameters": params.replace(**{name: best}).to_dict(),
            **info,
        }
    best = fit(analysis, params, (name,))
    iv = profile_interval(analysis, best, name, cl=cl)
    return {
        **_interval_keys(
            name,
            iv.best_fit,
            iv.low,
            iv.high,
            cl,
            kind="two-sided",
            level=iv.level,
            method="profile likelihood",
            chi2_min=iv.chi2_min,
            hessian=iv.hessian_error,
            extra={"converged": bool(best.converged)},
        ),
        "predicted_at_best_fit": (
            float(analysis.predicted(best.params))
            if hasattr(analysis, "predicted")
            else undefined("this analysis has no single predicted count")
        ),
        "parameters": best.params.to_dict(),
        **info,
    }


def run_limit(
    analysis,
    params,
    name: str,
    *,
    cl: float = 0.9,
    one_sided: bool | None = None,
    method: str = "profile",
    info: dict | None = None,
    n_toys: int = 2000,
    fc_points: int = 101,
) -> dict:
    """A limit on ``name`` at ``cl``: a one-sided upper limit when the parameter
    cannot be negative (or ``one_sided=True``), else a two-sided interval.

    ``upper_limit`` is the upper end in both cases (``interval[1]``); keys are
    the same for both kinds (``interval_kind`` says which)."""
    from .infer import check_names, upper_limit

    check_names([name])
    cl = check_cl(cl)
    one_sided = (not is_signed(name)) if one_sided is None else bool(one_sided)
    if not one_sided or method == "fc":
        res = run_fit(analysis, params, name, cl=cl, method=method, info=info, n_toys=n_toys, fc_points=fc_points)
        res["interval_kind"] = "two-sided" if not one_sided else "feldman-cousins (unified: two-sided or upper limit)"
        res["upper_limit"] = res["interval"][1]
        return res
    r = upper_limit(analysis, params, name, cl=cl)
    from .parameters import PARAMETERS

    at_best = params.replace(**{name: r["best_fit"]})
    return {
        **_interval_keys(
            name,
            r["best_fit"],
            PARAMETERS[name].lower,
            r["upper_limit"],
            cl,
            kind="one-sided upper limit",
            level=r["delta_chi2_level"],
            method="profile likelihood",
            chi2_min=r["chi2_min"],
            extra={"converged": True},
        ),
        "hessian_error": undefined("not computed for a one-sided limit"),
        "predicted_at_best_fit": (
            float(analysis.predicted(at_best))
            if hasattr(analysis, "predicted")
            else undefined("this analysis has no single predicted count")
        ),
        "parameters": at_best.to_dict(),
        **dict(info or {}),
        "upper_limit": _bound(r["upper_limit"], "high", name),
    }


def run_scan(
    analysis, params, x_name: str, xs, y_name: str, ys, *, cls=(ONE_SIGMA, 0.9), info: dict | None = None
) -> dict:
    """Δχ² of the analysis on the grid ``xs × ys`` of two parameters (the
    others at ``params``, nuisances profiled) and its contours at ``cls`` (2 dof)."""
    import numpy as np

    from .infer import contour_lines, delta_chi2_level, grid_scan

    if x_name == y_name:
        raise ValueError(f"scan needs two different parameters, got {x_name!r} twice")
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    chi2 = np.asarray(grid_scan(analysis, params, x_name, xs, y_name, ys))
    dchi2 = chi2 - chi2.min()
    contours = []
    for cl in cls:
        level = delta_chi2_level(check_cl(cl), 2)
        contours.append(
            {
                "cl": cl,
                "delta_chi2_level": level,
                "lines": [line.tolist() for line in contour_lines(xs, ys, dchi2, level)],
            }
        )
    return {
        "parameter_x": x_name,
        "parameter_y": y_name,
        "x": xs.tolist(),
        "y": ys.tolist(),
        "delta_chi2": dchi2.tolist(),
        "chi2_min_on_grid": float(chi2.min()),
        **dict(info or {}),
        "contours": contours,
    }


from .prediction import CHANNEL_LABELS, experiment_error_in, predict_counts, predict_data_set  # noqa: E402

__all__ = [
    "CHANNEL_LABELS",
    "METHODS",
    "ONE_SIGMA",
    "analysis_info",
    "check_cl",
    "experiment_error_in",
    "is_signed",
    "predict_counts",
    "predict_data_set",
    "run_fit",
    "run_limit",
    "run_scan",
]
