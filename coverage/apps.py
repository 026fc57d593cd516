from django.apps import AppConfig


class CoverageConfig(AppConfig):
    """The count engine and the rollups it reads (``coverage.rollup``)."""

    name = "coverage"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from signups.signals import signups_rewritten

        from .rollup import rollup_rebuild_after_rewrite

        # A bulk rewrite of sign-up rows runs with the table's triggers off: rebuild instead.
        signups_rewritten.connect(rollup_rebuild_after_rewrite, dispatch_uid="coverage_rollup_rebuild")
