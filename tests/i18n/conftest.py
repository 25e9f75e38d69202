"""Print the catalogue counts per language at the end of every run that collects tests/i18n."""

from __future__ import annotations

import pytest

from tests.i18n import catalogue


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    asked = catalogue.template_messages() + catalogue.python_messages()
    terminalreporter.section("translations")
    for language in catalogue.TRANSLATED:
        terminalreporter.write_line(catalogue.gaps(language, asked).summary())
