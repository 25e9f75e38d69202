"""Where the code raises or returns a message for a person with a bare string instead of gettext.

The source is read with `ast`: a refusal (a KubatError subclass, a command's CommandError, a
form's ValidationError, and the few message-carrying types listed in MESSAGE_ARGUMENT) whose
message is a string literal or an f-string is a message no catalogue can translate. The class
tree is read from the source too, so a new `class TooLate(Conflict)` is checked without
being listed here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from tests.i18n.catalogue import ROOT, SOURCES

# The roots of the refusals a person reads (pages, /api/v1, commands, the admin).
REFUSAL_ROOTS = {"KubatError", "CommandError", "ValidationError", "PeerError", "BackupError"}
# Message-carrying values that are not exceptions: which positional argument is the message.
MESSAGE_ARGUMENT = {
    "Violation": 1,  # registry.compliance: shown on location pages and in the API
    "Rejection": 2,  # registry.imports: the import report
    "Refusal": 1,  # quotas.declarations: why a vehicle is refused
    "Verification": 1,  # permits.signing: why a signed decision does not verify
    "MalformedDocument": 0,
}
# OCPI is a B2B protocol whose status_message stays English on the wire (docs/ocpi.md): the
# receiving side's refusals are read by a peer's software, not shown on Kubat's pages.
ENGLISH_ON_THE_WIRE = {
    "src/kubat/ocpi/receiver.py",
    "src/kubat/ocpi/transport.py",
    "src/kubat/ocpi/views.py",
    "src/kubat/ocpi/selectors.py",
    "src/kubat/ocpi/services.py",
}


@dataclass(frozen=True)
class Untranslated:
    where: str
    raised: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.raised}({self.text})"


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SOURCES.rglob("*.py")):
        if "migrations" in path.parts or "protocols" in path.parts:
            continue  # the protocol package imports no Django (its pydantic checks are English)
        where = str(path.relative_to(ROOT))
        yield where, ast.parse(path.read_text(encoding="utf-8"), filename=where)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def refusal_classes() -> set[str]:
    """REFUSAL_ROOTS and every class in src/kubat that derives from one (by name)."""
    parents: dict[str, set[str]] = {}
    for _where, module in _modules():
        for node in ast.walk(module):
            if isinstance(node, ast.ClassDef):
                parents[node.name] = {n for b in node.bases if (n := _name(b))}
    known = set(REFUSAL_ROOTS)
    while True:
        more = {cls for cls, bases in parents.items() if bases & known} - known
        if not more:
            return known
        known |= more


def _is_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_literal(node.left) or _is_literal(node.right)
    return False


def untranslated() -> list[Untranslated]:
    """Every refusal or message value built from a bare literal outside the OCPI wire modules."""
    refusals = refusal_classes()
    found: list[Untranslated] = []
    for where, module in _modules():
        if where in ENGLISH_ON_THE_WIRE:
            continue
        for node in ast.walk(module):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name in MESSAGE_ARGUMENT:
                index = MESSAGE_ARGUMENT[name]
                candidates = node.args[index : index + 1]
            elif name in refusals:
                candidates = node.args[:1]
            else:
                continue
            candidates += [k.value for k in node.keywords if k.arg in ("message", "reason")]
            for argument in candidates:
                if _is_literal(argument) and _has_words(argument):
                    text = ast.unparse(argument)
                    found.append(Untranslated(f"{where}:{node.lineno}", name or "?", text))
    return found


def _has_words(node: ast.expr) -> bool:
    """A message with words of its own: `f"{exc.field or 'file'}: {exc.message}"` only joins a
    field name and an already translated message."""
    if isinstance(node, ast.Constant):
        parts = [node.value]
    elif isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
    else:  # a concatenation
        assert isinstance(node, ast.BinOp)
        return any(_has_words(side) for side in (node.left, node.right) if _is_literal(side))
    return any(c.isalpha() for text in parts if isinstance(text, str) for c in text)
