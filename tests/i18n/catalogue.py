"""What the code asks to translate, and what each catalogue answers (babel does both halves).

Python sources go through babel's own `python` extractor. Templates go through Django's
`templatize` first (what `makemessages` does: every `{% translate %}` and `{% blocktranslate %}`
becomes a gettext call in Python source), then through the same extractor, so a template
string is found exactly as Django will look it up.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "src" / "kubat"
LOCALE = ROOT / "locale"
TRANSLATED = ("ru", "ky", "kk")

KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


@dataclass(frozen=True)
class Message:
    msgid: str
    context: str | None
    where: str

    @property
    def key(self) -> str | tuple[str, str]:
        return (self.msgid, self.context) if self.context else self.msgid


def _extract(code: bytes, where: str) -> Iterator[Message]:
    for lineno, message, _comments, context in extract(
        "python", io.BytesIO(code), keywords=KEYWORDS, options={"encoding": "utf-8"}
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            yield Message(msgid=msgid, context=context, where=f"{where}:{lineno}")


def template_messages() -> list[Message]:
    """Every `{% translate %}`/`{% blocktranslate %}` string in src/kubat/**/templates."""
    found: list[Message] = []
    for path in sorted(SOURCES.glob("*/templates/**/*.html")):
        if "/admin" in str(path.relative_to(SOURCES)).split("templates", 1)[1]:
            continue  # Django's admin templates translate with Django's own catalogue
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        # templatize keeps the template's indentation, which Python's tokenizer rejects;
        # the line numbers survive the strip.
        flat = "\n".join(line.lstrip() for line in code.splitlines())
        found.extend(_extract(flat.encode(), str(path.relative_to(ROOT))))
    return found


def python_messages() -> list[Message]:
    """Every gettext-marked string in src/kubat/**/*.py (migrations excluded)."""
    found: list[Message] = []
    for path in sorted(SOURCES.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        found.extend(_extract(path.read_bytes(), str(path.relative_to(ROOT))))
    return found


@dataclass(frozen=True)
class Gaps:
    language: str
    asked: int
    missing: list[Message]
    fuzzy: list[Message]

    def summary(self) -> str:
        return (
            f"{self.language}: {self.asked} strings asked, {len(self.missing)} missing, "
            f"{len(self.fuzzy)} fuzzy"
        )


def gaps(language: str, messages: list[Message]) -> Gaps:
    """The strings of `messages` that `language`'s catalogue lacks or marks fuzzy."""
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    unique = {m.key: m for m in messages}
    missing: list[Message] = []
    fuzzy: list[Message] = []
    for _key, message in sorted(unique.items(), key=lambda item: str(item[0])):
        entry = catalog.get(message.msgid, context=message.context)
        strings = entry.string if entry is not None else ""
        texts = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or not all(texts):
            missing.append(message)
        elif entry.fuzzy:
            fuzzy.append(message)
    return Gaps(language=language, asked=len(unique), missing=missing, fuzzy=fuzzy)


def duplicate_msgids(language: str) -> list[str]:
    """msgids defined twice in one .po (babel would silently keep the last)."""
    seen: dict[tuple[str, str], int] = {}
    context = ""
    current: list[str] = []
    key: str | None = None
    lines = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    for line in [*lines.splitlines(), ""]:
        if line.startswith("msgctxt "):
            context = line[8:]
        elif line.startswith("msgid "):
            key, current = "id", [line[6:]]
        elif line.startswith('"') and key == "id":
            current.append(line)
        else:
            if key == "id":
                full = (context, "".join(current))
                seen[full] = seen.get(full, 0) + 1
                context = ""
            key = None
    return [msgid for (_ctx, msgid), count in seen.items() if count > 1 and msgid != '""']
