"""Stage 4, render: analysis in, sentences, pages, chart specs and images out.

:mod:`.environment` holds the Jinja environments (plain text for sentences,
escaped Markdown for pages) and :mod:`.text` the filters they share. Siblings by
kind: :mod:`.table` / :mod:`.tensor` (pages and findings) and
:mod:`.table_charts` / :mod:`.tensor_charts` (Vega-Lite specs and static images);
:mod:`.findings` is what both findings files share.
"""
