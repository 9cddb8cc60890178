"""The officials' group carries what officials need beyond the catalogue."""

import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def test_officials_can_read_reminder_notices_and_edit_the_search_vocabulary():
    group = Group.objects.get(name="部门工作人员")
    perms = {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }
    assert {
        "policies.publish_measure",
        "policies.change_measure",
        "enterprises.view_remindernotice",
        "hotline.view_call",
        "hotline.change_searchsynonym",
    } <= perms
    assert "policies.change_category" not in perms
