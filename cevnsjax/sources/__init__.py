"""Neutrino sources: one module per ``source.type``, each giving an absolute
flux per flavour as a :class:`~cevnsjax.sources.base.Source`.

* ``reactor`` (:mod:`.reactor`): fission ν̄e, Huber–Mueller and other models.
* ``tabulated`` (:mod:`.tabulated`): a user's table of one flavour (PCHIP).
* ``pion_dar`` (:mod:`.pion_dar`): stopped pions, prompt ν_μ and delayed ν_e, ν̄_μ.

:func:`build_source` validates a ``source`` block against its type's schema and
builds it; :func:`source_schema` is the schema of any ``source`` block, for
embedding in the experiment schema.
"""

from __future__ import annotations

from pathlib import Path

from . import pion_dar, reactor, tabulated
from .base import FLAVOURS, Source, SourceError

#: Source modules by ``source.type``; each has ``SCHEMA`` and ``build``.
SOURCE_TYPES = {"reactor": reactor, "tabulated": tabulated, "pion_dar": pion_dar}


def source_schema() -> dict:
    """JSON Schema of a ``source`` block: ``type`` picks the member schema."""
    return {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": list(SOURCE_TYPES)}},
        "allOf": [
            {
                "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                "then": {k: v for k, v in module.SCHEMA.items() if k != "$schema"},
            }
            for name, module in SOURCE_TYPES.items()
        ],
    }


def build_source(block: dict, base_dir: Path | str | None = None, origin: str = "experiment") -> Source:
    """Validate a ``source`` block and build its :class:`Source`.

    ``base_dir``: directory of the experiment file (relative data paths are
    read from there); ``origin``: name of the file, for error messages.
    """
    if not isinstance(block, dict):
        raise SourceError(
            f"{origin}: field source: expected an object, got {type(block).__name__}; "
            f"give a mapping with a 'type' field ({', '.join(map(repr, SOURCE_TYPES))})"
        )
    kind = block.get("type")
    if kind not in SOURCE_TYPES:
        raise SourceError(
            f"{origin}: field source.type: unknown source type {kind!r}; "
            f"known types: {', '.join(map(repr, SOURCE_TYPES))}"
        )
    return SOURCE_TYPES[kind].build(block, Path(base_dir) if base_dir is not None else Path("."), origin)


__all__ = ["FLAVOURS", "SOURCE_TYPES", "Source", "SourceError", "build_source", "source_schema"]
