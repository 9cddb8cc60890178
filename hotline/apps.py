from django.apps import AppConfig


class HotlineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "hotline"
    verbose_name = "政策解读专线"

    def ready(self) -> None:
        from policies.models.catalogue import register_search

        from . import signals  # noqa: F401 - connects the search-index handlers
        from .search import search

        # hotline depends on policies, never the other way: the catalogue's `search()` calls this.
        register_search(search)
