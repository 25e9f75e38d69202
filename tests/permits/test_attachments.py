"""Attachments: PDF, JPEG or PNG by their content, size-limited, stored under MEDIA_ROOT."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import LazySettings

from kubat.core.errors import InvalidInput
from kubat.permits import services
from tests.permits.factories import PNG, T0, application, make_world, upload

pytestmark = pytest.mark.django_db


def test_type_is_judged_by_content_not_by_name() -> None:
    world = make_world("KZ")
    case = services.create_draft(user=world.applicant, application=application(), now=T0)
    stored = services.add_attachment(
        user=world.applicant, case=case, upload=upload(PNG, "photo.pdf"), kind="photo"
    )
    assert stored.content_type == "image/png"
    assert stored.file.name.endswith(".png")
    with pytest.raises(InvalidInput, match="PDF, JPEG and PNG"):
        services.add_attachment(
            user=world.applicant,
            case=case,
            upload=upload(b"MZ\x90\x00evil", "plan.pdf"),
            kind="site_plan",
        )


def test_files_over_the_limit_are_refused(settings: LazySettings) -> None:
    settings.KUBAT_PERMIT_ATTACHMENT_MAX_BYTES = 1024
    world = make_world("KZ")
    case = services.create_draft(user=world.applicant, application=application(), now=T0)
    with pytest.raises(InvalidInput, match="limit"):
        services.add_attachment(
            user=world.applicant, case=case, upload=upload(b"%PDF-" + b"x" * 2000), kind="other"
        )


def test_files_are_stored_under_media_root_with_a_random_name(settings: LazySettings) -> None:
    world = make_world("KZ")
    case = services.create_draft(user=world.applicant, application=application(), now=T0)
    stored = services.add_attachment(
        user=world.applicant, case=case, upload=upload(name="../../etc/passwd.pdf"), kind="other"
    )
    path = Path(stored.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert "passwd" not in path.name
    assert stored.sha256
    assert stored.size > 0


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("photo.pdf", "photo.png"),
        ("evil.html", "evil.png"),
        ("noextension", "noextension.png"),
        ("photo.PNG", "photo.PNG"),
        ("C:\\Users\\x\\site.svg", "site.png"),
    ],
)
def test_an_upload_is_kept_and_served_under_the_extension_of_its_content(
    name: str, kept: str
) -> None:
    world = make_world("KZ")
    case = services.create_draft(user=world.applicant, application=application(), now=T0)
    stored = services.add_attachment(
        user=world.applicant, case=case, upload=upload(PNG, name), kind="photo"
    )
    assert stored.original_name == kept
    from django.test import Client

    web = Client()
    web.force_login(world.applicant)
    response = web.get(f"/permits/documents/{stored.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert kept in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    response.close()


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"%PDF-1.4\n<html><script>alert(1)</script></html>", "PDF"),
        (b"%PDF-" + b"x" * 200, "PDF"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG"),
        (b"\xff\xd8\xff\xe0" + b"<html>" * 20, "JPEG"),
    ],
)
def test_a_file_that_only_starts_like_its_type_is_refused(content: bytes, kind: str) -> None:
    """The magic number is not enough: the whole file must parse as the type it claims."""
    world = make_world("KZ")
    case = services.create_draft(user=world.applicant, application=application(), now=T0)
    with pytest.raises(InvalidInput, match=f"not a readable {kind}") as refused:
        services.add_attachment(
            user=world.applicant, case=case, upload=upload(content), kind="other"
        )
    assert refused.value.field == "file"


def test_a_real_pdf_and_png_are_accepted() -> None:
    from tests.permits.factories import PDF, PNG

    world = make_world("KZ")
    case = services.create_draft(user=world.applicant, application=application(), now=T0)
    for content, name in ((PDF, "plan.pdf"), (PNG, "photo.png")):
        services.add_attachment(
            user=world.applicant, case=case, upload=upload(content, name), kind="other"
        )
