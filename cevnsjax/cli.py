"""Command-line interface: ``cevnsjax predict | fit | limit | scan | exclusion | sample | reproduce``.

Exit status: 0 on success, 2 on bad input (unknown experiment or parameter,
value out of range, malformed file, bad option, unwritable or existing output)
and on any other error a user can cause, with a one-line message on stderr
(``--debug`` shows the traceback). ``--json`` prints one strict JSON object on
stdout. Output paths (``--out``, ``--plot``) are checked before any work; the
files are written under temporary names and renamed into place only when the
command succeeds. The verbs themselves are library functions in
:mod:`cevnsjax.commands` and :mod:`cevnsjax.results`.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from .cli_parser import UsageError, build_parser
from .io import OutputError, atomic_write_text, dumps_strict, prepare_output

#: the files a command writes into ``sample --out DIR``
SAMPLE_FILES = ("posterior.nc", "corner.png", "corner.pdf")


def _plot_files(command: str, plot: str, parameter: str | None = None) -> list[Path]:
    """Every file ``--plot FILE`` makes: FILE as .png and .pdf, and the twins some verbs add."""
    base = Path(plot)
    stems = [base.stem]
    if command == "fit" and parameter == "sin2_theta_w":
        stems.append(base.stem + "_running")
    if command == "limit":
        stems.append(base.stem + "_spectra")
    return [base.with_name(stem + suffix) for stem in stems for suffix in (".png", ".pdf")]


class _Outputs:
    """The command's output files: checked before the work, staged in a hidden
    folder beside them during the work, renamed into place on success."""

    def __init__(self, args):
        self.args, self.moves, self.stages = args, [], []
        force = getattr(args, "force", False)
        command = args.command
        self.json_out = None
        if command == "reproduce":
            out = prepare_output(args.out, kind="dir", force=force)
            if (out / "results.json").exists() and not force:
                raise OutputError(
                    f"{args.out}: holds the results of an earlier run (results.json); pass --force to "
                    "overwrite them, or choose another folder"
                )
            return
        plot = getattr(args, "plot", None)
        if plot:
            if Path(plot).suffix.lower() not in ("", ".png", ".pdf"):
                raise OutputError(f"--plot {plot}: give a .png file name (a .pdf twin is written beside it)")
            for path in _plot_files(command, plot, getattr(args, "parameter", None)):
                prepare_output(path, force=force)
        out = getattr(args, "out", None)
        if out and command == "sample":
            target = Path(out)
            if target.exists():
                prepare_output(target, kind="dir", force=force)  # a writable folder, not a file
                for name in SAMPLE_FILES:
                    prepare_output(target / name, force=force)
            else:
                prepare_output(target, force=force)  # its folder exists and is writable
        elif out:
            if Path(out).suffix.lower() != ".json":
                raise OutputError(f"--out {out}: give a .json file name for the JSON result")
            self.json_out = prepare_output(out, force=force)

    def _stage_dir(self, folder: Path) -> Path:
        stage = Path(tempfile.mkdtemp(prefix=".cevnsjax-partial-", dir=folder))
        self.stages.append(stage)
        return stage

    def stage(self) -> None:
        """Point the command's output options at hidden staging folders."""
        args = self.args
        if args.command == "reproduce":
            return
        if getattr(args, "plot", None):
            final = Path(args.plot)
            stage = self._stage_dir(final.absolute().parent)
            args.plot = str(stage / final.name)
            self.moves.append((stage, final.absolute().parent, lambda name, f=final: str(f.with_name(name))))
        if args.command == "sample" and getattr(args, "out", None):
            shown, final = Path(args.out), Path(args.out).absolute()
            stage = self._stage_dir(final.parent)
            args.out = str(stage / final.name)
            self.moves.append((stage / final.name, final, lambda name, d=shown: str(d / name)))

    def commit(self, result: dict) -> None:
        """Rename the staged files into place; rewrite the paths in ``result``."""
        renames = {}
        for src, dst, shown in self.moves:
            if not src.exists():
                continue
            dst.mkdir(parents=True, exist_ok=True)
            for f in sorted(p for p in src.iterdir() if p.is_file()):
                os.replace(f, dst / f.name)
                renames[str(f)] = shown(f.name)
        for key in ("plots", "files"):
            if key in result:
                result[key] = [renames.get(p, p) for p in result[key]]
        if self.json_out is not None:
            result["out_file"] = str(self.args.out)
            atomic_write_text(self.json_out, dumps_strict({k: v for k, v in result.items() if k != "out_file"}) + "\n")

    def cleanup(self) -> None:
        for stage in self.stages:
            shutil.rmtree(stage, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, run, print. Every error a user can cause ends in one
    line on stderr and exit status 2 (``--debug`` shows the traceback)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        command = next((a for a in argv if not a.startswith("-")), "")
        print(f"cevnsjax{' ' + command if command in _verbs() else ''}: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)

    from . import enable_x64
    from ._cache import enable_compilation_cache

    outputs = None
    try:
        outputs = _Outputs(args)
        enable_x64()
        enable_compilation_cache()
        from .commands import HANDLERS
        from .reproduce import reproduce

        handlers = {**HANDLERS, "reproduce": lambda a: reproduce(a.out, quick=a.quick, seed=a.seed)}
        outputs.stage()
        result = handlers[args.command](args)
        dumps_strict(result)  # every output is strict JSON before anything is committed
        outputs.commit(result)
        text = dumps_strict(result) if getattr(args, "json", False) else None
    except Exception as exc:  # user-facing boundary: one line, exit status 2
        if getattr(args, "debug", False):
            raise
        print(f"cevnsjax {args.command}: error: {_one_line_error(exc)}", file=sys.stderr)
        return 2
    finally:
        if outputs is not None:
            outputs.cleanup()
    try:
        if text is not None:
            print(text)
        else:
            from .cli_format import print_text

            print_text(args.command, result)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader (e.g. head) closed the pipe: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _verbs() -> tuple[str, ...]:
    return ("predict", "fit", "limit", "scan", "exclusion", "sample", "reproduce")


def _one_line_error(exc: BaseException) -> str:
    """The message of a user-facing error on one line; unexpected failures say what failed and how to see more."""
    from .experiment import ExperimentError
    from .parameters import ParameterError

    message = " ".join(str(exc).split()) or type(exc).__name__
    if "EquinoxRuntimeError: " in message:  # a solver's runtime check: keep its own sentence, not the stack
        message = message.rsplit("EquinoxRuntimeError: ", 1)[1].split(" ---", 1)[0]
    if len(message) > 300:
        message = message[:297] + "..."
    if isinstance(exc, (ExperimentError, ParameterError, ValueError, KeyError)):
        return message
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return f"{exc.strerror or message}{where}"
    if isinstance(exc, (FloatingPointError, OverflowError, ZeroDivisionError, ArithmeticError)):
        return f"numerical failure ({type(exc).__name__}: {message}); check the input values for extreme numbers"
    if type(exc).__name__ in ("EquinoxRuntimeError", "XlaRuntimeError", "JaxRuntimeError"):
        return (
            f"numerical failure in the solver ({message.split('.')[0][:200]}); check the input values for extreme "
            "numbers (--debug shows the traceback)"
        )
    return f"{type(exc).__name__}: {message} (run again with --debug for the traceback)"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
