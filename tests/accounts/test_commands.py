import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from kubat.accounts import services

pytestmark = pytest.mark.django_db


def test_issue_token_prints_a_token_once_that_authenticates():
    user = get_user_model().objects.create_user("backend")
    out = io.StringIO()
    call_command("accounts", "issue-token", "backend", "--name", "ocpi", stdout=out)
    raw = out.getvalue().strip()
    assert services.user_for_token(raw=raw) == user


def test_issue_token_for_an_unknown_user_exits_2():
    with pytest.raises(CommandError) as info:
        call_command("accounts", "issue-token", "nobody")
    assert info.value.returncode == 2
    assert "username" in str(info.value)


def test_every_role_exists_as_a_group_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "secretariat",
        "operator",
        "agency_reviewer",
        "importer",
        "customs",
    }


def test_grant_role_adds_the_group():
    user = get_user_model().objects.create_user("clerk")
    call_command("accounts", "grant-role", "clerk", "secretariat", stdout=io.StringIO())
    assert user.groups.filter(name="secretariat").exists()
