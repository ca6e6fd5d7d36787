"""Physics from COHERENT CsI 2017 + LAr 2020, alone and with CONUS+: one function
per study, each returning a JSON-able result dict.

* :func:`sin2_theta_w_study` — sin²θW from CsI, LAr, CONUS+, COHERENT (CsI+LAr)
  and all three (profile-likelihood intervals);
* :func:`nsi_ee_grid` — Δχ² over (ε^{uV}_ee, ε^{dV}_ee) with ε_μμ fixed to 0
  (the seed paper's Fig. 3 plane) for COHERENT alone, CONUS+ alone and combined;
* :func:`neutron_radius_study` — the neutron rms radius of CsI (one R_n for Cs
  and I) and of Ar, with the published values they compare to.

CONUS+ enters as the seed paper's counting analysis
(:func:`~cevnsjax.analyses.counting_analysis`, 395 events, σ_α from flux,
quenching and background). The combination adds the χ² of the parts: physics
parameters shared, each experiment keeps its own nuisances.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..infer import fit, profile_interval
from ..parameters import make_params
from .coherent import load_coherent
from .counting import SEED_MEASURED, SEED_SIGMA_ALPHA, counting_analysis
from .model import combine

#: Published values to compare with (sources in each entry).
PUBLISHED = {
    "rn_CsI": {
        "value_fm": 5.5,
        "error_fm": [-1.1, 0.9],
        "source": "M. Cadeddu, C. Giunti, Y.F. Li, Y.Y. Zhang, Phys. Rev. Lett. 120 (2018) 072501, arXiv:1710.02730 "
        "(COHERENT CsI 2017, average R_n of 133Cs and 127I)",
    },
    "rn_Ar": {
        "value_fm": 3.4274,
        "error_fm": [-0.0026, 0.0026],
        "kind": "charge (proton-distribution scale), not a CEvNS result",
        "source": "40Ar charge radius, I. Angeli and K. P. Marinova, At. Data Nucl. Data Tables 99 (2013) 69; a first "
        "CEvNS-based R_n(Ar) from these data: O. G. Miranda et al., JHEP 05 (2020) 130, arXiv:2003.12050",
    },
    "sin2_theta_w": {
        "value": 0.23857,
        "error": 0.00005,
        "source": "low-energy MS-bar sin^2 theta_W (PDG; physics.md section 3), the Standard Model value at these q",
    },
}


def conus_plus_counting():
    """The CONUS+ counting analysis of the seed paper (Eq. 2)."""
    from ..experiment import load_experiment

    return counting_analysis(load_experiment("conus-plus"), SEED_MEASURED, SEED_SIGMA_ALPHA)


def _interval(objective, params, poi: str, n_starts: int = 2) -> dict:
    best = fit(objective, params, (poi,), n_starts=n_starts)
    iv = profile_interval(objective, best, poi)
    return {
        "best_fit": iv.best_fit,
        "low": iv.low,
        "high": iv.high,
        "hessian_error": iv.hessian_error,
        "chi2_min": iv.chi2_min,
        "cl": iv.cl,
    }


def sin2_theta_w_study(params=None, *, analyses: dict | None = None) -> dict:
    """sin²θW (68.27 % CL profile intervals) from each data set and the combinations.

    ``analyses``: optional prebuilt ``{"conus-plus": ..., "coherent-csi-2017": ...,
    "coherent-lar-2020": ...}``."""
    p = make_params() if params is None else params
    a = analyses or {
        "conus-plus": conus_plus_counting(),
        "coherent-csi-2017": load_coherent("coherent-csi-2017"),
        "coherent-lar-2020": load_coherent("coherent-lar-2020"),
    }
    sets = {
        "conus-plus": a["conus-plus"],
        "coherent-csi-2017": a["coherent-csi-2017"],
        "coherent-lar-2020": a["coherent-lar-2020"],
        "coherent (CsI+LAr)": combine(
            coherent_csi_2017=a["coherent-csi-2017"], coherent_lar_2020=a["coherent-lar-2020"]
        ),
        "conus-plus + coherent-csi-2017": combine(conus_plus=a["conus-plus"], coherent_csi_2017=a["coherent-csi-2017"]),
        "all": combine(
            conus_plus=a["conus-plus"],
            coherent_csi_2017=a["coherent-csi-2017"],
            coherent_lar_2020=a["coherent-lar-2020"],
        ),
    }
    out = {name: _interval(obj, p, "sin2_theta_w") for name, obj in sets.items()}
    return {
        "parameter": "sin2_theta_w",
        "results": out,
        "compare": PUBLISHED["sin2_theta_w"],
        "model": "tree-level couplings, Helm form factors, default neutron radii",
    }


@eqx.filter_jit
def _grid_chi2(objective, params, us, ds):
    def one(u, d):
        return objective(params.replace(eps_ee_uV=u, eps_ee_dV=d, eps_mumu_uV=0.0, eps_mumu_dV=0.0))

    flat = jax.lax.map(lambda ud: one(ud[0], ud[1]), jnp.stack([us.ravel(), ds.ravel()], axis=1), batch_size=128)
    return flat.reshape(us.shape)


def nsi_ee_grid(
    u_range=(-1.0, 1.0), d_range=(-1.0, 1.0), n: int = 101, params=None, *, analyses: dict | None = None
) -> dict:
    """Δχ² over (ε^{uV}_ee, ε^{dV}_ee) on an ``n`` × ``n`` grid, **ε_μμ fixed to 0**,
    for COHERENT (CsI+LAr), CONUS+ and both; each Δχ² relative to its own grid
    minimum (2-dof 90 % CL contour at Δχ² = 4.61). The profile χ² is vmapped
    (batches of 128 points) in one compiled program per analysis."""
    if n < 3:
        raise ValueError(f"nsi_ee_grid: n={n} is too small; give at least 3 points per axis")
    p = make_params() if params is None else params
    a = analyses or {
        "conus-plus": conus_plus_counting(),
        "coherent-csi-2017": load_coherent("coherent-csi-2017"),
        "coherent-lar-2020": load_coherent("coherent-lar-2020"),
    }
    u = np.linspace(*u_range, n)
    d = np.linspace(*d_range, n)
    uu, dd = np.meshgrid(u, d, indexing="ij")
    us, ds = jnp.asarray(uu), jnp.asarray(dd)
    chi2 = {
        name: np.asarray(_grid_chi2(a[name], p, us, ds))
        for name in ("conus-plus", "coherent-csi-2017", "coherent-lar-2020")
    }
    grids = {"coherent": chi2["coherent-csi-2017"] + chi2["coherent-lar-2020"], "conus-plus": chi2["conus-plus"]}
    grids["combined"] = grids["coherent"] + grids["conus-plus"]
    out = {
        "eps_ee_uV": u.tolist(),
        "eps_ee_dV": d.tolist(),
        "eps_mumu": "fixed to 0",
        "cl90_level_2dof": 4.605170185988091,
    }
    for name, g in grids.items():
        i, j = np.unravel_index(np.argmin(g), g.shape)
        out[name] = {
            "delta_chi2": (g - g.min()).tolist(),
            "chi2_min": float(g.min()),
            "best": [float(u[i]), float(d[j])],
            "allowed_fraction_90": float(np.mean(g - g.min() < 4.605170185988091)),
        }
    return out


def _scan_interval(objective, params, poi: str, values) -> dict:
    """Best fit and Δχ² = 1 interval of ``poi`` from the profile χ² sampled at
    ``values`` (vmapped; linear interpolation of the crossings, refined by a
    parabola through the three lowest points); an end is None where Δχ² stays
    below 1 up to the scanned range."""
    xs = np.asarray(values, dtype=float)
    chi2 = np.asarray(_along(objective, params, poi, jnp.asarray(xs)))
    i = int(np.clip(np.argmin(chi2), 1, xs.size - 2))
    a2, a1, a0 = np.polyfit(xs[i - 1 : i + 2] - xs[i], chi2[i - 1 : i + 2], 2)
    x0 = xs[i] - a1 / (2 * a2) if a2 > 0 else xs[i]
    m = a0 - a1 * a1 / (4 * a2) if a2 > 0 else chi2[i]
    d = chi2 - m - 1.0

    def cross(rng):
        for k in rng:
            if (d[k] > 0) != (d[k + 1] > 0):
                return float(xs[k] - d[k] * (xs[k + 1] - xs[k]) / (d[k + 1] - d[k]))
        return None

    j = int(np.argmin(chi2))
    return {
        "best_fit": float(x0),
        "low": cross(range(j - 1, -1, -1)),
        "high": cross(range(j, xs.size - 1)),
        "chi2_min": float(m),
        "scan": [float(xs[0]), float(xs[-1]), int(xs.size)],
    }


@eqx.filter_jit
def _along(objective, params, poi, xs):
    return jax.vmap(lambda x: objective(params.replace(**{poi: x})))(xs)


class _TiedCsI(eqx.Module):
    """CsI 2017 with one neutron radius for Cs and I (``rn_Cs`` drives both)."""

    analysis: object

    def __call__(self, params):
        return self.analysis(params.replace(rn_I=params.rn_Cs))


def neutron_radius_study(params=None, *, analyses: dict | None = None, points: int = 141) -> dict:
    """Neutron rms radius of CsI (rn_Cs = rn_I, one parameter) from CsI 2017 and of
    Ar from LAr 2020: profile χ² scanned over 2–9 fm (CsI) and 2–8 fm (Ar)
    (the Helm form factor needs R_n > √3 · 0.9 fm), 68.27 % CL (Δχ² = 1);
    sin²θW at its default."""
    p = make_params() if params is None else params
    a = analyses or {
        "coherent-csi-2017": load_coherent("coherent-csi-2017"),
        "coherent-lar-2020": load_coherent("coherent-lar-2020"),
    }
    csi = _scan_interval(_TiedCsI(a["coherent-csi-2017"]), p, "rn_Cs", np.linspace(2.0, 9.0, points))
    ar = _scan_interval(a["coherent-lar-2020"], p, "rn_Ar", np.linspace(2.0, 8.0, points))
    return {
        "csi": {
            "parameter": "rn_Cs = rn_I [fm]",
            **csi,
            "default_fm": [float(p.rn_Cs), float(p.rn_I)],
            "compare": PUBLISHED["rn_CsI"],
        },
        "ar": {"parameter": "rn_Ar [fm]", **ar, "default_fm": float(p.rn_Ar), "compare": PUBLISHED["rn_Ar"]},
    }
