from django.apps import AppConfig
from django.db.models.signals import post_migrate

OFFICIALS_GROUP = "部门工作人员"
# Reference data that only superusers change; officials may view it.
# Golden cases too: officials read them (the publish page checks against them); a superuser edits them.
VIEW_ONLY_MODELS = {"official", "policydocument", "category", "industry", "responsibleunit", "goldencase"}


# Permissions outside this app that officials need: reminder notices to read,
# the hotline's call log (to answer flagged questions) and its search vocabulary to edit.
OTHER_APP_PERMISSIONS = [
    "enterprises.view_remindernotice",
    "hotline.view_call",
    "hotline.change_call",
    *(
        f"hotline.{action}_{model}"
        for model in ("dictionaryword", "searchsynonym")
        for action in ("view", "add", "change", "delete")
    ),
]


def sync_officials_group(sender: AppConfig, **kwargs: object) -> None:
    """Keep the officials' group holding every policies permission they need.

    Runs after each migrate so permissions of models added later (e.g. the eligibility rules)
    are granted too. Which measures an official may actually change is decided per object by
    their responsible units (see Measure.can_be_changed_by).
    """
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=OFFICIALS_GROUP)
    perms = Permission.objects.filter(content_type__app_label="policies")
    wanted = [
        p
        for p in perms
        if p.content_type.model.removeprefix("historical") not in VIEW_ONLY_MODELS
        or p.codename.startswith("view_")
    ]
    group.permissions.add(*wanted)
    for dotted in OTHER_APP_PERMISSIONS:
        app_label, codename = dotted.split(".")
        # Present once that app has migrated; this runs after every app's migrations.
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )


class PoliciesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "policies"
    verbose_name = "政策措施"

    def ready(self) -> None:
        post_migrate.connect(sync_officials_group, dispatch_uid="sync_officials_group")
