"""Publishing the reports as a site, for any site engine.

The generate step lives here: which files are datasets and which report group each
belongs to (:mod:`~generator.publish.datasets`), the chart script and stylesheet
every page loads (:mod:`~generator.publish.assets`) and the reports index
(:mod:`~generator.publish.index_page`). It sits below the entry points, so the
command line (``attention-report site``) and the MkDocs/ProperDocs plugin
(:mod:`generator.site`) run the very same code.
"""
