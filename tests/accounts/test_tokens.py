import pytest
from django.contrib.auth import get_user_model

from kubat.accounts import services
from kubat.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_token_is_stored_only_as_a_digest():
    user = get_user_model().objects.create_user("op")
    raw = services.issue_token(user=user, name="backend")
    stored = ApiToken.objects.get()
    assert raw not in (stored.digest, stored.prefix + stored.digest)
    assert stored.prefix == raw[:8]
    assert services.user_for_token(raw=raw) == user


def test_revoked_or_unknown_token_authenticates_nobody():
    user = get_user_model().objects.create_user("op")
    raw = services.issue_token(user=user)
    assert services.user_for_token(raw=raw + "x") is None
    services.revoke_token(prefix=raw[:8])
    assert services.user_for_token(raw=raw) is None


def test_inactive_user_token_authenticates_nobody():
    user = get_user_model().objects.create_user("op", is_active=False)
    raw = services.issue_token(user=user)
    assert services.user_for_token(raw=raw) is None
