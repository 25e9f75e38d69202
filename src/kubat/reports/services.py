"""Writes of drivers' reports: submitting one (anyone) and answering one (its operator).

Callers open the transaction (the views do). Errors: InvalidInput naming the field (kind,
message, evse, photo), NotFound for an unknown location or report, PermissionDenied when the
user does not operate the location's party.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext

from kubat.accounts import services as account_services
from kubat.core.errors import InvalidInput, NotFound
from kubat.registry import selectors as registry_selectors
from kubat.registry import services as registry_services
from kubat.reports.models import OPEN_STATES, DriverReport, Kind, State

MAX_MESSAGE = 1000
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# What an operator may set a report to.
ANSWER_STATES = (State.ANSWERED, State.FIXED, State.DISMISSED)


def check_photo(data: bytes) -> str:
    """The content type of a photo that decodes as a JPEG, PNG or WebP image; InvalidInput else.

    Pillow verifies the file's structure (verify) and then decodes it (load), so a file that
    only starts like an image, or a decompression bomb past MAX_PHOTO_PIXELS, is refused.
    """
    from PIL import Image

    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidInput(gettext("the photo is larger than 5 MB"), field="photo")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise InvalidInput(gettext("the photo has too many pixels"), field="photo")
            image.load()
    except InvalidInput:
        raise
    except Exception as exc:  # Pillow raises many types for a file that is not an image
        raise InvalidInput(gettext("the photo is not a readable image"), field="photo") from exc
    if kind not in PHOTO_FORMATS:
        raise InvalidInput(gettext("the photo must be a JPEG, PNG or WebP image"), field="photo")
    return PHOTO_FORMATS[kind]


def submit_report(
    *,
    location_id: int,
    kind: str,
    message: str,
    evse_uid: str = "",
    photo: bytes | None = None,
    source: str = "public",
) -> DriverReport:
    """Record a driver's report about a public location (no account needed).

    The rate limit is the caller's (the view knows the address).
    """
    location = registry_selectors.get_public_location(location_id=location_id)
    if kind not in Kind.values:
        raise InvalidInput(
            gettext("kind must be one of %(values)s") % {"values": ", ".join(Kind.values)},
            field="kind",
        )
    message = message.strip()
    if not message:
        raise InvalidInput(gettext("say what is wrong"), field="message")
    if len(message) > MAX_MESSAGE:
        raise InvalidInput(
            gettext("at most %(max_message)s characters") % {"max_message": MAX_MESSAGE},
            field="message",
        )
    evse = None
    if evse_uid:
        evse = location.evses.filter(uid=evse_uid).first()
        if evse is None:
            raise InvalidInput(
                gettext("no charging point %(evse_uid)s at this location") % {"evse_uid": evse_uid},
                field="evse",
            )
    photo_type = check_photo(photo) if photo else ""
    return DriverReport.objects.create(
        location=location,
        evse=evse,
        kind=kind,
        message=message,
        photo=photo or None,
        photo_type=photo_type,
        created_at=timezone.now(),
        source=source,
    )


def get_report(*, report_id: int) -> DriverReport:
    found = DriverReport.objects.select_related("location__party").filter(pk=report_id).first()
    if found is None:
        raise NotFound(gettext("no report %(report_id)s") % {"report_id": report_id}, field="id")
    return found


def answer_report(
    *, user: account_services.AnyUser, report_id: int, state: str, answer: str
) -> DriverReport:
    """The operator's answer: ANSWERED (still open), FIXED or DISMISSED (closed), with a text.

    Only the secretariat or an operator of the location's party may answer
    (registry.services.assert_can_write, the same right as editing the location).
    """
    report = get_report(report_id=report_id)
    registry_services.assert_can_write(user=user, party=report.location.party)
    if state not in ANSWER_STATES:
        raise InvalidInput(gettext("state must be ANSWERED, FIXED or DISMISSED"), field="state")
    answer = answer.strip()
    if not answer:
        raise InvalidInput(gettext("write an answer the driver can read"), field="answer")
    if len(answer) > MAX_MESSAGE:
        raise InvalidInput(
            gettext("at most %(max_message)s characters") % {"max_message": MAX_MESSAGE},
            field="answer",
        )
    report.state = state
    report.answer = answer
    report.answered_at = timezone.now()
    report.answered_by = user if getattr(user, "pk", None) else None  # type: ignore[assignment]
    report.save(update_fields=["state", "answer", "answered_at", "answered_by"])
    return report


def is_open(report: DriverReport) -> bool:
    return report.state in OPEN_STATES


def assert_can_read(*, user: account_services.AnyUser, report: DriverReport) -> None:
    """A report's photo is for those who may answer it."""
    registry_services.assert_can_write(user=user, party=report.location.party)
