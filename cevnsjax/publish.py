"""Results in the formats physicists publish in: a HEPData submission
(YAML written by ``hepdata_lib``, checked by ``hepdata-validator``, both from
the optional extra ``cevnsjax[publish]``) and a CSV file per table.

A table is a plain dict::

    {"name": "mu_nu upper limit", "description": "...", "location": "Figure 2",
     "keywords": {"observables": ["LIMIT"]},                       # optional
     "independent": [{"name": "experiment", "units": "", "values": [...]}],
     "dependent": [{"name": "mu_nu", "units": "mu_B", "values": [...],
                    "qualifiers": {"CL": "90 %"},                   # optional
                    "errors": [...] or {"minus": [...], "plus": [...]},  # optional, 1 sigma
                    "error_label": "total"}]}                       # optional

Independent values are numbers, strings, or ``(low, high)`` bin edges.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from .plots.style import write_csv

__all__ = ["grid_table", "limits_table", "profile_table", "validate_hepdata", "write_hepdata"]


def _need(table: dict, key: str, index: int):
    if key not in table:
        raise ValueError(
            f"tables[{index}]: missing {key!r}; a table needs 'name', 'description', 'independent', "
            "'dependent' (see cevnsjax.publish)"
        )
    return table[key]


def _clean(values):
    out = []
    for v in values:
        if isinstance(v, (list, tuple)):
            out.append(tuple(float(x) for x in v))
        elif isinstance(v, str):
            out.append(v)
        elif v is None or (isinstance(v, float) and not math.isfinite(v)):
            out.append("-")  # HEPData's marker of a missing value
        else:
            out.append(float(v))
    return out


def _variable(spec: dict, *, independent: bool, n: int, where: str):
    from hepdata_lib import Uncertainty, Variable

    values = _clean(list(spec["values"]))
    if len(values) != n:
        raise ValueError(f"{where}: {len(values)} values, the table has {n} rows; give every column the same length")
    binned = independent and bool(values) and isinstance(values[0], tuple)
    var = Variable(spec["name"], is_independent=independent, is_binned=binned, units=spec.get("units", ""))
    var.values = values
    for key, val in (spec.get("qualifiers") or {}).items():
        var.add_qualifier(key, val)
    errors = spec.get("errors")
    if errors is not None:
        if isinstance(errors, dict):
            unc = Uncertainty(spec.get("error_label", "total"), is_symmetric=False)
            pairs = zip(errors["minus"], errors["plus"], strict=True)
            unc.values = [(-abs(float(lo)), abs(float(hi))) for lo, hi in pairs]
        else:
            unc = Uncertainty(spec.get("error_label", "total"), is_symmetric=True)
            unc.values = [abs(float(e)) for e in errors]
        var.add_uncertainty(unc)
    return var


def _file_stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "table"


def write_hepdata(
    outdir, tables: list[dict], *, comment: str = "", csv: bool = True, csv_dir=None, validate: bool = True
) -> dict:
    """Write ``tables`` as a HEPData submission into ``outdir`` (``submission.yaml``
    plus one YAML per table) and, with ``csv``, one ``<table>.csv`` per table into
    ``csv_dir`` (default: the folder ``<outdir>_csv`` beside ``outdir``; the
    validator rejects files in the submission folder that it does not reference).
    With ``validate`` the written folder is checked by the HEPData validator and
    a ``ValueError`` names the first problem. Returns ``{"outdir", "files", "valid"}``."""
    try:
        from hepdata_lib import Submission, Table
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("write_hepdata needs hepdata_lib: pip install 'cevnsjax[publish]'") from err
    if not tables:
        raise ValueError("tables: empty; pass a list of table dicts (see cevnsjax.publish)")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    csv_dir = Path(csv_dir) if csv_dir is not None else outdir.with_name(outdir.name + "_csv")
    submission = Submission()
    if comment:
        submission.comment = comment
    names = set()
    files, pending = [], []
    for i, spec in enumerate(tables):
        name = _need(spec, "name", i)
        if name in names:
            raise ValueError(f"tables[{i}]: name {name!r} used twice; table names must be unique")
        names.add(name)
        indep, dep = _need(spec, "independent", i), _need(spec, "dependent", i)
        if not indep or not dep:
            raise ValueError(f"tables[{i}] ({name!r}): needs at least one independent and one dependent column")
        n = len(indep[0]["values"])
        table = Table(name)
        table.description = _need(spec, "description", i)
        if spec.get("location"):
            table.location = spec["location"]
        for key, vals in (spec.get("keywords") or {}).items():
            table.keywords[key] = list(vals)
        for j, col in enumerate(indep):
            table.add_variable(_variable(col, independent=True, n=n, where=f"tables[{i}].independent[{j}]"))
        for j, col in enumerate(dep):
            table.add_variable(_variable(col, independent=False, n=n, where=f"tables[{i}].dependent[{j}]"))
        submission.add_table(table)
        if csv:
            columns = {}
            for col in indep + dep:
                head = col["name"] + (f" [{col['units']}]" if col.get("units") else "")
                vals = list(col["values"])
                if vals and isinstance(vals[0], (list, tuple)):
                    columns[head + " low"] = [v[0] for v in vals]
                    columns[head + " high"] = [v[1] for v in vals]
                else:
                    columns[head] = vals
            pending.append((csv_dir / f"{_file_stem(name)}.csv", columns))
    # hepdata_lib also packs a submission.tar.gz into the working directory: let it do so in a
    # temporary one, so that nothing is left beside the caller's files
    import contextlib
    import tempfile

    with tempfile.TemporaryDirectory() as scratch, contextlib.chdir(scratch):
        submission.create_files(str(Path(outdir).resolve()), validate=False, remove_old=True)  # clears outdir first
    files += [write_csv(path, columns) for path, columns in pending]
    files += sorted(str(p) for p in outdir.glob("*.yaml"))
    valid = None
    if validate:
        valid, messages = validate_hepdata(outdir)
        if not valid:
            raise ValueError(f"HEPData validator rejected {outdir}: {messages[:1]}")
    return {"outdir": str(outdir), "files": files, "valid": valid}


def validate_hepdata(outdir) -> tuple[bool, list[str]]:
    """Run the HEPData full-submission validator on a folder; returns (ok, messages)."""
    from hepdata_validator.full_submission_validator import FullSubmissionValidator

    validator = FullSubmissionValidator()
    ok = bool(validator.validate(directory=str(outdir)))
    messages = [f"{path}: {m.message}" for path, msgs in validator.get_messages().items() for m in msgs]
    return ok, messages


# -- builders for the tables reproduce writes -------------------------------------------------------------------


def profile_table(
    name: str, xs, delta_chi2, *, parameter: str, units: str = "", location: str = "", description: str = ""
) -> dict:
    """A Δχ² profile curve as a table."""
    return {
        "name": name,
        "location": location,
        "description": description or f"Profile likelihood Delta chi^2 as a function of {parameter}.",
        "keywords": {"observables": ["CHI2"]},
        "independent": [{"name": parameter, "units": units, "values": list(xs)}],
        "dependent": [{"name": "Delta chi^2", "values": list(delta_chi2)}],
    }


def grid_table(
    name: str, x, y, delta_chi2, *, x_name: str, y_name: str, location: str = "", description: str = ""
) -> dict:
    """A Δχ² grid ``delta_chi2[i, j]`` at (x[i], y[j]) as a flat table."""
    import numpy as np

    xx, yy = np.meshgrid(np.asarray(x, float), np.asarray(y, float), indexing="ij")
    z = np.asarray(delta_chi2, float)
    if z.shape != xx.shape:
        raise ValueError(f"delta_chi2: shape {z.shape} should be (len(x), len(y)) = {xx.shape}")
    return {
        "name": name,
        "location": location,
        "description": description or f"Delta chi^2 on a grid of ({x_name}, {y_name}).",
        "keywords": {"observables": ["CHI2"]},
        "independent": [
            {"name": x_name, "values": xx.ravel().tolist()},
            {"name": y_name, "values": yy.ravel().tolist()},
        ],
        "dependent": [{"name": "Delta chi^2", "values": z.ravel().tolist()}],
    }


def limits_table(
    name: str, labels, limits, *, quantity: str, units: str, cl: float = 0.9, location: str = "", description: str = ""
) -> dict:
    """Upper limits of several analyses (one row each)."""
    return {
        "name": name,
        "location": location,
        "description": description or f"Upper limits on {quantity} at {100 * cl:g} % CL.",
        "keywords": {"observables": ["LIMIT"]},
        "independent": [{"name": "analysis", "values": [str(s) for s in labels]}],
        "dependent": [
            {
                "name": f"{quantity} upper limit",
                "units": units,
                "values": list(limits),
                "qualifiers": {"CL": f"{100 * cl:g} %"},
            }
        ],
    }
