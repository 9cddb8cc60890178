from django.apps import AppConfig


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = "安全审计"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - records sign-ins and failed sign-ins
