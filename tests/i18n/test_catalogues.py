"""Every string the code and templates ask to translate has a Russian, Kyrgyz and Kazakh entry.

Extraction and parsing are babel's (tests/i18n/catalogue.py): the same strings Django looks up.
Every run ends with the counts per language (tests/i18n/conftest.py).
"""

from __future__ import annotations

import pytest

from tests.i18n import catalogue


def _listing(messages: list[catalogue.Message]) -> str:
    return "\n".join(f"  {m.where}: {m.msgid!r}" for m in messages[:40])


def test_russian_catalogue_has_every_string_translated_and_none_fuzzy() -> None:
    asked = catalogue.template_messages() + catalogue.python_messages()
    russian = catalogue.gaps("ru", asked)
    others = [catalogue.gaps(language, asked) for language in ("ky", "kk")]
    report = "; ".join(g.summary() for g in [russian, *others])
    assert not russian.missing, f"{report}\nmissing in ru:\n{_listing(russian.missing)}"
    assert not russian.fuzzy, f"{report}\nfuzzy in ru:\n{_listing(russian.fuzzy)}"


@pytest.mark.parametrize("language", ["ky", "kk"])
def test_kyrgyz_and_kazakh_catalogues_report_what_they_lack(language: str) -> None:
    asked = catalogue.template_messages() + catalogue.python_messages()
    found = catalogue.gaps(language, asked)
    assert not found.missing, f"{found.summary()}\n{_listing(found.missing)}"
    assert not found.fuzzy, f"{found.summary()}\n{_listing(found.fuzzy)}"


@pytest.mark.parametrize("language", catalogue.TRANSLATED)
def test_every_template_translate_tag_has_an_entry(language: str) -> None:
    messages = catalogue.template_messages()
    assert len(messages) > 300  # the extraction itself works: the templates hold hundreds
    found = catalogue.gaps(language, messages)
    assert not found.missing, f"{found.summary()}\n{_listing(found.missing)}"


@pytest.mark.parametrize("language", catalogue.TRANSLATED)
def test_each_catalogue_defines_a_msgid_once(language: str) -> None:
    assert catalogue.duplicate_msgids(language) == []
