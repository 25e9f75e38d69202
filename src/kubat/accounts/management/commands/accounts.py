"""`kubat accounts issue-token USERNAME` and friends."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext

from kubat.accounts import services
from kubat.accounts.roles import Role


class Command(BaseCommand):
    help = "Manage API tokens and roles."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue-token", help="Issue an API token; it is printed once.")
        issue.add_argument("username")
        issue.add_argument("--name", default="", help="What the token is for.")
        revoke = sub.add_parser("revoke-token", help="Revoke tokens by their 8-character prefix.")
        revoke.add_argument("prefix")
        grant = sub.add_parser("grant-role", help="Add a user to a role group.")
        grant.add_argument("username")
        grant.add_argument("role", choices=Role.values)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        with transaction.atomic():
            if action == "revoke-token":
                count = services.revoke_token(prefix=options["prefix"])
                self.stdout.write(f"revoked {count} token(s)")
                return
            user_model = get_user_model()
            try:
                user = user_model.objects.get(username=options["username"])
            except user_model.DoesNotExist:
                raise CommandError(
                    gettext("username: no user called %(username)r")
                    % {"username": options["username"]},
                    returncode=2,
                ) from None
            if action == "issue-token":
                self.stdout.write(services.issue_token(user=user, name=options["name"]))
            else:
                services.grant_role(user=user, role=Role(options["role"]))
                self.stdout.write(f"{user} now holds {options['role']}")
