"""attention-report: fact-checked reports and an offline site for attention data."""

__version__ = "0.1.0"
