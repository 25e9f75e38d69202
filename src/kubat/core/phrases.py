"""Words written now and read later, in the reader's language.

An e-mail is composed in one request and read by people who chose other languages, so its
text cannot be translated when it is composed. A `Phrase` keeps the message id (marked with
`gettext_lazy`, so the catalogue tests find it) and its named values, and is rendered once per
reader language: values that are themselves phrases or lazy strings are translated in the same
language, dates and numbers are formatted for it (Django's locale formats).

    subject = Phrase(gettext_lazy("Decide by %(when)s UTC."), {"when": approval.due_at})
    subject.render("ky")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats, translation
from django.utils.functional import Promise


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str | Promise
    values: Mapping[str, object] = field(default_factory=dict)

    def render(self, language: str) -> str:
        """The text in `language`, its values translated and formatted for that language."""
        with translation.override(language):
            return self._render()

    def _render(self) -> str:
        text = str(self.text)
        if not self.values:
            return text
        return text % {name: shown(value) for name, value in self.values.items()}

    def __str__(self) -> str:
        """The text in the active language (an audit note, a log line)."""
        return self._render()


def shown(value: object) -> object:
    """`value` as the active language writes it: a date-time in UTC to the minute, a date, a
    number with the language's separators; a phrase or lazy string translated."""
    if isinstance(value, Phrase):
        return value._render()
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC) if value.tzinfo else value
        return formats.date_format(moment, "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, Decimal | float) or (
        isinstance(value, int) and not isinstance(value, bool)
    ):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return value
