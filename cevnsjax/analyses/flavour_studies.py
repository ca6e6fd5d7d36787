"""Flavour-dependent physics that only the combination of a reactor and a
stopped-pion source can pin down: one function per study, each returning a
JSON-able result dict.

A reactor sends ν̄_e only; the stopped-pion source of COHERENT sends prompt ν_μ
and delayed ν_e and ν̄_μ. So a reactor measures ε_ee (and ⟨r²_νe⟩) but is blind
to ε_μμ (and ⟨r²_νμ⟩), while COHERENT sees both, mixed. Each study evaluates
the profile χ² on a two-dimensional grid for CONUS+ alone, COHERENT (CsI 2017 +
LAr 2020) alone and all three combined (the sum of the parts), and reports

* the 90 % CL region for 2 d.o.f. (Δχ² < 4.61): its share of the grid and its
  extent along each axis;
* for each parameter, the one-dimensional profile (the grid minimised over the
  other parameter) and the allowed set at 68.27 % and 90 % CL (Δχ² < 1, 2.71)
  as a **union of intervals**: both couplings enter the weak charge linearly,
  so each data set has a second, sign-flipped minimum, and an interval around
  the best fit alone would hide it. An end at the grid's edge is open ("range
  end" in the result: the data do not close the interval inside the scan).

* :func:`nsi_flavour_study` — (ε^{uV}_ee, ε^{uV}_μμ), with the d-quark
  couplings ε^{dV}_ee = ε^{dV}_μμ = 0;
* :func:`charge_radius_study` — (⟨r²_νe⟩, ⟨r²_νμ⟩) [10⁻³² cm²] with tree-level
  couplings, so the parameters are the full charge radii (the tree scheme
  contains none), compared with the Standard-Model values.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..interactions.electromagnetic import SM_CHARGE_RADII
from ..parameters import make_params
from .coherent import load_coherent
from .coherent_studies import conus_plus_counting

#: Δχ² levels: 68.27 % and 90 % CL for one parameter, 90 % CL for two.
LEVEL_68_1DOF, LEVEL_90_1DOF, LEVEL_90_2DOF = 1.0, 2.705543454095404, 4.605170185988091

#: Published values the charge-radius study compares with.
CHARGE_RADIUS_REFERENCE = {
    "standard_model_1e-32_cm2": {"r2_nue": SM_CHARGE_RADII["e"], "r2_numu": SM_CHARGE_RADII["mu"]},
    "source": "J. Bernabéu, J. Papavassiliou, J. Vidal, Phys. Rev. Lett. 89 (2002) 101802 and Nucl. Phys. B 680 "
    "(2004) 450; values as in M. Cadeddu et al., Phys. Rev. D 98 (2018) 113010, arXiv:1810.05606, Eq. 5, which "
    "also bounds both radii from COHERENT CsI 2017",
}


def default_analyses() -> dict:
    """CONUS+ (the seed paper's counting analysis) and the two COHERENT data sets."""
    return {
        "conus-plus": conus_plus_counting(),
        "coherent-csi-2017": load_coherent("coherent-csi-2017"),
        "coherent-lar-2020": load_coherent("coherent-lar-2020"),
    }


@eqx.filter_jit
def _grid_chi2(objective, params, names, xs, ys):
    """χ² at every (x, y) of the grid, batches of 128 points in one program."""
    xx, yy = jnp.meshgrid(xs, ys, indexing="ij")

    def one(xy):
        return objective(params.replace(**{names[0]: xy[0], names[1]: xy[1]}))

    flat = jax.lax.map(one, jnp.stack([xx.ravel(), yy.ravel()], axis=1), batch_size=128)
    return flat.reshape(xx.shape)


def allowed_intervals(xs, delta, level: float) -> list[list]:
    """The set {x : delta(x) < level} of a sampled curve as a union of intervals
    ``[low, high]``, ends interpolated linearly between samples; an end at the
    first or last sample is the string ``"range end"`` (not closed inside the
    scanned range)."""
    xs, d = np.asarray(xs, dtype=float), np.asarray(delta, dtype=float) - level
    inside = d < 0
    out = []
    i = 0
    while i < xs.size:
        if not inside[i]:
            i += 1
            continue
        j = i
        while j + 1 < xs.size and inside[j + 1]:
            j += 1
        low = "range end" if i == 0 else float(xs[i - 1] - d[i - 1] * (xs[i] - xs[i - 1]) / (d[i] - d[i - 1]))
        high = "range end" if j == xs.size - 1 else float(xs[j] - d[j] * (xs[j + 1] - xs[j]) / (d[j + 1] - d[j]))
        out.append([low, high])
        i = j + 1
    return out


def _summary(xs, ys, chi2, names) -> dict:
    delta = chi2 - chi2.min()
    i, j = np.unravel_index(np.argmin(chi2), chi2.shape)
    inside = delta < LEVEL_90_2DOF
    out = {
        "chi2_min": float(chi2.min()),
        "best": {names[0]: float(xs[i]), names[1]: float(ys[j])},
        "allowed_fraction_90_2dof": float(inside.mean()),
        "extent_90_2dof": {
            names[0]: [float(xs[inside.any(axis=1)].min()), float(xs[inside.any(axis=1)].max())],
            names[1]: [float(ys[inside.any(axis=0)].min()), float(ys[inside.any(axis=0)].max())],
        },
        "profiles": {},
    }
    for axis, (name, grid) in enumerate(zip(names, (xs, ys), strict=True)):
        profile = delta.min(axis=1 - axis)
        out["profiles"][name] = {
            "cl68": allowed_intervals(grid, profile, LEVEL_68_1DOF),
            "cl90": allowed_intervals(grid, profile, LEVEL_90_1DOF),
        }
    return out


def _plane_study(names, x_range, y_range, n: int, params, analyses, fixed: dict) -> dict:
    if n < 5:
        raise ValueError(f"grid of n={n} points per axis is too small; give at least 5")
    p = (make_params() if params is None else params).replace(**fixed)
    a = analyses or default_analyses()
    xs, ys = np.linspace(*x_range, n), np.linspace(*y_range, n)
    chi2 = {k: np.asarray(_grid_chi2(a[k], p, names, jnp.asarray(xs), jnp.asarray(ys))) for k in a}
    grids = {
        "conus-plus": chi2["conus-plus"],
        "coherent (CsI+LAr)": chi2["coherent-csi-2017"] + chi2["coherent-lar-2020"],
    }
    grids["combined"] = grids["conus-plus"] + grids["coherent (CsI+LAr)"]
    out = {
        "parameters": list(names),
        names[0]: xs.tolist(),
        names[1]: ys.tolist(),
        "fixed": fixed,
        "levels": {"cl68_1dof": LEVEL_68_1DOF, "cl90_1dof": LEVEL_90_1DOF, "cl90_2dof": LEVEL_90_2DOF},
    }
    for key, grid in grids.items():
        out[key] = {**_summary(xs, ys, grid, names), "delta_chi2": (grid - grid.min()).tolist()}
    # how much CONUS+ varies along the second axis at fixed first one (0: blind to it)
    g = grids["conus-plus"]
    out["conus-plus"]["largest_change_along_" + names[1]] = float(np.max(g.max(axis=1) - g.min(axis=1)))
    return out


def nsi_flavour_study(
    ee_range=(-1.0, 1.0), mumu_range=(-1.0, 1.0), n: int = 81, params=None, *, analyses: dict | None = None
) -> dict:
    """Δχ² over (ε^{uV}_ee, ε^{uV}_μμ) with ε^{dV}_ee = ε^{dV}_μμ = 0 (see the module docstring)."""
    return _plane_study(
        ("eps_ee_uV", "eps_mumu_uV"), ee_range, mumu_range, n, params, analyses, {"eps_ee_dV": 0.0, "eps_mumu_dV": 0.0}
    )


def charge_radius_study(
    nue_range=(-100.0, 100.0), numu_range=(-100.0, 100.0), n: int = 101, params=None, *, analyses: dict | None = None
) -> dict:
    """Δχ² over (⟨r²_νe⟩, ⟨r²_νμ⟩) [10⁻³² cm²], tree-level couplings (see the module docstring)."""
    out = _plane_study(("r2_nue", "r2_numu"), nue_range, numu_range, n, params, analyses, {"r2_nutau": 0.0})
    out["compare"] = CHARGE_RADIUS_REFERENCE
    out["unit"] = "1e-32 cm^2"
    return out
