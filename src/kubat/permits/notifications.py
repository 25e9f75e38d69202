"""E-mail to the side that must act next, sent after the transaction commits.

Sent through Django's configured backend (console in development, SMTP in production via
KUBAT_EMAIL_BACKEND). Recipients are active users with an address: the applicant
organisation's members, an agency's reviewers, or the secretariat. A rolled-back action sends
nothing, because sending waits for the commit.

The text is in the language active when the action was taken (the request's: LocaleMiddleware
activates it), as the subjects and bodies the services pass are; `kubat permits tick` runs in
the default language.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils.translation import gettext as _

from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.permits.models import PermitCase


def _addresses(**filters: object) -> list[str]:
    users = get_user_model().objects.filter(is_active=True, **filters).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def applicant_addresses(case: PermitCase) -> list[str]:
    return _addresses(membership__organisation=case.applicant_id)


def agency_addresses(agency: Organisation) -> list[str]:
    return _addresses(membership__organisation=agency, groups__name=Role.AGENCY_REVIEWER.value)


def secretariat_addresses() -> list[str]:
    return _addresses(groups__name=Role.SECRETARIAT.value)


def notify(*, to: list[str], case: PermitCase, subject: str, body: str) -> None:
    """Queue one message about `case` to `to`; sent when the surrounding transaction commits."""
    if not to:
        return
    footer = _("Case %(reference)s: %(site)s, %(city)s.") % {
        "reference": case.reference,
        "site": case.site_name,
        "city": case.city,
    }
    link = _("Open it in the single window: %(path)s") % {"path": f"/permits/cases/{case.pk}/"}
    message = (
        f"[Kubat {case.reference}] {subject}",
        f"{body}\n\n{footer}\n{link}\n",
        settings.DEFAULT_FROM_EMAIL,
        to,
    )
    transaction.on_commit(lambda: send_mass_mail([message], fail_silently=False))
