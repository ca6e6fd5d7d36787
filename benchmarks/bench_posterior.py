"""Posterior sampling benchmark: effective samples per second of NUTS (NumPyro,
vectorized chains) on the CONUS+ counting χ² for sin²θW, μν and the 2D NSI
window, end to end (one ``sample_posterior`` call, compilation included) and
for the compiled NUTS transition alone (a second, compiled run of the vmapped kernel).

    python benchmarks/bench_posterior.py [--quick] [--out benchmarks/results/posterior.json]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from functools import partial
from pathlib import Path

import jax
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine, write_report, write_table

import cevnsjax as cj
from cevnsjax import infer
from cevnsjax.infer import bayes

NSI_WINDOW = 0.15


def cases():
    window = {n: infer.uniform_prior(-NSI_WINDOW, NSI_WINDOW) for n in ("eps_ee_uV", "eps_ee_dV")}
    return {
        "sin2_theta_w": ({"sin2_theta_w": None}, {}),
        "mu_nu": ({"mu_nu": None}, {}),
        "nsi_window": (window, {"dense_mass": True, "target_accept": 0.95}),
    }


def min_ess(samples: dict) -> float:
    az = bayes._arviz()
    ess = az.ess({k: np.asarray(v) for k, v in samples.items()}, method="bulk")
    return float(min(float(ess[k]) for k in samples))


def sampling_only(analysis, params, priors, options, chains, samples, warmup):
    """Throughput of the compiled NUTS transition alone: NumPyro's functional
    ``hmc(..., algo="NUTS")`` kernel vmapped over chains inside one jitted
    ``lax.scan`` (what MCMC's "vectorized" chain method runs), warmed up, then
    run twice for ``samples`` draws; the second, already compiled run is timed.
    Bulk ESS is rank based, so it is computed on the unconstrained draws."""
    from numpyro.infer.hmc import hmc
    from numpyro.infer.util import initialize_model

    model = bayes.posterior_model(analysis, params, priors)
    keys = jax.random.split(jax.random.PRNGKey(1), chains)
    info = initialize_model(keys, model)
    init_kernel, sample_kernel = hmc(info.potential_fn, algo="NUTS")
    state = jax.vmap(
        lambda p, k: init_kernel(
            p,
            num_warmup=warmup,
            rng_key=k,
            target_accept_prob=options.get("target_accept", 0.8),
            dense_mass=options.get("dense_mass", False),
        )
    )(info.param_info, keys)

    @partial(jax.jit, static_argnums=1)
    def advance(state, n):
        def body(s, _):
            s = jax.vmap(sample_kernel)(s)
            return s, (s.z, s.num_steps)

        return jax.lax.scan(body, state, None, length=n)

    state, _ = advance(state, warmup)
    state, _ = jax.block_until_ready(advance(state, samples))  # compiles for this length
    t0 = time.perf_counter()
    _, (z, steps) = jax.block_until_ready(advance(state, samples))
    seconds = time.perf_counter() - t0
    ess = min_ess({n: np.swapaxes(np.asarray(v), 0, 1) for n, v in z.items()})  # (draw, chain) -> (chain, draw)
    return ess / seconds, seconds, ess, float(np.mean(np.asarray(steps)))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 chains × 300 draws, 200 warm-up")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "posterior.json"))
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", FutureWarning)

    cj.enable_x64()
    experiment = cj.load_experiment("conus-plus")
    params = cj.nominal_params(experiment)
    analysis = infer.counting_analysis(experiment)
    chains, samples, warmup = (2, 300, 200) if args.quick else (4, 2000, 500)

    results = {}
    for name, (priors, options) in cases().items():
        t0 = time.perf_counter()
        post = bayes.sample_posterior(
            analysis, params, priors, chains=chains, samples=samples, warmup=warmup, seed=0, **options
        )
        wall = time.perf_counter() - t0
        ess = min_ess(post.samples)
        rate, seconds, ess_sampling, steps = sampling_only(analysis, params, priors, options, chains, samples, warmup)
        results[name] = {
            "parameters": list(priors),
            "options": options,
            "end_to_end_seconds": wall,
            "min_ess_bulk": ess,
            "ess_per_second_end_to_end": ess / wall,
            "max_r_hat": max(post.r_hat(n) for n in priors),
            "divergences": post.divergences,
            "ess_per_second_sampling": rate,
            "sampling_seconds": seconds,
            "min_ess_bulk_sampling_run": ess_sampling,
            "mean_leapfrog_steps_per_draw": steps,
            "gradient_evaluations_per_second": chains * samples * steps / seconds,
        }
        print(f"{name}: {wall:.1f} s end to end, ESS {ess:.0f}; sampling {rate:.0f} ESS/s", flush=True)

    report = {
        "benchmark": "NUTS posteriors, CONUS+ counting chi2",
        **machine(),
        "chains": chains,
        "samples_per_chain": samples,
        "warmup": warmup,
        "chain_method": bayes.default_chain_method(chains),
        "cases": results,
    }
    write_report(report, args.out)
    if not args.no_readme:
        labels = {
            "sin2_theta_w": "sin²θW (flat prior)",
            "mu_nu": "μν (flat prior)",
            "nsi_window": f"NSI (ε^u, ε^d) in [−{NSI_WINDOW}, {NSI_WINDOW}]², dense mass",
        }
        rows = [
            f"| device / JAX / float64 | {report['device']} / {report['jax_version']} / {report['float64']} "
            f"({report['cpu_count']} cores) |",
            f"| run | {chains} chains ({report['chain_method']}) × {samples} draws after {warmup} warm-up |",
        ]
        for name, r in results.items():
            rows.append(
                f"| {labels[name]} | {r['ess_per_second_end_to_end']:,.0f} ESS/s end to end "
                f"({r['end_to_end_seconds']:.1f} s, "
                f"min bulk ESS {r['min_ess_bulk']:.0f}, R̂ {r['max_r_hat']:.4f}, {r['divergences']} divergences); "
                f"{r['ess_per_second_sampling']:,.0f} ESS/s sampling alone ({r['sampling_seconds']:.2f} s for ESS "
                f"{r['min_ess_bulk_sampling_run']:.0f}, {r['mean_leapfrog_steps_per_draw']:.1f} leapfrog steps/draw, "
                f"{r['gradient_evaluations_per_second']:,.0f} gradients/s) |"
            )
        write_table("posterior", rows)
    return report


if __name__ == "__main__":
    main()
