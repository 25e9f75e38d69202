"""The `kubat` console command: Django's management commands with dashed names accepted.

`kubat check-standards` runs the `check_standards` command, `kubat serve` the server; every
Django command (`kubat migrate`, `kubat createsuperuser`) works as with manage.py.

Commands speak English unless `KUBAT_LANGUAGE` names another of Kubat's languages
(`KUBAT_LANGUAGE=ky kubat import stations.csv` reports its refusals in Kyrgyz). It is an
explicit setting, not the POSIX locale, so a server's `LANG` never changes what a command
writes into the database or the logs.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kubat.settings")
    if len(args) > 1 and "-" in args[1] and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    language = os.environ.get("KUBAT_LANGUAGE", "").strip().lower()
    if language:
        _activate(language)
    execute_from_command_line(args)


def _activate(language: str) -> None:
    """Speak `language` in this process's commands; exit 2 naming the setting if unknown."""
    import django
    from django.conf import settings
    from django.utils import translation

    django.setup()
    codes = [code for code, _name in settings.LANGUAGES]
    if language not in codes:
        sys.stderr.write(f"KUBAT_LANGUAGE: {language!r} is not one of {', '.join(codes)}\n")
        raise SystemExit(2)
    translation.activate(language)


if __name__ == "__main__":
    main()
