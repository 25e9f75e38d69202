"""A person's e-mail language: the one they picked with the switcher, else the one they last
used the site in, else the default (kubat.accounts.LanguagePreference)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from kubat.accounts import services
from kubat.accounts.models import LanguagePreference
from kubat.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def _person(name: str = "aigul") -> User:
    return User.objects.create_user(name, email=f"{name}@example.test", password="pw-tests-only")


def _language(user: User) -> str:
    return services.preferred_languages(users=[user])[user.pk]


def test_a_person_without_a_preference_reads_the_default_language() -> None:
    assert _language(_person()) == "en"


def test_the_language_a_person_last_used_is_remembered(client) -> None:
    person = _person()
    client.force_login(person)
    assert client.get("/ky/open-data/").status_code == 200
    assert _language(person) == "ky"
    client.get("/ru/open-data/", HTTP_ACCEPT_LANGUAGE="kk")
    assert _language(person) == "ru"
    preference = LanguagePreference.objects.get(user=person)
    assert preference.chosen is False


def test_a_language_chosen_with_the_switcher_is_kept_while_browsing_in_another(client) -> None:
    person = _person()
    client.force_login(person)
    response = client.post("/i18n/setlang/", {"language": "kk", "next": "/"})
    assert response.status_code == 302
    client.get("/ru/open-data/")
    assert _language(person) == "kk"
    assert LanguagePreference.objects.get(user=person).chosen is True


def test_a_visit_without_a_login_records_nothing(client) -> None:
    client.get("/ru/open-data/")
    client.post("/i18n/setlang/", {"language": "ky", "next": "/"})
    assert not LanguagePreference.objects.exists()


def test_choosing_a_language_kubat_does_not_speak_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        services.choose_language(user=_person(), language="de")
    assert caught.value.field == "language"
    assert not LanguagePreference.objects.exists()


def test_recipients_sharing_an_address_get_the_older_accounts_language() -> None:
    first, second = _person("a"), _person("b")
    second.email = first.email
    second.save()
    services.choose_language(user=first, language="ru")
    services.choose_language(user=second, language="kk")
    assert services.email_recipients(users=[second, first]) == [
        services.Recipient(first.email, "ru")
    ]
