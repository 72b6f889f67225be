"""Stage 6, site: the MkDocs plugin that turns datasets into pages of a documentation site.

Only the plugin's entry point (``generator.site.plugin``, registered under
``mkdocs.plugins``) is imported from outside: nothing else in the package
depends on MkDocs.
"""
