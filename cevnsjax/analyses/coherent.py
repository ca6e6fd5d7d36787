"""The COHERENT analyses: CsI[Na] 2017 and CENNS-10 liquid argon 2020 (Analysis A)
as binned Poisson likelihoods built from the collaboration's public releases.

Data: ``data/experiments/<name>/binned.json`` (counts and background shapes
reduced from the release, with source, reduction and attribution) and
``release.json`` (the release's single-value parameters and their sources).
Signal: cevnsjax's own forward model (:mod:`.coherent_model`).

* ``coherent-csi-2017``: 25 PE bins (0–50 PE, 2 PE) × 24 arrival-time bins
  (0–12 µs). Expected = CEvNS (prompt ν_μ and delayed ν_e, ν̄_μ spectra, each
  with the release's arrival-time PDF) + prompt neutrons (release PE spectrum ×
  acceptance × exposure, neutron time PDF) + steady state (anti-coincidence
  beam-on PE spectrum, flat over the 24 time bins). Nuisances: ``cevns_norm``
  (flux 10 %, acceptance 5 %, form factor 5 % in quadrature, Science 357 (2017)
  1123 Table 1), ``qf`` (relative QF shift, 0.0166/0.0878, release yaml),
  ``brn_norm`` (25 %, release yaml), ``ss_norm`` (1/√N of the anti-coincidence
  sample).
* ``coherent-lar-2020``: 12 energy bins (0–120 keVee) × 10 t_trig bins
  (−0.1–4.9 µs), F90 summed. Expected = CEvNS (energy from the forward model, t_trig
  from the ``pion_dar`` source's timing: Gaussian POT trace of 150 ns centred
  at 440 ns, ⊗ π and μ lifetimes) + steady state + prompt BRN + delayed BRN
  (release PDFs). Nuisances: ``cevns_norm`` (17/128, release yaml), ``brn_norm``
  (160/497), ``delayed_brn_norm`` (33/33), ``ss_norm`` (25/3152) (release yaml,
  arXiv:2006.12659 Table 2). The release's shape systematics are not included.

Each analysis is an :class:`~cevnsjax.analyses.Analysis`: fits, scans, limits
and posteriors run on it unchanged, and :func:`~cevnsjax.analyses.combine`
joins it with others. The profile over nuisances evaluates the physics-dependent
recoil spectrum once and minimises over the (cheap) detector fold only.
"""

from __future__ import annotations

import json
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
from jax.scipy.special import gammaln, xlogy

from ..datafiles import COHERENT_NAMES as _COHERENT_NAMES
from ..datafiles import data_root
from ..parameters import Params
from ..sources import build_source
from . import coherent_model as fm
from .coherent_shapes import lar_shape_templates, shape_change
from .model import Analysis, Nuisance, check_constraints, gaussian_penalty, poisson_deviance

#: The COHERENT data sets shipped as analyses (defined in :mod:`cevnsjax.datafiles`).
COHERENT_NAMES = _COHERENT_NAMES


class CoherentAnalysis(Analysis):
    """Shared machinery: Poisson data, nuisance profiling on a precomputed recoil spectrum."""

    groups: tuple  # (prompt, delayed) recoil experiments
    observed: jax.Array
    exposure_kg_day: float = eqx.field(static=True)
    nuisances: tuple = eqx.field(static=True)
    constraints: tuple = eqx.field(static=True)
    info: tuple = eqx.field(static=True)  # (key, json text) pairs for describe()

    @property
    def name(self) -> str:
        return json.loads(dict(self.info)["name"])

    @property
    def data(self):
        return self.observed

    def with_data(self, data):
        return eqx.tree_at(lambda a: a.observed, self, jnp.asarray(data, dtype=self.observed.dtype))

    def node_counts(self, params: Params):
        """CEvNS counts per recoil node, (prompt, delayed) × n_T [events]."""
        return fm.recoil_counts(params, self.groups, self.exposure_kg_day)

    def summarise(self, node_counts):
        """What the detector fold needs of the recoil counts, computed once per
        physics point (outside the nuisance profile)."""
        return node_counts

    def precompute(self, params: Params):
        return self.summarise(self.node_counts(params))

    def components(self, pre, nu: dict) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def expected_from(self, pre, nu: dict):
        return sum(self.components(pre, nu).values())

    def expected(self, params: Params, nu: dict):
        return self.expected_from(self.precompute(params), nu)

    def data_chi2(self, params: Params, nu: dict):
        return poisson_deviance(self.observed, self.expected(params, nu))

    def log_normaliser(self):
        n = self.observed
        return jnp.sum(xlogy(n, n) - n - gammaln(n + 1.0))

    def draw(self, key, mean):
        return jax.random.poisson(key, mean).astype(mean.dtype)

    def _chi2_pre(self, pre, params, nu):
        pulls = sum((n.pull(nu[n.name]) for n in self.nuisances), jnp.zeros(()))
        return poisson_deviance(self.observed, self.expected_from(pre, nu)) + pulls

    def nuisances_at(self, pre):
        """ν̂ minimising the χ² at fixed ``pre`` (:meth:`precompute`): optimistix
        BFGS from the centres in units of the constraint widths; differentiable
        in ``pre`` by the implicit-function rule (see below)."""
        names = self.nuisance_names
        centre = jnp.asarray([n.centre for n in self.nuisances])
        width = jnp.asarray([n.width for n in self.nuisances])

        def fn(y, args):  # y: nuisances in units of their constraint widths
            return self._chi2_pre(args, None, dict(zip(names, centre + width * y, strict=True)))

        sol = optx.minimise(
            fn,
            optx.BFGS(rtol=1e-8, atol=1e-10),
            jnp.zeros_like(centre),
            args=jax.lax.stop_gradient(pre),
            max_steps=500,
            throw=False,
        )
        # Derivatives by the implicit-function rule, written as a Newton step whose value is zero:
        # dy/dpre = -H^-1 d(grad_y chi2)/dpre at the minimum (H the Hessian in y, held fixed). The
        # value stays the minimiser's; first and second derivatives of the profile chi2 are exact at
        # the minimum, and a non-finite Hessian at a far starting point cannot abort a batched fit.
        y_hat = jax.lax.stop_gradient(sol.value)
        hess = jax.lax.stop_gradient(jax.hessian(fn)(y_hat, pre))
        step = jnp.linalg.solve(hess, jax.grad(fn)(y_hat, pre))
        y = y_hat - (step - jax.lax.stop_gradient(step))
        return dict(zip(names, centre + width * y, strict=True))

    def profile_nuisances(self, params: Params) -> dict:
        return self.nuisances_at(self.precompute(params))

    def profile_chi2(self, params: Params):
        """χ² with the nuisances profiled; one compiled program (also under the
        transformations that fits and intervals apply to it)."""
        return _profile_chi2_jit(self, params)

    def predicted_cevns(self, params: Params):
        """Total CEvNS events in the analysis region at nominal nuisances."""
        return jnp.sum(self.components(self.precompute(params), self.nominal_nuisances())["cevns"])

    def describe(self) -> dict:
        """JSON-able summary: experiment, analysis kind, data, published numbers with sources."""
        out = {k: json.loads(v) for k, v in self.info}
        out["nuisances"] = [{"name": n.name, "centre": n.centre, "width": n.width} for n in self.nuisances]
        return out


@eqx.filter_jit
def _profile_chi2_jit(analysis, params):
    pre = analysis.precompute(params)
    nu = analysis.nuisances_at(pre)
    return analysis._chi2_pre(pre, params, nu) + gaussian_penalty(params, analysis.constraints)


class CsI2017Analysis(CoherentAnalysis):
    """COHERENT CsI[Na] 2017, PE × arrival time (see the module docstring)."""

    time_pdfs: jax.Array  # (3, 24): prompt ν, delayed ν, prompt neutrons
    brn_pe: jax.Array  # (25,) prompt neutrons per 2-PE bin after acceptance, whole exposure
    ss_pe: jax.Array  # (25,) anti-coincidence beam-on counts per 2-PE bin
    acceptance_1pe: jax.Array  # (50,) acceptance at the 1-PE bin centres
    t_hi: float = eqx.field(static=True)
    pe_per_mev_nominal: float = eqx.field(static=True)  # LY · QF · 1000

    def summarise(self, node_counts):
        return fm.csi_cumulative(node_counts, self.t_hi)

    def components(self, pre, nu):
        qf_scale = jnp.maximum(1.0 + nu["qf"], 0.2)
        edges = jnp.arange(51.0)
        c1 = fm.csi_pe_counts(pre, self.t_hi, edges, self.pe_per_mev_nominal * qf_scale) * self.acceptance_1pe
        c2 = c1.reshape(2, 25, 2).sum(-1)
        cevns = (1.0 + nu["cevns_norm"]) * (jnp.outer(c2[0], self.time_pdfs[0]) + jnp.outer(c2[1], self.time_pdfs[1]))
        brn = (1.0 + nu["brn_norm"]) * jnp.outer(self.brn_pe, self.time_pdfs[2])
        ss = (1.0 + nu["ss_norm"]) * jnp.outer(self.ss_pe, jnp.full(24, 1.0 / 24.0))
        return {"cevns": cevns, "prompt_neutrons": brn, "steady_state": ss}


class LAr2020Analysis(CoherentAnalysis):
    """COHERENT CENNS-10 LAr 2020 Analysis A, energy × t_trig (see the module docstring)."""

    response: jax.Array  # (12, n_T) P(energy bin | T) × acceptance
    time_fractions: jax.Array  # (2, 10) prompt / delayed fractions per t_trig bin
    backgrounds: jax.Array  # (3, 12, 10) steady state, prompt BRN, delayed BRN
    shapes: tuple = ()  # ((linear, quadratic) of CEvNS, of BRN): the release's shape variants (coherent_shapes.py)
    shape_names: tuple = eqx.field(static=True, default=())  # (CEvNS names, BRN names)

    def summarise(self, node_counts):
        return self.response @ node_counts.T  # (12 energy bins, prompt/delayed)

    def components(self, pre, nu):
        e = pre
        cevns = (1.0 + nu["cevns_norm"]) * (
            jnp.outer(e[:, 0], self.time_fractions[0]) + jnp.outer(e[:, 1], self.time_fractions[1])
        )
        brn = self.backgrounds[1]
        if self.shapes:
            ((c_lin, c_quad), (b_lin, b_quad)), (c_names, b_names) = self.shapes, self.shape_names
            cevns = cevns * (1.0 + shape_change(jnp.stack([nu[n] for n in c_names]), c_lin, c_quad))
            brn = brn + shape_change(jnp.stack([nu[n] for n in b_names]), b_lin, b_quad)
        return {
            "cevns": cevns,
            "steady_state": (1.0 + nu["ss_norm"]) * self.backgrounds[0],
            "prompt_brn": (1.0 + nu["brn_norm"]) * brn,
            "delayed_brn": (1.0 + nu["delayed_brn_norm"]) * self.backgrounds[2],
        }


def _read(name: str) -> tuple[dict, dict]:
    folder = data_root() / "experiments" / name
    return (json.loads((folder / "release.json").read_text()), json.loads((folder / "binned.json").read_text()))


def _info(name: str, release: dict, binned: dict, kind: str, data: str, roi: str, model: str) -> tuple:
    pub = release["published"]
    doc = {
        "name": name,
        "experiment": release["title"],
        "analysis": kind,
        "data": data,
        "region": roi,
        "model": model,
        "release": release["release"],
        "data_source": binned["source"],
        "licence": binned["licence"],
        "attribution": binned["attribution"],
        "published_sm_prediction": pub["sm_prediction"],
        "published_observed": pub["observed"],
    }
    return tuple((k, json.dumps(v)) for k, v in doc.items())


def _build_csi(
    release: dict, binned: dict, form_factor: str, couplings: str, n_nodes: int, constraints
) -> CsI2017Analysis:
    name = "coherent-csi-2017"
    src = build_source(fm.pion_dar_block(release), origin=name)
    t_hi = fm.max_target_recoil("csi", src.e_max)
    t, w = fm.csi_recoil_grid(t_hi, n_nodes)
    groups = tuple(
        fm.recoil_experiment(name, "csi", src, fl, t, w, form_factor=form_factor, couplings=couplings)
        for fl in (fm.PROMPT, fm.DELAYED)
    )
    det = release["detector"]
    qf, ly = det["quenching"]["value"], det["light_yield_pe_per_keVee"]["value"]
    eff = det["efficiency"]
    acc = np.asarray(fm.csi_acceptance(np.arange(50) + 0.5, eff["a"]["value"], eff["k"]["value"], eff["x0"]["value"]))
    exposure_gwh = release["source"]["beam_exposure_GWh"]["value"]
    brn1 = np.asarray(binned["prompt_neutron_pe_per_GWh"]) * exposure_gwh * acc
    n_ac = binned["anticoincidence_beam_on_total"]
    sys = release["systematics"]
    nuis = (
        Nuisance(
            "cevns_norm", 0.0, math.sqrt(sys["flux"] ** 2 + sys["acceptance"] ** 2 + sys["form_factor"] ** 2), low=-1.0
        ),
        Nuisance("qf", 0.0, det["quenching"]["uncertainty"] / qf, low=-0.8),
        Nuisance("brn_norm", 0.0, release["backgrounds"]["prompt_neutrons"]["normalisation"]["uncertainty"], low=-1.0),
        Nuisance("ss_norm", 0.0, 1.0 / math.sqrt(n_ac), low=-1.0),
    )
    info = _info(
        name,
        release,
        binned,
        "binned Poisson, PE x arrival time",
        "coincidence beam-on counts (release data_coincidence_beamOn.txt)",
        "0-50 PE (25 bins) x 0-12 us (24 bins)",
        f"pion_dar source, target csi, form factor {form_factor}, couplings {couplings}; "
        "PE = LY QF T, release acceptance",
    )
    dtype = jnp.zeros(()).dtype
    return CsI2017Analysis(
        groups=groups,
        observed=jnp.asarray(binned["coincidence_beam_on"], dtype),
        exposure_kg_day=release["target"]["mass_kg"]["value"],
        nuisances=nuis,
        constraints=check_constraints(constraints),
        info=info,
        time_pdfs=jnp.asarray(
            [
                binned["time_pdf_prompt_neutrinos"],
                binned["time_pdf_delayed_neutrinos"],
                binned["time_pdf_prompt_neutrons"],
            ],
            dtype,
        ),
        brn_pe=jnp.asarray(brn1.reshape(25, 2).sum(1), dtype),
        ss_pe=jnp.asarray(binned["anticoincidence_beam_on_pe"], dtype),
        acceptance_1pe=jnp.asarray(acc, dtype),
        t_hi=float(t_hi),
        pe_per_mev_nominal=float(ly * qf / 1e-3),
    )


def _build_lar(
    release: dict, binned: dict, form_factor: str, couplings: str, n_nodes: int, constraints, shapes: bool = False
) -> LAr2020Analysis:
    name = "coherent-lar-2020"
    trace = release["source"]["pot_trace"]
    src = build_source(fm.pion_dar_block(release, trace["width_ns"]["value"]), origin=name)
    t_hi = fm.max_target_recoil("argon", src.e_max)
    line_ends = [fm.max_target_recoil("argon", src.lines[0][1])]
    t, w = fm.lar_recoil_grid(2e-4, t_hi, line_ends, n_nodes)
    groups = tuple(
        fm.recoil_experiment(name, "argon", src, fl, t, w, form_factor=form_factor, couplings=couplings)
        for fl in (fm.PROMPT, fm.DELAYED)
    )
    det = release["detector"]
    resp = fm.lar_response(
        t,
        det["quenching"]["a"]["value"],
        det["quenching"]["b"]["value"],
        det["smearing"]["a"]["value"],
        np.asarray(binned["efficiency"]),
        np.asarray(binned["efficiency_edges_keVee"]),
        np.asarray(binned["energy_edges_keVee"]),
    )
    edges_ns = (
        np.asarray(binned["t_trig_edges_us"]) * 1000.0 - trace["mean_ns"]["value"]
    )  # t_trig = 0 at the trace origin
    fractions = np.stack([src.time_fractions("nu_mu", edges_ns), src.time_fractions("nu_e", edges_ns)])
    bkg = release["backgrounds"]
    nuis = (
        Nuisance("cevns_norm", 0.0, release["systematics"]["cevns_normalisation"]["relative"], low=-1.0),
        Nuisance(
            "brn_norm",
            0.0,
            bkg["prompt_brn"]["prediction"]["uncertainty"] / bkg["prompt_brn"]["prediction"]["value"],
            low=-1.0,
        ),
        Nuisance(
            "delayed_brn_norm",
            0.0,
            bkg["delayed_brn"]["prediction"]["uncertainty"] / bkg["delayed_brn"]["prediction"]["value"],
            low=-1.0,
        ),
        Nuisance(
            "ss_norm",
            0.0,
            bkg["steady_state"]["prediction"]["uncertainty"] / bkg["steady_state"]["prediction"]["value"],
            low=-1.0,
        ),
    )
    templates = lar_shape_templates() if shapes else {}
    shape_fields = tuple((jnp.asarray(t[1]), jnp.asarray(t[2])) for t in templates.values())
    nuis += tuple(Nuisance(n, 0.0, 1.0, low=-3.0, high=3.0) for t in templates.values() for n in t[0])
    info = _info(
        name,
        release,
        binned,
        "binned Poisson, reconstructed energy x t_trig (F90 summed)",
        "beam-on counts without background subtraction (release datanobkgsub.txt)",
        "0-120 keVee (12 bins) x -0.1-4.9 us (10 bins)",
        f"pion_dar source, target argon, form factor {form_factor}, couplings {couplings}; "
        "release linear QF, Gaussian resolution, tabulated acceptance"
        + ("; the release's CEvNS and BRN shape variants as nuisances" if shapes else ""),
    )
    dtype = jnp.zeros(()).dtype
    return LAr2020Analysis(
        groups=groups,
        observed=jnp.asarray(binned["observed"], dtype),
        exposure_kg_day=release["target"]["mass_kg"]["value"],
        nuisances=nuis,
        constraints=check_constraints(constraints),
        info=info,
        response=jnp.asarray(resp, dtype),
        time_fractions=jnp.asarray(fractions, dtype),
        backgrounds=jnp.asarray([binned["steady_state"], binned["prompt_brn"], binned["delayed_brn"]], dtype),
        shapes=shape_fields,
        shape_names=tuple(t[0] for t in templates.values()),
    )


_BUILDERS = {"coherent-csi-2017": (_build_csi, 800), "coherent-lar-2020": (_build_lar, 200)}


def load_coherent(
    name: str,
    *,
    form_factor: str = "helm",
    couplings: str = "tree",
    constraints=(),
    recoil_nodes: int | None = None,
    shape_systematics: bool = False,
) -> CoherentAnalysis:
    """The COHERENT analysis ``name`` (one of :data:`COHERENT_NAMES`).

    ``form_factor``: 'helm' or 'klein-nystrand'; ``couplings``: 'tree' or 'radiative';
    ``constraints``: ``{name: (centre, width)}`` pulls on physics parameters;
    ``recoil_nodes``: recoil quadrature size (default 800 for CsI, 200 for LAr; doubling them changes
    the CsI χ² by < 2e-4 and the LAr χ² by < 3e-4); ``shape_systematics`` (LAr only): the release's
    shape variants of the CEvNS and BRN PDFs as five more nuisances (:mod:`.coherent_shapes`)."""
    if name not in _BUILDERS:
        raise ValueError(f"load_coherent: unknown data set {name!r}; use one of {', '.join(COHERENT_NAMES)}")
    if form_factor not in ("helm", "klein-nystrand"):
        raise ValueError(f"load_coherent: form_factor={form_factor!r} is unknown; use 'helm' or 'klein-nystrand'")
    if couplings not in ("tree", "radiative"):
        raise ValueError(f"load_coherent: couplings={couplings!r} is unknown; use 'tree' or 'radiative'")
    build, default_nodes = _BUILDERS[name]
    nodes = default_nodes if recoil_nodes is None else int(recoil_nodes)
    if nodes < 50:
        raise ValueError(f"load_coherent: recoil_nodes={recoil_nodes} is too small; give at least 50")
    if shape_systematics and name != "coherent-lar-2020":
        raise ValueError(f"load_coherent: shape_systematics is available for coherent-lar-2020, not {name!r}")
    release, binned = _read(name)
    with jax.enable_x64(True):
        extra = {"shapes": True} if shape_systematics else {}
        analysis = build(release, binned, form_factor, couplings, nodes, constraints, **extra)
    dtype = jnp.zeros(()).dtype
    return jax.tree_util.tree_map(lambda x: jnp.asarray(x, dtype) if eqx.is_inexact_array(x) else x, analysis)
