from django.apps import AppConfig


class HotlineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "hotline"
    verbose_name = "政策解读专线"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the search-index handlers
