"""attention-report: fact-checked reports and an offline site for attention data.

The public API is :func:`report` (one dataset in, findings, chart and Markdown
out); the command line is ``attention-report``; the MkDocs plugin is
``attention-report``. Importing this package does no work beyond defining them.
"""

from generator.version import __version__


def report(*args, **kwargs):
    """See :func:`generator.api.report` (imported lazily: altair and pandas load on first use)."""
    from generator.api import report as _report

    return _report(*args, **kwargs)


__all__ = ["report", "__version__"]
