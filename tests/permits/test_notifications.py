"""Permit e-mails are written in each recipient's language, not in the sender's."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMessage
from django.utils import translation
from pytest_django import DjangoCaptureOnCommitCallbacks

from kubat.accounts import services as account_services
from kubat.permits import services
from tests.permits.factories import T0, draft, make_world, pay

pytestmark = pytest.mark.django_db


def test_an_email_is_written_in_the_recipients_language_not_the_senders(
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    world = make_world("KZ")
    account_services.choose_language(user=world.secretariat, language="kk")
    case = draft(world)
    with translation.override("ru"), django_capture_on_commit_callbacks(execute=True):
        services.submit_case(user=world.applicant, case=case, now=T0)
    message = mailoutbox[-1]
    assert message.to == [world.secretariat.email]
    assert message.subject == f"[Kubat {case.reference}] Толықтығын тексеруге жаңа өтініш"
    # The deadline in the body is a Kazakh date ("… 2026 ж. 4:00"), not the sender's format.
    assert "2026 ж." in message.body
    assert "UTC дейін тексеріңіз" in message.body


def test_one_message_goes_out_per_language_among_the_recipients(
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    world = make_world("KZ")
    account_services.choose_language(user=world.reviewers["municipality"], language="ru")
    account_services.choose_language(user=world.reviewers["fire_safety"], language="ky")
    case = draft(world)
    services.submit_case(user=world.applicant, case=case, now=T0)
    pay(world, case)
    with django_capture_on_commit_callbacks(execute=True):
        services.check_completeness(user=world.secretariat, case=case, complete=True, now=T0)
    queue = {m.to[0]: m.subject for m in mailoutbox}
    assert queue[world.reviewers["municipality"].email].endswith(": в вашей очереди новое дело")
    assert "кезегиңизде жаңы иш" in queue[world.reviewers["fire_safety"].email]
    grid = world.reviewers["distribution_company"].email
    assert queue[grid].endswith(": a case is in your queue")  # no preference: the default
