"""The desk's writes: targets, actions, decisions, energy uploads, overdue notices, reports.

Every service relies on the caller's transaction (one per request or command), raises
PermissionDenied when the user is not the secretariat and InvalidInput naming the field for a
wrong value, and takes `now` for the clock of the demo and tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.core.errors import InvalidInput, PermissionDenied
from kubat.core.phrases import Phrase
from kubat.registry import services as registry_services
from kubat.strategy import emissions, indicators
from kubat.strategy.models import (
    OPEN_ACTION,
    Action,
    ActionStatus,
    Decision,
    EnergyReport,
    Target,
)

AnyUser = account_services.AnyUser
COUNTRIES = ("KG", "KZ")
OWNER_KINDS = (Organisation.Kind.SECRETARIAT, Organisation.Kind.AGENCY)


def require_secretariat(user: AnyUser) -> None:
    if not account_services.has_role(user, Role.SECRETARIAT):
        raise PermissionDenied(gettext("only the secretariat edits the strategy desk"))


def _country(value: str) -> str:
    code = value.strip().upper()
    if code not in COUNTRIES:
        raise InvalidInput(gettext("country_code is KG or KZ"), field="country_code")
    return code


def _actor(user: AnyUser) -> User | None:
    return user if isinstance(user, User) else None


def add_target(
    *,
    user: AnyUser,
    indicator: str,
    country_code: str,
    year: int,
    value: float,
    legal_act: str,
    region: str = "",
    baseline: float | None = None,
    now: dt.datetime | None = None,
    source: str = "portal",
) -> Target:
    """A new target; its baseline is the indicator's live value now (0 without data) unless
    given (a target set earlier, entered later), the start of the line the status rule
    measures progress along (progress module)."""
    require_secretariat(user)
    spec = indicators.get(indicator)
    if spec is None:
        raise InvalidInput(
            gettext("unknown indicator %(indicator)r") % {"indicator": indicator}, field="indicator"
        )
    cc = _country(country_code)
    region = region.strip()
    if region and not spec.regional:
        raise InvalidInput(
            gettext("%(indicator)s is a national indicator: leave region empty")
            % {"indicator": indicator},
            field="region",
        )
    if not 2000 <= year <= 2100:
        raise InvalidInput(gettext("year: 2000 to 2100"), field="year")
    if not legal_act.strip():
        raise InvalidInput(gettext("legal_act: the act the target comes from"), field="legal_act")
    at = now or timezone.now()
    if baseline is None:
        live = indicators.value_of(indicator, country=cc, region=region, year=year)
        baseline = live if live is not None else 0.0
    return Target.objects.create(
        indicator=indicator,
        country_code=cc,
        region=region,
        year=year,
        value=value,
        baseline=baseline,
        set_at=at,
        legal_act=legal_act.strip()[:300],
        created_by=_actor(user),
        source=source,
    )


def owner_agency(*, organisation_id: int) -> Organisation:
    """An organisation that can own an action: a ministry, the secretariat or an agency."""
    organisation = Organisation.objects.filter(pk=organisation_id, kind__in=OWNER_KINDS).first()
    if organisation is None:
        raise InvalidInput(gettext("owner: a ministry or agency"), field="owner")
    return organisation


def add_action(
    *,
    user: AnyUser,
    country_code: str,
    title: str,
    owner: Organisation,
    due_on: dt.date,
    evidence: str = "",
    decision: Decision | None = None,
    target: Target | None = None,
    now: dt.datetime | None = None,
    source: str = "portal",
) -> Action:
    require_secretariat(user)
    if not title.strip() or len(title) > 200:
        raise InvalidInput(gettext("title: 1 to 200 characters"), field="title")
    if owner.kind not in OWNER_KINDS:
        raise InvalidInput(gettext("owner: a ministry or agency"), field="owner")
    return Action.objects.create(
        country_code=_country(country_code),
        title=title.strip(),
        owner=owner,
        due_on=due_on,
        evidence=evidence.strip(),
        decision=decision,
        target=target,
        created_at=now or timezone.now(),
        source=source,
    )


def set_action_status(*, user: AnyUser, action: Action, status: str, evidence: str = "") -> Action:
    """Move an action on; done needs evidence (what shows it is done)."""
    require_secretariat(user)
    if status not in ActionStatus.values:
        raise InvalidInput(
            gettext("status: planned, in_progress, done or cancelled"), field="status"
        )
    if evidence.strip():
        action.evidence = evidence.strip()
    if status == ActionStatus.DONE and not action.evidence:
        raise InvalidInput(gettext("evidence: say what shows the action is done"), field="evidence")
    action.status = status
    action.save(update_fields=["status", "evidence"])
    return action


@dataclass(frozen=True, slots=True)
class ActionDraft:
    title: str
    owner: Organisation
    due_on: dt.date


def record_decision(
    *,
    user: AnyUser,
    country_code: str,
    decided_on: dt.date,
    title: str,
    text: str = "",
    actions: list[ActionDraft] | None = None,
    source: str = "portal",
) -> Decision:
    """A working-group decision and the actions it creates, together or not at all."""
    require_secretariat(user)
    if not title.strip():
        raise InvalidInput(gettext("title is required"), field="title")
    decision = Decision.objects.create(
        country_code=_country(country_code),
        decided_on=decided_on,
        title=title.strip()[:200],
        text=text.strip(),
        source=source,
    )
    for draft in actions or []:
        add_action(
            user=user,
            country_code=country_code,
            title=draft.title,
            owner=draft.owner,
            due_on=draft.due_on,
            decision=decision,
            source=source,
        )
    return decision


def owner_recipients(organisation: Organisation) -> list[account_services.Recipient]:
    """The owner's active members with an address, else the secretariat's, each in their own
    e-mail language."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    members = users.filter(membership__organisation=organisation)
    chosen = members if members.exists() else users.filter(groups__name=Role.SECRETARIAT.value)
    return account_services.email_recipients(users=chosen)


OVERDUE_SUBJECT = gettext_lazy("[Kubat strategy] Overdue: %(title)s")
OVERDUE_BODY = gettext_lazy(
    "The action '%(title)s' owned by %(owner)s was due on %(due_on)s and is still "
    "%(status)s.\nReport its progress and evidence to the e-mobility secretariat.\n"
    "Public page: /strategy/\n"
)


def overdue_actions(*, today: dt.date) -> list[Action]:
    return list(
        Action.objects.select_related("owner")
        .filter(status__in=OPEN_ACTION, due_on__lt=today)
        .order_by("due_on", "pk")
    )


def notify_overdue(*, now: dt.datetime | None = None) -> int:
    """E-mail each overdue action's owner once (after the transaction commits); returns how
    many actions were notified. Run by the worker (`strategy-overdue`) or `kubat strategy
    notify-overdue`; idempotent: a notified action is not notified again."""
    at = now or timezone.now()
    messages = []
    notified = 0
    for action in overdue_actions(today=at.date()):
        if action.overdue_notified_at is not None:
            continue
        values = {
            "title": action.title,
            "owner": action.owner.name,
            "due_on": action.due_on,
            "status": ActionStatus(action.status).label,
        }
        for language, emails in account_services.by_language(
            owner_recipients(action.owner)
        ).items():
            messages.append(
                (
                    Phrase(OVERDUE_SUBJECT, values).render(language),
                    Phrase(OVERDUE_BODY, values).render(language),
                    settings.DEFAULT_FROM_EMAIL,
                    emails,
                )
            )
        action.overdue_notified_at = at
        action.save(update_fields=["overdue_notified_at"])
        notified += 1
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
    return notified


# Energy uploads --------------------------------------------------------------------------

ENERGY_COLUMNS = ("party", "location_id", "country_code", "region", "month", "kwh")


@dataclass
class EnergyImport:
    """The result of an upload: rows saved, or every rejected row and why (nothing saved)."""

    saved: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def import_energy(
    *, text: str, now: dt.datetime | None = None, source: str = "upload"
) -> EnergyImport:
    """An operator's monthly energy per location as CSV (ENERGY_COLUMNS), all-or-nothing: one
    wrong row rejects the file with every wrong row named; the same party, location and month
    again replaces the figure."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ENERGY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            gettext("missing column(s): %(missing)s") % {"missing": ", ".join(missing)},
            field=missing[0],
        )
    report = EnergyImport()
    rows = []
    for number, row in enumerate(reader, start=2):
        try:
            country = _country(row["country_code"] or "")
            month = emissions.month_start(row["month"] or "")
            try:
                kwh = float(row["kwh"] or "")
            except ValueError:
                raise InvalidInput(gettext("kwh must be a number"), field="kwh") from None
            if not 0 <= kwh <= 10_000_000:
                raise InvalidInput(gettext("kwh: 0 to 10000000 a month"), field="kwh")
            if not (row["party"] or "").strip() or not (row["location_id"] or "").strip():
                raise InvalidInput(gettext("party and location_id are required"), field="party")
            # One spelling of the party (KG*ECH, as CDRs are keyed), so that an upload and the
            # CDRs of one location and month are recognised as the same energy.
            party_cc, party_id = registry_services.parse_party_key(row["party"])
            rows.append((row, f"{party_cc}*{party_id}", country, month, kwh))
        except InvalidInput as exc:
            report.rejected.append((number, exc.message))
    if report.rejected:
        return report
    at = now or timezone.now()
    for row, party, country, month, kwh in rows:
        EnergyReport.objects.update_or_create(
            party=party,
            location_ref=row["location_id"].strip(),
            month=month,
            defaults={
                "country_code": country,
                "region": (row["region"] or "").strip(),
                "kwh": kwh,
                "uploaded_at": at,
                "source": source,
            },
        )
        report.saved += 1
    return report
