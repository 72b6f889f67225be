"""The package version, recorded in every findings file (one place, importable from any stage)."""

__version__ = "0.1.0"
