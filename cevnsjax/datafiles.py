"""Where shipped data live, and the one strict JSON reader every loader uses.

:func:`read_json_file` rejects what Python's ``json`` module accepts silently:
duplicate keys (the last one would win), ``NaN``/``Infinity`` and numbers that
overflow to infinity. Every error is one line naming the file and the field.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

#: The COHERENT data sets shipped as data-release analyses (``data/experiments/<name>/``);
#: kept here, away from :mod:`cevnsjax.analyses`, so that commands can tell them
#: apart from experiment files without importing the analyses.
COHERENT_NAMES = ("coherent-csi-2017", "coherent-lar-2020")


def data_root() -> Path:
    """The shipped ``data/`` folder: the repository's in a source checkout,
    else the installed ``cevnsjax.data`` package (mapped from ``data/``)."""
    checkout = Path(__file__).resolve().parent.parent / "data"
    if (checkout / "experiments").is_dir():
        return checkout
    return Path(str(resources.files("cevnsjax.data")))


def data_path(name: str) -> Path:
    """Path of a file shipped in ``data/``."""
    return data_root() / name


class _Duplicate(ValueError):
    pass


def _pairs(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _Duplicate(key)
        seen[key] = value
    return seen


def _reject_constant(name):
    raise ValueError(f"non-finite number {name}")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} overflows to infinity")
    return value


def first_non_finite(tree, path: str = "") -> str | None:
    """Field path of the first non-finite float in a parsed JSON tree, or None."""
    if isinstance(tree, float) and not math.isfinite(tree):
        return path or "(top level)"
    if isinstance(tree, dict):
        for key, value in tree.items():
            found = first_non_finite(value, f"{path}.{key}" if path else str(key))
            if found:
                return found
    if isinstance(tree, list):
        for i, value in enumerate(tree):
            found = first_non_finite(value, f"{path}[{i}]")
            if found:
                return found
    return None


def _locate_duplicate(text: str, key: str) -> str:
    """Field path of the object holding a duplicated ``key`` (best effort)."""

    def walk(obj, path):
        if isinstance(obj, list):
            for i, v in enumerate(obj):
                r = walk(v, f"{path}[{i}]")
                if r:
                    return r
        elif isinstance(obj, tuple):
            keys = [k for k, _ in obj]
            if keys.count(key) > 1:
                return f"{path}.{key}" if path else key
            for k, v in obj:
                r = walk(v, f"{path}.{k}" if path else k)
                if r:
                    return r
        return None

    try:
        tree = json.loads(text, object_pairs_hook=tuple)
    except ValueError:
        return key
    return walk(tree, "") or key


def read_json_file(path: Path, what: str, error=ValueError) -> dict:
    """Parse a JSON object strictly; raise ``error`` with a one-line message."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(f"{what} {str(path)!r}: not UTF-8 text") from None
    except OSError as exc:
        raise error(f"{what} {str(path)!r}: cannot read ({exc.strerror})") from None
    return parse_json_text(text, f"{what} {str(path)!r}", error)


def parse_json_text(text: str, origin: str, error=ValueError) -> dict:
    """Strictly parse JSON text (see :func:`read_json_file`)."""
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_reject_constant, parse_float=_finite_float)
    except _Duplicate as exc:
        raise error(
            f"{origin}: field {_locate_duplicate(text, exc.args[0])}: duplicate key; each key may appear once"
        ) from None
    except json.JSONDecodeError as exc:
        raise error(f"{origin}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except ValueError as exc:
        tree = json.loads(text, parse_constant=float, parse_float=float)
        where = first_non_finite(tree) or "(unknown)"
        raise error(f"{origin}: field {where}: {exc}; use a finite number") from None
    if not isinstance(data, dict):
        raise error(f"{origin}: the top level must be a JSON object")
    return data
