"""Strict I/O (cevnsjax.io): a corpus of malformed JSON files, each rejected with
a one-line message naming the file and the field or position; output-path
checks; atomic writers that leave nothing half-written."""

import json
import os
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from cevnsjax.io import (
    InputError,
    OutputError,
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    check_finite,
    dumps_strict,
    field_path,
    prepare_output,
    read_json,
    undefined,
    write_json,
)

# (name, file content, the location the message must name)
_DUP = [
    ("dup-top", '{"a": 1, "a": 2}', "field a: duplicate key"),
    ("dup-top-later", '{"a": 1, "b": 2, "c": 3, "b": 4}', "field b: duplicate key"),
    ("dup-depth2", '{"source": {"name": "x", "name": "y"}}', "field source.name: duplicate key"),
    ("dup-in-list", '{"detectors": [{"n": 1}, {"n": 2, "n": 3}]}', "field detectors[1].n: duplicate key"),
    ("dup-depth4", '{"a": {"b": [0, {"c": {"d": 1, "d": 1}}]}}', "field a.b[1].c.d: duplicate key"),
    ("dup-same-value", '{"k": null, "k": null}', "field k: duplicate key"),
    ("dup-quoted-key", '{"x": {"a.b": 1, "a.b": 2}}', 'field x["a.b"]: duplicate key'),
    ("dup-unicode-key", '{"σ0": 1, "σ0": 2}', 'field ["σ0"]: duplicate key'),
    ("dup-objects", '{"n": {"x": 1}, "n": {"x": 1}}', "field n: duplicate key"),
    ("dup-after-nested", '{"a": {"b": 1}, "c": [1, 2], "a": 3}', "field a: duplicate key"),
]
_NONFINITE = [
    ("nan-top", '{"a": NaN}', "field a: NaN is not a finite number"),
    ("inf-top", '{"a": Infinity}', "field a: Infinity is not a finite number"),
    ("minus-inf-top", '{"a": -Infinity}', "field a: -Infinity is not a finite number"),
    ("overflow-top", '{"a": 1e999}', "field a: 1e999 is not a finite number"),
    ("overflow-neg", '{"a": -1e999}', "field a: -1e999 is not a finite number"),
    ("overflow-mantissa", '{"a": 1.8e308}', "field a: 1.8e308 is not a finite number"),
    ("overflow-upper-e", '{"a": 2E400}', "field a: 2E400 is not a finite number"),
    ("nan-depth2", '{"numerics": {"nodes": NaN}}', "field numerics.nodes: NaN is not a finite number"),
    ("nan-in-list", '{"x": [1, 2, NaN]}', "field x[2]: NaN is not a finite number"),
    (
        "inf-in-list-of-objects",
        '{"detectors": [{"t": 1}, {"t": Infinity}]}',
        "field detectors[1].t: Infinity is not a finite number",
    ),
    ("overflow-depth4", '{"a": {"b": [[0, 1e999]]}}', "field a.b[0][1]: 1e999 is not a finite number"),
    ("minus-inf-depth3", '{"a": {"b": {"c": -Infinity}}}', "field a.b.c: -Infinity is not a finite number"),
    ("nan-quoted-key", '{"bins": {"lo eV": NaN}}', 'field bins["lo eV"]: NaN is not a finite number'),
    ("first-of-two", '{"a": NaN, "b": Infinity}', "field a: NaN is not a finite number"),
    ("huge-integer", '{"n": ' + "9" * 400 + "}", "field n: integer too large for a float64"),
]
_SYNTAX = [
    ("truncated-object", '{"a": 1', "line 1, column 8"),
    ("truncated-string", '{"a": "abc', "line 1, column 7"),
    ("truncated-key", '{"a', "line 1, column 2"),
    ("truncated-array", '{"a": [1, 2', "line 1, column 12"),
    ("truncated-multiline", '{\n  "a": {\n    "b": 1\n', "line 4, column 1"),
    ("trailing-comma", '{"a": 1,}', "line 1, column 9"),
    ("missing-comma", '{"a": 1\n "b": 2}', "line 2, column 2"),
    ("single-quotes", "{'a': 1}", "line 1, column 2"),
    ("comment", '{"a": 1 // note\n}', "line 1, column 9"),
    ("extra-data", '{"a": 1} {"b": 2}', "line 1, column 10"),
    ("bare-word", '{"a": yes}', "line 1, column 7"),
    ("lowercase-nan", '{"a": nan}', "line 1, column 7"),
    ("control-char", '{"a": "x\ty"}', "line 1, column 9"),
    ("unquoted-key", "{a: 1}", "line 1, column 2"),
]
_TOP = [
    ("top-array", "[1, 2]", "field (top level): expected a JSON object {...}, got an array"),
    ("top-string", '"text"', "field (top level): expected a JSON object {...}, got a string"),
    ("top-number", "3.5", "field (top level): expected a JSON object {...}, got a number"),
    ("top-null", "null", "field (top level): expected a JSON object {...}, got null"),
    ("top-bool", "true", "field (top level): expected a JSON object {...}, got a boolean"),
    ("top-nan", "NaN", "field (top level): expected a JSON object {...}, got a number"),
]
_BYTES = [
    ("empty", b"", "is empty"),
    ("whitespace-only", b" \n\t\n", "is empty"),
    ("latin1", '{"name": "Müller"}'.encode("latin-1"), "not UTF-8 text at line 1, column 12 (byte 0xfc)"),
    ("invalid-byte-line3", b'{\n "a": 1,\n "b": "\xff"\n}', "not UTF-8 text at line 3, column 8 (byte 0xff)"),
    ("utf16", '{"a": 1}'.encode("utf-16"), "not UTF-8 text at line 1, column 1"),
    ("bom", b'\xef\xbb\xbf{"a": 1}', "byte-order mark"),
    ("deep-nesting", b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
]
CORPUS = _DUP + _NONFINITE + _SYNTAX + _TOP + _BYTES


def test_corpus_size():
    assert len(CORPUS) >= 40
    assert len({name for name, _, _ in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize(("name", "content", "where"), CORPUS, ids=[c[0] for c in CORPUS])
def test_malformed_json_rejected_with_one_line(tmp_path, name, content, where):
    path = tmp_path / f"{name}.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(InputError) as info:
        read_json(path, "experiment file")
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(f"{path}: ")
    assert where in message
    assert "; " in message  # a fix follows the problem


def test_read_json_returns_plain_data_in_order(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text('{"b": [1, 2.5, {"c": null}], "a": "σ", "t": true, "tiny": 1e-400}', encoding="utf-8")
    data = read_json(path, "experiment file")
    assert data == {"b": [1, 2.5, {"c": None}], "a": "σ", "t": True, "tiny": 0.0}
    assert list(data) == ["b", "a", "t", "tiny"]
    assert type(data) is dict and type(data["b"][2]) is dict


def test_read_json_unreadable_files(tmp_path):
    with pytest.raises(InputError, match=r"missing\.json: no such target file; check the path$"):
        read_json(tmp_path / "missing.json", "target file")
    with pytest.raises(InputError, match=r": is a folder, not a target file; give the path of the file$"):
        read_json(tmp_path, "target file")


def test_field_path():
    assert field_path([]) == "(top level)"
    assert field_path(["detectors", 2, "exposure_kg_day"]) == "detectors[2].exposure_kg_day"
    assert field_path([0, "a-b", "c d", "x\ny"]) == '[0].a-b["c d"]["x\\ny"]'


def test_check_finite_names_the_field():
    tree = {"a": [1.0, {"b": (2.0, np.float32(3.0))}], "c": {"d": np.array([[0.0, 1.0], [np.inf, 2.0]])}}
    with pytest.raises(InputError) as info:
        check_finite(tree, "spec.json")
    assert str(info.value).startswith("spec.json: field c.d[1][0]: inf is not a finite number; ")
    with pytest.raises(InputError, match=r"^run: field x\[1\]: nan is not a finite number; "):
        check_finite({"x": jnp.array([0.0, jnp.nan])}, "run")
    with pytest.raises(InputError, match=r"^in: field \(top level\): -inf is not a finite number"):
        check_finite(float("-inf"), "in")
    check_finite({"a": [1, 2.0, "nan", None, True, np.arange(3)], "b": jnp.ones(2)}, "ok")  # finite: no error


# --------------------------------------------------------------------------- dumps_strict


def test_dumps_strict_converts_and_notes_non_finite():
    obj = {
        "hessian_error": undefined("the χ² curvature is zero at the boundary"),
        "chi2": np.float64(1.5),
        "n": np.int32(7),
        "flag": np.bool_(True),
        "counts": jnp.array([1.0, jnp.inf, 3.0]),
        "grid": np.array([[0.0, np.nan], [1.0, 2.0]]),
        "nested": {"sigma": float("nan"), "ok": [1, (2, 3)]},
    }
    text = dumps_strict(obj)
    assert "NaN" not in text and "Infinity" not in text
    back = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict constant {c}"))
    assert back["hessian_error"] is None
    assert back["hessian_error_note"] == "not finite: the χ² curvature is zero at the boundary"
    assert back["chi2"] == 1.5 and back["n"] == 7 and back["flag"] is True
    assert back["counts"] == [1.0, None, 3.0] and back["counts_note"] == "[1]: not finite: inf"
    assert back["grid"] == [[0.0, None], [1.0, 2.0]] and back["grid_note"] == "[0][1]: not finite: nan"
    assert back["nested"] == {"sigma": None, "sigma_note": "not finite: nan", "ok": [1, [2, 3]]}
    keys = list(back)
    assert keys.index("hessian_error_note") == keys.index("hessian_error") + 1


def test_dumps_strict_output_reads_back_strictly(tmp_path):
    path = write_json(tmp_path / "r.json", {"a": np.array([np.nan, 1.0]), "b": {"c": -np.inf}})
    assert path.read_text(encoding="utf-8").endswith("}\n")
    assert read_json(path, "results file") == {
        "a": [None, 1.0],
        "a_note": "[0]: not finite: nan",
        "b": {"c": None, "c_note": "not finite: -inf"},
    }


def test_dumps_strict_rejects_non_json_with_field():
    with pytest.raises(TypeError, match=r"cannot write field a\.b\[1\]: object of type object"):
        dumps_strict({"a": {"b": [1, object()]}})
    with pytest.raises(TypeError, match=r"cannot write field a: key \(1, 2\) of type tuple is not a string"):
        dumps_strict({"a": {(1, 2): 3}})


# --------------------------------------------------------------------------- output paths


def test_prepare_output_file_cases(tmp_path):
    target = tmp_path / "out.json"
    assert prepare_output(target, force=False) == target
    assert not target.exists() and list(tmp_path.iterdir()) == []  # the check writes nothing
    target.write_text("old")
    with pytest.raises(OutputError, match=r"out\.json: already exists; pass --force to overwrite it"):
        prepare_output(target, force=False)
    assert prepare_output(target, force=True) == target
    assert target.read_text() == "old"
    with pytest.raises(OutputError, match=r": is a folder; give a file name"):
        prepare_output(tmp_path, force=True)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("missing-parent", r"folder .*/no/such does not exist; create it first \(mkdir -p .*/no/such\)$"),
        ("under-a-file", r"plain\.txt is not a folder; choose an output path inside a folder$"),
        ("proc", r"cannot write in folder /proc .*; choose a writable location$"),
    ],
)
def test_prepare_output_unwritable(tmp_path, where, expected):
    (tmp_path / "plain.txt").write_text("x")
    path = {
        "missing-parent": tmp_path / "no" / "such" / "out.json",
        "under-a-file": tmp_path / "plain.txt" / "out.json",
        "proc": Path("/proc/cevnsjax-out.json"),
    }[where]
    for force in (False, True):
        with pytest.raises(OutputError, match=expected) as info:
            prepare_output(path, force=force)
        assert "\n" not in str(info.value) and str(info.value).startswith(f"{path}: ")


def test_prepare_output_dir_cases(tmp_path):
    made = prepare_output(tmp_path / "results", force=False, kind="dir")
    assert made.is_dir() and list(made.iterdir()) == []
    assert prepare_output(made, force=False, kind="dir") == made  # an existing folder is fine
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match=r"file: is a file, not a folder; give a folder for the outputs"):
        prepare_output(tmp_path / "file", force=True, kind="dir")
    with pytest.raises(OutputError, match=r"does not exist; create it first"):
        prepare_output(tmp_path / "a" / "b", force=False, kind="dir")
    with pytest.raises(OutputError, match=r"^/proc/cevnsjax-results: cannot create the folder"):
        prepare_output("/proc/cevnsjax-results", force=False, kind="dir")
    with pytest.raises(ValueError, match="kind must be 'file' or 'dir'"):
        prepare_output(tmp_path / "x", force=False, kind="folder")


# --------------------------------------------------------------------------- atomic writers


def test_atomic_write_text_and_bytes(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write_text(target, "σ line 1\nline 2\n")
    assert target.read_bytes() == "σ line 1\nline 2\n".encode()
    atomic_write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_atomic_path_failure_leaves_nothing(tmp_path):
    target = tmp_path / "fig.png"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError, match="plot failed"), atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".png" and not tmp.exists()
        tmp.write_bytes(b"half")
        raise RuntimeError("plot failed")
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]


def test_atomic_path_failure_removes_a_folder(tmp_path):
    with pytest.raises(KeyError), atomic_path(tmp_path / "out") as tmp:
        (tmp / "sub").mkdir(parents=True)
        (tmp / "sub" / "x").write_text("x")
        raise KeyError("stop")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_success_and_nothing_written(tmp_path):
    with atomic_path(tmp_path / "r.json") as tmp:
        tmp.write_text("{}")
    assert (tmp_path / "r.json").read_text() == "{}"
    with pytest.raises(OutputError, match=r"x\.json: nothing was written"), atomic_path(tmp_path / "x.json"):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_atomic_write_crash_mid_write(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    target.write_text("complete old file")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_text(target, "new " * 1000)
    assert target.read_text() == "complete old file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(tmp_path / "new.txt", "σ", encoding="ascii")
    assert not (tmp_path / "new.txt").exists()
