"""JAX's persistent compilation cache for the command line.

Compiled programs are kept in a user cache directory, so a second run of the
same command spends its time on work instead of compilation:
``$CEVNSJAX_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/cevnsjax/jax`` or
``~/.cache/cevnsjax/jax``. ``CEVNSJAX_NO_CACHE=1`` turns it off. A directory
that cannot be created leaves the cache off (never an error).
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_directory() -> Path | None:
    """Where compiled programs are kept, or ``None`` when the cache is turned off."""
    if os.environ.get("CEVNSJAX_NO_CACHE", "").strip() not in ("", "0"):
        return None
    if os.environ.get("CEVNSJAX_CACHE_DIR"):
        return Path(os.environ["CEVNSJAX_CACHE_DIR"]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cevnsjax" / "jax"


def enable_compilation_cache() -> Path | None:
    """Turn on JAX's persistent compilation cache in :func:`cache_directory`;
    returns the directory used, or ``None`` if the cache stays off."""
    import jax

    folder = cache_directory()
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            return None
    except OSError:
        return None
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return folder
