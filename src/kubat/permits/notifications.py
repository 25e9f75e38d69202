"""E-mail to the side that must act next, sent after the transaction commits.

Sent through Django's configured backend (console in development, SMTP in production via
KUBAT_EMAIL_BACKEND). Recipients are active users with an address: the applicant
organisation's members, an agency's reviewers, or the secretariat. A rolled-back action sends
nothing, because sending waits for the commit.

Each recipient reads the message in their own language (kubat.accounts: the language they
chose with the switcher, else the one they last used the site in, else the default), not the
language of whoever caused it: the services pass the subject and body as phrases
(kubat.core.phrases), rendered once per language among the recipients.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils.translation import gettext_lazy

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.accounts.services import Recipient
from kubat.core.phrases import Phrase
from kubat.permits.models import PermitCase


def _recipients(**filters: object) -> list[Recipient]:
    users = get_user_model().objects.filter(is_active=True, **filters).exclude(email="")
    return account_services.email_recipients(users=users)


def applicant_addresses(case: PermitCase) -> list[Recipient]:
    return _recipients(membership__organisation=case.applicant_id)


def agency_addresses(agency: Organisation) -> list[Recipient]:
    return _recipients(membership__organisation=agency, groups__name=Role.AGENCY_REVIEWER.value)


def secretariat_addresses() -> list[Recipient]:
    return _recipients(groups__name=Role.SECRETARIAT.value)


FOOTER = gettext_lazy("Case %(reference)s: %(site)s, %(city)s.")
LINK = gettext_lazy("Open it in the single window: %(path)s")


def notify(*, to: list[Recipient], case: PermitCase, subject: Phrase, body: Phrase) -> None:
    """Queue one message about `case` per language among `to`, each sent to the recipients
    who read that language, when the surrounding transaction commits."""
    if not to:
        return
    footer = Phrase(
        FOOTER, {"reference": case.reference, "site": case.site_name, "city": case.city}
    )
    link = Phrase(LINK, {"path": f"/permits/cases/{case.pk}/"})
    messages = [
        (
            f"[Kubat {case.reference}] {subject.render(language)}",
            f"{body.render(language)}\n\n{footer.render(language)}\n{link.render(language)}\n",
            settings.DEFAULT_FROM_EMAIL,
            emails,
        )
        for language, emails in account_services.by_language(to).items()
    ]
    transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
