"""The `kubat` console command: Django's management commands with dashed names accepted.

`kubat check-standards` runs the `check_standards` command, `kubat serve` the server; every
Django command (`kubat migrate`, `kubat createsuperuser`) works as with manage.py.
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

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
