"""Upload rules: PDF, JPEG or PNG only, recognised by their first bytes, and size-limited.

The client's file name and Content-Type are not trusted: the type is what the content's magic
number says (PDF `%PDF-`, PNG's 8-byte signature, JPEG's SOI marker FF D8 FF). Three fixed
signatures are simpler and safer than a general type-sniffing dependency. The limit is
`settings.KUBAT_PERMIT_ATTACHMENT_MAX_BYTES` (default 10 MiB).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext

from kubat.core.errors import InvalidInput

SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "KUBAT_PERMIT_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff(head: bytes) -> tuple[str, str]:
    """(content type, suffix) for the first bytes of a file; InvalidInput for anything else."""
    for magic, content_type, suffix in SIGNATURES:
        if head.startswith(magic):
            return content_type, suffix
    raise InvalidInput(gettext("only PDF, JPEG and PNG files are accepted"), field="file")


def named_for(name: str, suffix: str) -> str:
    """`name` with the extension of the type found: a PDF sent as `plan.html` is kept and
    downloaded as `plan.pdf`, so no browser or desktop opens it by its claimed type."""
    stem = PurePosixPath(name.replace("\\", "/")).name or "upload"
    if stem.lower().endswith(suffix) or (suffix == ".jpg" and stem.lower().endswith(".jpeg")):
        return stem
    return f"{stem.rsplit('.', 1)[0] if '.' in stem[1:] else stem}{suffix}"


def check_upload(upload: UploadedFile[bytes]) -> tuple[str, str]:
    """Check size and content of an upload; returns (content type, suffix).

    The upload is renamed (`named_for`) so that it is stored and served under an extension
    that matches its content.
    """
    size = upload.size or 0
    if size == 0:
        raise InvalidInput(gettext("the file is empty"), field="file")
    if size > max_bytes():
        raise InvalidInput(
            gettext("the file is %(value1)s MiB; the limit is %(value2)s MiB")
            % {"value1": f"{size / 1048576:.1f}", "value2": f"{max_bytes() / 1048576:.0f}"},
            field="file",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type, suffix = sniff(head)
    upload.name = named_for(upload.name or "upload", suffix)
    return content_type, suffix
