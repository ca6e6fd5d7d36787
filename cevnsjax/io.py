"""Strict, safe reading and writing of the files the package and the CLI use.

Reading (:func:`read_json`) rejects what Python's :mod:`json` accepts silently:
duplicate keys (the last one would win), ``NaN``/``Infinity``/``-Infinity``
and numbers that overflow to infinity (``1e999``), and a top level that is not
an object. Every problem is reported as one line that names the file and the
field, ``"<file>: field <dotted.path[3]>: <problem>; <fix>"``, or the line and
column for text that is not JSON at all, and raised as :class:`InputError`.

Writing: :func:`prepare_output` checks an output path *before* any long work
(the folder exists and is writable, an existing file is not overwritten
without ``force``); :func:`atomic_path`, :func:`atomic_write_text` and
:func:`atomic_write_bytes` write to a temporary sibling and rename it into
place only on success, so a failure never leaves a half-written file.

Undefined numbers in outputs: strict JSON has no NaN or infinity.
:func:`dumps_strict` writes a non-finite float as ``null`` and records why in a
sibling key ``"<key>_note"``; wrap a value in :func:`undefined` to give the
reason yourself, e.g. ``{"hessian_error": undefined("the χ² curvature is zero
at the boundary")}`` becomes ``"hessian_error": null, "hessian_error_note":
"not finite: the χ² curvature is zero at the boundary"``. Values inside a list
attach their note to the nearest enclosing key, prefixed by their index
(``"[3]: not finite: nan"``); a bare top-level value has no key for a note and
is written as ``null`` alone.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "InputError",
    "OutputError",
    "Undefined",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_finite",
    "dumps_strict",
    "field_path",
    "prepare_output",
    "read_json",
    "undefined",
    "write_json",
]


class InputError(ValueError):
    """An input file or structure is unreadable or invalid (one-line message)."""


class OutputError(ValueError):
    """An output path cannot be written as asked (one-line message)."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split("\n")).replace("\r", " ")


def field_path(tokens) -> str:
    """``("detectors", 2, "exposure_kg_day")`` → ``"detectors[2].exposure_kg_day"``.

    Keys that are not plain names are quoted (``a["b.c"]``); the empty path is
    ``"(top level)"``.
    """
    out = ""
    for tok in tokens:
        if isinstance(tok, int):
            out += f"[{tok}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", tok):
            out += f".{tok}"
        else:
            out += f"[{json.dumps(tok, ensure_ascii=False)}]"
    return out.lstrip(".") or "(top level)"


def _field_error(origin, tokens, problem: str, fix: str) -> InputError:
    return InputError(_one_line(f"{origin}: field {field_path(tokens)}: {problem}; {fix}"))


# --------------------------------------------------------------------------- reading


class _Pairs(list):
    """A JSON object as its (key, value) pairs, in document order."""


@dataclass(frozen=True)
class _NonFinite:
    text: str  # the literal as written in the file


def _parse_float(text: str):
    value = float(text)
    return value if math.isfinite(value) else _NonFinite(text)


_FLOAT64_MAX = int(np.finfo(np.float64).max)
_FINITE_FIX = "write a finite number (JSON has no NaN or infinity; use null where a value is undefined)"


def _resolve(node, tokens: list, origin):
    """Plain Python data from the hooked parse; raises at the first problem in document order."""
    if isinstance(node, _Pairs):
        out = {}
        for key, value in node:
            if key in out:
                dup = (
                    f"duplicate key {json.dumps(key, ensure_ascii=False)} (the same key appears earlier in this object)"
                )
                raise _field_error(origin, [*tokens, key], dup, "keep only one of them")
            out[key] = _resolve(value, [*tokens, key], origin)
        return out
    if isinstance(node, list):
        return [_resolve(v, [*tokens, i], origin) for i, v in enumerate(node)]
    if isinstance(node, _NonFinite):
        raise _field_error(origin, tokens, f"{node.text} is not a finite number", _FINITE_FIX)
    if isinstance(node, int) and not isinstance(node, bool) and abs(node) > _FLOAT64_MAX:
        raise _field_error(origin, tokens, "integer too large for a float64", "write a number below 1.8e308")
    return node


def _line_col(data: bytes, pos: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, pos) + 1
    return line, pos - (data.rfind(b"\n", 0, pos) + 1) + 1


def read_json(path, what: str = "JSON file") -> dict:
    """Read a JSON object from ``path`` strictly; ``what`` names the file's role in messages.

    Raises :class:`InputError` with a one-line message for an unreadable file,
    bytes that are not UTF-8, text that is not JSON (with line and column), a
    top level that is not an object, duplicate keys, and non-finite numbers
    (``NaN``, ``Infinity``, ``-Infinity``, overflowing literals such as
    ``1e999``), the last two naming the field path.
    """
    origin = _one_line(str(path))
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{origin}: no such {what}; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{origin}: is a folder, not a {what}; give the path of the file") from None
    except PermissionError:
        raise InputError(f"{origin}: cannot read the {what} (permission denied); make it readable") from None
    except OSError as err:
        problem = err.strerror or err
        raise InputError(_one_line(f"{origin}: cannot read the {what} ({problem}); check the path")) from None
    if not data.strip():
        raise InputError(f"{origin}: the {what} is empty; it must hold one JSON object {{...}}")
    if data.startswith(b"\xef\xbb\xbf"):
        raise InputError(f"{origin}: the {what} starts with a byte-order mark; save it as UTF-8 without BOM")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line, col = _line_col(data, err.start)
        raise InputError(
            f"{origin}: not UTF-8 text at line {line}, column {col} (byte 0x{data[err.start]:02x}); "
            f"save the {what} as UTF-8"
        ) from None
    try:
        tree = json.loads(text, object_pairs_hook=_Pairs, parse_constant=_NonFinite, parse_float=_parse_float)
        if not isinstance(tree, _Pairs):
            kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
                type(tree), "a number"
            )
            problem, fix = f"expected a JSON object {{...}}, got {kind}", f"the {what} must hold one object with fields"
            raise _field_error(origin, [], problem, fix)
        return _resolve(tree, [], origin)
    except json.JSONDecodeError as err:
        where = f"line {err.lineno}, column {err.colno}"
        raise InputError(
            _one_line(f"{origin}: invalid JSON at {where}: {err.msg}; fix the {what}'s syntax there")
        ) from None
    except RecursionError:
        raise InputError(f"{origin}: the {what} is nested too deeply to read; flatten its structure") from None


def check_finite(tree, origin: str = "input") -> None:
    """Raise :class:`InputError` at the first non-finite number in ``tree``.

    Walks dicts, lists, tuples, floats, NumPy/JAX scalars and arrays (depth
    first, in order); the message names ``origin`` and the field path, e.g.
    ``"spec.json: field detectors[1].sigma0_eVee: nan is not a finite number; ..."``.
    """

    def walk(node, tokens):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, [*tokens, key if isinstance(key, str) else str(key)])
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                walk(value, [*tokens, i])
        elif isinstance(node, (bool, str, bytes)) or node is None:
            return
        elif isinstance(node, (float, int, np.generic)) or hasattr(node, "__array__"):
            arr = np.asarray(node)
            if arr.dtype.kind not in "fc" or np.all(np.isfinite(arr)):
                return
            if arr.ndim == 0:
                raise _field_error(origin, tokens, f"{arr.item()} is not a finite number", _FINITE_FIX)
            index = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
            raise _field_error(origin, [*tokens, *index], f"{arr[index].item()} is not a finite number", _FINITE_FIX)

    walk(tree, [])


# --------------------------------------------------------------------------- writing JSON


@dataclass(frozen=True)
class Undefined:
    """A value that is undefined for a stated reason; written as ``null`` plus a note."""

    reason: str


def undefined(reason: str) -> Undefined:
    """Mark a value as undefined: :func:`dumps_strict` writes ``null`` and ``"<key>_note": "not finite: <reason>"``."""
    return Undefined(str(reason))


def _merge(out: dict, key: str, value) -> None:
    """Set ``out[key]``; a note and a user value under the same key are joined with "; "."""
    if isinstance(out.get(key), str) and isinstance(value, str):
        out[key] = f"{out[key]}; {value}"
    else:
        out[key] = value


def _plain(obj, tokens: tuple, notes: list):
    """JSON-ready data; non-finite values become None and (relative path, reason) go to ``notes``."""
    if isinstance(obj, Undefined):
        notes.append((tokens, f"not finite: {obj.reason}"))
        return None
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if isinstance(key, np.generic):
                key = key.item()
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(
                    f"cannot write field {field_path(tokens)}: key {key!r} of type {type(key).__name__} is not a string"
                )
            key = str(key)
            inner: list = []
            _merge(out, key, _plain(value, (*tokens, key), inner))
            if inner:
                depth = len(tokens) + 1
                _merge(
                    out,
                    f"{key}_note",
                    "; ".join(
                        (f"{field_path(t[depth:])}: {reason}" if len(t) > depth else reason) for t, reason in inner
                    ),
                )
        return out
    if isinstance(obj, (list, tuple)):
        return [_plain(v, (*tokens, i), notes) for i, v in enumerate(obj)]
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, float, np.generic)) or hasattr(obj, "__array__"):
        arr = np.asarray(obj)
        if arr.ndim > 0:
            return _plain(arr.tolist(), tokens, notes)
        value = arr.item()
        if isinstance(value, complex):
            raise TypeError(f"cannot write field {field_path(tokens)}: complex number {value}; write real and imag")
        if isinstance(value, float) and not math.isfinite(value):
            notes.append((tokens, f"not finite: {value}"))
            return None
        return value
    raise TypeError(
        f"cannot write field {field_path(tokens)}: object of type {type(obj).__name__} is not "
        "JSON data; convert it to numbers, strings, lists or dicts"
    )


def dumps_strict(obj, *, indent: int | None = 2) -> str:
    """Strict JSON text of ``obj`` (``allow_nan=False``).

    Converts NumPy and JAX scalars and arrays; a non-finite float, or an
    :func:`undefined` value, becomes ``null`` with a note in the sibling key
    ``"<key>_note"`` (see the module docstring). Raises ``TypeError`` naming the
    field for data that has no JSON form.
    """
    notes: list = []
    plain = _plain(obj, (), notes)
    return json.dumps(plain, indent=indent, ensure_ascii=False, allow_nan=False)


# --------------------------------------------------------------------------- output paths


def _probe_writable(folder: Path, shown) -> None:
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=folder)
    except OSError as err:
        raise OutputError(
            _one_line(f"{shown}: cannot write in folder {folder} ({err.strerror or err}); choose a writable location")
        ) from None
    os.close(fd)
    os.unlink(probe)


def prepare_output(path, *, force: bool = False, kind: str = "file") -> Path:
    """Check an output path before any long work; return it as a :class:`~pathlib.Path`.

    ``kind="file"``: the parent folder must exist and be writable, the path
    must not be a folder, and an existing file is refused unless ``force``.
    ``kind="dir"``: the path must not be a file; a missing folder is created
    (its parent must exist) and the folder must be writable. Raises
    :class:`OutputError` with a one-line message naming the path and the fix.
    """
    if kind not in ("file", "dir"):
        raise ValueError(f"kind must be 'file' or 'dir', got {kind!r}")
    target = Path(path).expanduser()
    shown = _one_line(str(path))
    parent = target.absolute().parent
    if kind == "file":
        if target.is_dir():
            raise OutputError(f"{shown}: is a folder; give a file name for the output")
        if target.exists() and not force:
            raise OutputError(f"{shown}: already exists; pass --force to overwrite it, or choose another name")
    elif target.exists() and not target.is_dir():
        raise OutputError(f"{shown}: is a file, not a folder; give a folder for the outputs or remove the file")
    if not parent.exists():
        raise OutputError(f"{shown}: folder {parent} does not exist; create it first (mkdir -p {parent})")
    if not parent.is_dir():
        raise OutputError(f"{shown}: {parent} is not a folder; choose an output path inside a folder")
    if kind == "dir":
        if not target.exists():
            try:
                target.mkdir()
            except OSError as err:
                raise OutputError(
                    _one_line(f"{shown}: cannot create the folder ({err.strerror or err}); choose a writable location")
                ) from None
        _probe_writable(target, shown)
    else:
        _probe_writable(parent, shown)
    return target


@contextlib.contextmanager
def atomic_path(path) -> Iterator[Path]:
    """Yield a temporary sibling path of ``path``; rename it onto ``path`` only if the block succeeds.

    The temporary name keeps the suffix (so tools that pick a format from it,
    such as ``savefig``, still work) and does not exist yet: the block creates
    it. On an exception the temporary file or folder is removed and the
    exception propagates; ``path`` is left as it was.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.stem}.tmp-{secrets.token_hex(6)}{target.suffix}")
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError(f"{_one_line(str(target))}: nothing was written; the output was not created")
        os.replace(tmp, target)
    except BaseException:
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary sibling, fsync, rename)."""
    with atomic_path(path) as tmp:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def atomic_write_text(path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (no newline translation)."""
    return atomic_write_bytes(path, text.encode(encoding))


def write_json(path, obj, *, indent: int | None = 2) -> Path:
    """:func:`dumps_strict` of ``obj`` written atomically to ``path``, with a final newline."""
    return atomic_write_text(path, dumps_strict(obj, indent=indent) + "\n")
