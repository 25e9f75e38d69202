"""Account rules: who holds which role, who acts for which organisation, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group, User
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext

from kubat.accounts.models import ApiToken, LanguagePreference, Membership, Organisation
from kubat.accounts.roles import Role
from kubat.core import prepared
from kubat.core.errors import InvalidInput, NotFound

AnyUser = User | AnonymousUser

TOKEN_PREFIX = "kbt_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(*, user: User, name: str = "") -> str:
    """Create a token for `user` and return its plain text, which is never stored or shown again.

    Tokens carry 256 bits of randomness, so a plain SHA-256 digest is enough to store them:
    there is nothing to brute-force, unlike a password.
    """
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, digest=_digest(raw), prefix=raw[:8])
    return raw


# The token, its user and whether its last use is older than a minute, in one statement planned
# once per connection (core.prepared): every API request with a token runs it, and the ORM's
# compilation of the same select_related query cost ten times its execution
# (bench/quota_profile.py, docs/decisions/0005). The user comes back with only the fields an
# API request reads; any other is loaded by Django on first use.
_TOKEN_USER_FIELDS = {"id", "username", "is_active", "is_superuser", "is_staff"}
_TOKEN_SQL = (
    "SELECT {user_columns}, t.id, (t.last_used_at IS NULL OR t.last_used_at < %s) "
    "FROM {token} t JOIN {user} u ON u.id = t.user_id "
    "WHERE t.digest = %s AND t.revoked_at IS NULL"
)


def user_for_token(*, raw: str) -> User | None:
    """The active user a bearer token belongs to, or None for an unknown or revoked token.

    Read from the database on every request (no cache to outlive a revocation)."""
    ops = connection.ops
    # Model.from_db takes the values in the model's field order.
    names = [f.attname for f in User._meta.concrete_fields if f.attname in _TOKEN_USER_FIELDS]
    sql = _TOKEN_SQL.format(
        user_columns=", ".join(f"u.{ops.quote_name(name)}" for name in names),
        token=ops.quote_name(ApiToken._meta.db_table),
        user=ops.quote_name(User._meta.db_table),
    )
    now = timezone.now()
    # Record use at most once a minute, so a busy client does not write on every request.
    stale_before = ops.adapt_datetimefield_value(now - dt.timedelta(seconds=60))
    rows = prepared.fetch(sql, [stale_before, _digest(raw)])
    if not rows:
        return None
    *values, token_id, stale = rows[0]
    row = dict(zip(names, values, strict=True))
    if not row["is_active"]:
        return None
    if stale:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    for flag in ("is_active", "is_superuser", "is_staff"):  # SQLite answers 0 or 1
        row[flag] = bool(row[flag])
    return User.from_db(connection.alias, names, [row[name] for name in names])


def revoke_token(*, prefix: str) -> int:
    """Revoke every live token starting with `prefix`; returns how many."""
    return ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def has_role(user: AnyUser, role: Role) -> bool:
    """Superusers hold every role; others hold the roles of their groups."""
    if not user.is_authenticated or not user.is_active:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return user.groups.filter(name=role.value).exists()


def role_and_organisation_id(user: AnyUser, role: Role) -> tuple[bool, int | None]:
    """Whether `user` holds `role` (as `has_role`) and the id of the organisation it acts for
    (as `organisation_of`), in one round trip: a quota rush asks both for every declaration.

    Plain SQL (the tables named from the models): the ORM's compilation of the same query cost
    ten times its execution (bench/quota_profile.py, docs/decisions/0005)."""
    if not user.is_authenticated or not user.is_active:
        return False, None
    ops = connection.ops
    through = ops.quote_name(User.groups.through._meta.db_table)
    group = ops.quote_name(Group._meta.db_table)
    membership = ops.quote_name(Membership._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {through} ug JOIN {group} g ON g.id = ug.group_id "
            f"WHERE ug.user_id = %s AND g.name = %s), "
            f"(SELECT organisation_id FROM {membership} WHERE user_id = %s)",
            [user.pk, role.value, user.pk],
        )
        holds, organisation_id = cursor.fetchone()
    return bool(holds) or bool(getattr(user, "is_superuser", False)), organisation_id


def organisation_of(user: AnyUser) -> Organisation | None:
    if not user.is_authenticated:
        return None
    membership = Membership.objects.select_related("organisation").filter(user=user).first()
    return membership.organisation if membership else None


def grant_role(*, user: User, role: Role) -> None:
    group, _ = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)


def join_organisation(*, user: User, organisation: Organisation) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, defaults={"organisation": organisation}
    )
    return membership


def get_organisation(*, organisation_id: int) -> Organisation:
    try:
        return Organisation.objects.get(pk=organisation_id)
    except Organisation.DoesNotExist:
        raise NotFound(
            gettext("organisation %(organisation_id)s does not exist")
            % {"organisation_id": organisation_id}
        ) from None


# Languages ------------------------------------------------------------------------------------


def _language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def remember_language(*, user: User, language: str) -> None:
    """Record the language `user` is using the site in, unless they chose one explicitly.

    Called by the middleware on a language change only, so a visit costs no write. An unknown
    code is ignored: it comes from a browser, not from the person.
    """
    if language not in _language_codes():
        return
    preference = LanguagePreference.objects.filter(user=user).first()
    if preference is None:
        LanguagePreference.objects.create(user=user, language=language)
    elif not preference.chosen and preference.language != language:
        preference.language = language
        preference.save(update_fields=["language", "updated_at"])


def choose_language(*, user: User, language: str) -> LanguagePreference:
    """Set the language `user` reads e-mails in; it is kept whatever language they browse in.

    InvalidInput (field `language`) for a code Kubat does not speak.
    """
    if language not in _language_codes():
        raise InvalidInput(
            gettext("language: one of %(codes)s") % {"codes": ", ".join(sorted(_language_codes()))},
            field="language",
        )
    preference, _created = LanguagePreference.objects.update_or_create(
        user=user, defaults={"language": language, "chosen": True}
    )
    return preference


def preferred_languages(*, users: Iterable[User]) -> dict[int, str]:
    """Each user's e-mail language (user pk → code): their preference, else the default one."""
    pks = [u.pk for u in users]
    known = dict(LanguagePreference.objects.filter(user__in=pks).values_list("user_id", "language"))
    return {pk: known.get(pk, settings.LANGUAGE_CODE) for pk in pks}


@dataclass(frozen=True, slots=True)
class Recipient:
    """An e-mail address and the language its owner reads Kubat's e-mails in."""

    email: str
    language: str


def email_recipients(*, users: Iterable[User]) -> list[Recipient]:
    """The addresses of `users` (those with one), each in its owner's preferred language; when
    two accounts share an address, the older account's language is used."""
    with_address = sorted((u for u in users if u.email), key=lambda u: u.pk)
    languages = preferred_languages(users=with_address)
    chosen: dict[str, str] = {}
    for user in with_address:
        chosen.setdefault(user.email, languages[user.pk])
    return [Recipient(email, language) for email, language in sorted(chosen.items())]


def by_language(recipients: Iterable[Recipient]) -> dict[str, list[str]]:
    """Addresses grouped by language (language → sorted addresses): one message per group."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for recipient in recipients:
        grouped[recipient.language].append(recipient.email)
    return {language: sorted(emails) for language, emails in sorted(grouped.items())}
