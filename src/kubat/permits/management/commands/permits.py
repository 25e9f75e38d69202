"""`kubat permits tick|verify|certificate|signing-key|webhooks`: deadlines, decisions, webhooks.

`signing-key` provisions the FileSigner's key and certificate in KUBAT_PERMIT_SIGNING_DIR
(production: once, before the first decision; it never replaces a key, exit 2 if one exists).

`webhooks [--now]` sends the webhook deliveries that are due (run it every minute).

`tick [--now ISO-8601]` applies permit deadlines (run it on a schedule). Idempotent: a deemed
approval is deemed once and an escalation is sent once, however often the tick runs. `--now`
sets the clock (for tests, demos and catching up after downtime).

`verify FILE [--certificate PEM]` checks a signed decision (downloaded from the case page or
the public register) without the network or the database: exit 0 when the signature is
valid, 1 when it is not (a tampered decision, another certificate), 2 when the file is not a
signed decision. The file is checked against the published signer certificate: by default
this installation's (what `certificate` prints and /permits/signing-certificate.pem serves);
elsewhere give `--certificate` the PEM fetched from there. A file whose embedded certificate
is not the published one fails (exit 1): the embedded one proves nothing about who signed.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext

from kubat.permits import clock, signing, webhooks


def _moment(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            gettext("--now %(text)r is not an ISO 8601 date-time") % {"text": text}, returncode=2
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Permit cases: `tick` deems silent approvals given and escalates overdue ones."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        tick = sub.add_parser("tick", help="Apply deadlines as of now (or --now).")
        tick.add_argument("--now", help="The clock, e.g. 2026-11-30T09:00:00Z (UTC if no zone).")
        verify = sub.add_parser("verify", help="Check a signed decision file offline.")
        verify.add_argument("file", help="The signed decision (JSON).")
        verify.add_argument(
            "--certificate",
            help="The published certificate (PEM) to trust; default this installation's signer.",
        )
        sub.add_parser("certificate", help="Print the signing certificate (PEM) to publish.")
        sub.add_parser(
            "signing-key",
            help="Create the FileSigner key and certificate in KUBAT_PERMIT_SIGNING_DIR (once).",
        )
        hooks = sub.add_parser("webhooks", help="Send due webhook deliveries (every minute).")
        hooks.add_argument("--now", help="The clock (UTC if no zone).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "tick":
            now = _moment(options["now"]) if options.get("now") else None
            with transaction.atomic():
                report = clock.tick(now=now)
            self.stdout.write(json.dumps(report.as_dict()))
        elif options["action"] == "verify":
            self._verify(options["file"], options.get("certificate"))
        elif options["action"] == "webhooks":
            now = _moment(options["now"]) if options.get("now") else None
            self.stdout.write(json.dumps(webhooks.deliver_due(now=now).as_dict()))
        elif options["action"] == "signing-key":
            folder = Path(settings.KUBAT_PERMIT_SIGNING_DIR)
            try:
                pem = signing.create_signing_key(folder)
            except (FileExistsError, OSError) as exc:
                raise CommandError(str(exc), returncode=2) from None
            self.stdout.write(f"{folder}: sha256 {signing.fingerprint(pem)}")
        elif options["action"] == "certificate":
            self.stdout.write(signing.get_signer().certificate_pem().decode("ascii"), ending="")

    def _verify(self, path: str, certificate: str | None) -> None:
        try:
            document = json.loads(Path(path).read_text("utf-8"))
            trusted = (
                Path(certificate).read_bytes()
                if certificate
                else signing.get_signer().certificate_pem()
            )
            result = signing.verify(document, trusted_certificate=trusted)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                gettext("cannot read: %(error)s") % {"error": exc}, returncode=2
            ) from None
        except ValueError as exc:  # not JSON, or MalformedDocument naming the part
            raise CommandError(
                gettext("%(path)s: not a signed decision: %(error)s")
                % {"path": path, "error": exc},
                returncode=2,
            ) from None
        number = document.get("decision", {}).get("number", "")
        body = {"file": path, "number": number, **result.as_dict()}
        body["trusted_certificate"] = certificate or "published (this installation's signer)"
        self.stdout.write(json.dumps(body))
        if not result.valid:
            raise CommandError(f"{number}: {result.reason}", returncode=1)
