"""Secrets generated once on a development machine, written so that two processes starting at
the same moment end up with the same one.

The naive way (check that the file is missing, then write it) races: two gunicorn workers (or
the web and the worker) both find no file, both write, and for a while each signs with a key
the other does not know; a reader can also see the file created but still empty. Here the
content is written to a private temporary file opened with O_EXCL (mode 0600 from the first
byte), then linked into place, which fails if the name exists: exactly one writer wins, the
file appears complete or not at all, and every loser reads the winner's content.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path


def write_once(path: Path, data: bytes, *, mode: int = 0o600) -> bytes:
    """Put `data` at `path` unless something is there already; return what `path` holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # Atomic, and refuses an existing name: another process won, use its content.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path.read_bytes()


def read_or_create(path: Path, make: Callable[[], bytes], *, mode: int = 0o600) -> bytes:
    """The content of `path`, made by `make()` and written once (`write_once`) when missing."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return write_once(path, make(), mode=mode)
