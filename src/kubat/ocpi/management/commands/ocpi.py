"""`kubat ocpi issue-token | register | pull | maintain`: OCPI peers from the command line.

kubat ocpi issue-token --party KG*ABC         print a new Token A for that operator, once
kubat ocpi register URL --token A --party NL*XWP
                                              register Kubat with a peer (credentials sender)
kubat ocpi pull --party NL*XWP                mirror that peer's Locations into the registry
kubat ocpi pull --all                         the scheduled form: every registered peer, and
                                              the status-history partitions kept ahead
kubat ocpi renew --party NL*XWP               renew Kubat's credentials there (PUT, new tokens)
kubat ocpi renew --due                        the scheduled form: every peer Kubat registered
                                              with whose tokens are older than
                                              KUBAT_OCPI_RENEW_DAYS (28)
kubat ocpi unregister --party NL*XWP          unregister Kubat from that peer (DELETE)
kubat ocpi maintain                           only the partitions
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from kubat.core.errors import KubatError
from kubat.ocpi import client, conf, services
from kubat.registry.partitions import ensure_event_partitions


class Command(BaseCommand):
    help = "OCPI peers (2.3.0, 2.2.1): issue Token A, register with a peer, pull its Locations."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue-token", help="Issue a Token A for an operator's party.")
        issue.add_argument("--party", required=True, help="Party key such as KG*ABC.")
        issue.add_argument("--name", default="", help="The operator's name.")
        register = sub.add_parser("register", help="Register Kubat with a peer's versions URL.")
        register.add_argument("url", help="The peer's versions URL.")
        register.add_argument("--token", required=True, help="The Token A the peer gave Kubat.")
        register.add_argument("--party", required=True, help="The peer's party, e.g. NL*XWP.")
        register.add_argument(
            "--our-url", default="", help="Kubat's public /ocpi URL (default KUBAT_OCPI_URL)."
        )
        pull = sub.add_parser("pull", help="Mirror a registered peer's Locations.")
        which = pull.add_mutually_exclusive_group(required=True)
        which.add_argument("--party", help="The peer's party, e.g. NL*XWP.")
        which.add_argument("--all", action="store_true", help="Every registered peer.")
        pull.add_argument("--full", action="store_true", help="Ignore the resume point.")
        pull.add_argument("--limit", type=int, default=100, help="Page size asked for.")
        renew = sub.add_parser("renew", help="Renew Kubat's credentials with peers (PUT).")
        due = renew.add_mutually_exclusive_group(required=True)
        due.add_argument("--party", help="The peer's party, e.g. NL*XWP.")
        due.add_argument(
            "--due", action="store_true", help="Every peer whose tokens are older than due."
        )
        renew.add_argument(
            "--our-url", default="", help="Kubat's public /ocpi URL (default KUBAT_OCPI_URL)."
        )
        unregister = sub.add_parser("unregister", help="Unregister Kubat from a peer (DELETE).")
        unregister.add_argument("--party", required=True, help="The peer's party, e.g. NL*XWP.")
        sub.add_parser("maintain", help="Create the status-history partitions ahead of time.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._run(options)
        except (KubatError, client.PeerError) as exc:
            field = getattr(exc, "field", None)
            raise CommandError(f"{field + ': ' if field else ''}{exc}", returncode=2) from None

    def _run(self, options: dict[str, Any]) -> None:
        action = options["action"]
        if action == "issue-token":
            with transaction.atomic():
                _, raw = services.issue_token_a(party_key=options["party"], name=options["name"])
            self.stdout.write(raw)
        elif action == "register":
            peer = client.register(
                versions_url=options["url"],
                token_a=options["token"],
                party_key=options["party"],
                our_base=options["our_url"],
            )
            self.stdout.write(f"registered with {peer.name} ({peer.versions_url})")
        elif action == "pull":
            keys = client.registered_party_keys() if options["all"] else [options["party"]]
            report = {
                key: client.pull(
                    party_key=key, limit=options["limit"], full=options["full"]
                ).as_dict()
                for key in keys
            }
            if options["all"]:
                self._maintain()
            self.stdout.write(json.dumps(report, indent=2))
        elif action == "renew":
            self._renew(options)
        elif action == "unregister":
            peer = client.unregister(party_key=options["party"])
            self.stdout.write(f"unregistered from {peer.name}")
        else:
            self._maintain()

    def _renew(self, options: dict[str, Any]) -> None:
        if not options["due"]:
            peer = client.renew(party_key=options["party"], our_base=options["our_url"])
            self.stdout.write(f"renewed with {peer.name}")
            return
        # The scheduled form: one peer failing must not keep the others from renewing; its
        # failure is reported and the job fails, so the worker's record shows it.
        failed: list[str] = []
        for key in client.renewal_due(max_age=conf.renew_after()):
            try:
                client.renew(party_key=key, our_base=options["our_url"])
            except (KubatError, client.PeerError) as exc:
                failed.append(f"{key}: {exc}")
            else:
                self.stdout.write(f"renewed with {key}")
        if failed:
            raise CommandError("; ".join(failed), returncode=1)

    def _maintain(self) -> None:
        with transaction.atomic():
            created = ensure_event_partitions(connection=connection)
        self.stderr.write(f"status-history partitions created: {created}")
