from django.apps import AppConfig


class PublicConfig(AppConfig):
    """What everyone may see: coverage as status per district, never a person (top layer)."""

    name = "public_site"
    verbose_name = "Public coverage"
