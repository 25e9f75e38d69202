"""A phrase is written in the language it is rendered in, its values formatted for it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy

from kubat.core.phrases import Phrase, shown


def test_a_phrase_is_written_in_the_language_it_is_rendered_in() -> None:
    overdue = Phrase(
        gettext_lazy("Overdue: %(what)s"),
        {"what": Phrase(gettext_lazy("the completeness check"))},
    )
    assert overdue.render("ru") == "Просрочено: проверка комплектности"
    assert overdue.render("kk") == "Мерзімі өтті: толықтығын тексеру"
    assert overdue.render("en") == "Overdue: the completeness check"


def test_rendering_leaves_the_active_language_alone() -> None:
    with translation.override("ky"):
        Phrase(gettext_lazy("Overdue: %(what)s"), {"what": "x"}).render("ru")
        assert translation.get_language() == "ky"


def test_numbers_are_written_the_way_the_language_writes_them() -> None:
    with translation.override("en"):
        assert shown(Decimal("1500.5")) == "1,500.5"
    with translation.override("ru"):
        assert shown(Decimal("1500.5")) == "1\xa0500,5"
    with translation.override("kk"):  # Kubat's own format module: Django ships none for kk
        assert shown(Decimal("1500.5")) == "1\xa0500,5"
        assert shown(12) == "12"


def test_dates_are_written_the_way_the_language_writes_them() -> None:
    moment = dt.datetime(2026, 10, 1, 4, 0, tzinfo=dt.UTC)
    with translation.override("ru"):
        written = str(shown(moment))
        assert written.startswith("1 октября 2026")  # the genitive month, day first
        assert written.endswith(" 4:00")
        assert str(shown(moment.date())).startswith("1 октября 2026")
    with translation.override("kk"):
        assert str(shown(moment)).endswith("2026 ж. 4:00")
