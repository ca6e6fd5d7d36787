"""The package version, defined once.

``pyproject.toml`` reads it (``[tool.setuptools.dynamic]``), ``cevnsjax.__version__``
re-exports it and ``CITATION.cff`` repeats it (a test checks they agree).
"""

__version__ = "0.2.0.dev0"
