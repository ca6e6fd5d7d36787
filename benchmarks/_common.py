"""Shared helpers of the benchmark scripts: timing and the README tables."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import jax

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the independent reference lives with the tests


def best_time(fn, repeats: int) -> float:
    """Best wall time of ``fn()`` over ``repeats`` runs after one warm-up run
    (which compiles), each ending with ``block_until_ready``."""
    jax.block_until_ready(fn())
    times = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t0)
    return min(times)


def machine() -> dict:
    return {
        "device": str(jax.devices()[0]),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "jax_version": jax.__version__,
        "float64": bool(jax.config.jax_enable_x64),
    }


def write_report(report: dict, out: str | Path) -> None:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


def write_table(section: str, rows: list[str]) -> None:
    """Replace the table between ``<!-- BEGIN section -->`` and ``<!-- END section -->``
    in benchmarks/README.md."""
    readme = ROOT / "benchmarks" / "README.md"
    text = readme.read_text()
    begin, end = f"<!-- BEGIN {section} -->", f"<!-- END {section} -->"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    table = "\n".join(["| quantity | value |", "|---|---|", *rows])
    readme.write_text(f"{head}{begin}\n{table}\n{end}{tail}")


def conus_plus_counting(tabulated: bool = True):
    """float64 on, the shipped conus-plus experiment, its nominal parameters and
    the seed paper's counting analysis: the set-up most benchmarks share. With
    ``tabulated`` (the default path of analyses loaded by name) the response is
    tabulated at the nominal response nuisances, else integrated per call."""
    import cevnsjax as cj
    from cevnsjax import infer
    from cevnsjax.rates import tabulate_response

    cj.enable_x64()
    experiment = cj.load_experiment("conus-plus")
    params = cj.nominal_params(experiment)
    if tabulated:
        experiment = tabulate_response(experiment, params)
    return experiment, params, infer.counting_analysis(experiment)
