"""Attachment files on disk: content-addressed under DATA_DIR/attachments, checked before they are kept."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _

from ..core.errors import TooLarge, ValidationFailed

CHUNK = 1024 * 1024
#: files sent with one reply or note (their total size is bounded by MAX_REQUEST_BYTES)
MAX_FILES = 10
_UNSAFE = re.compile(r"[^\w.\- ()+]", re.UNICODE)

# Leading bytes of common formats: a file that claims one of these types must start with them.
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
}
for _office in ("wordprocessingml.document", "spreadsheetml.sheet"):
    _MAGIC[f"application/vnd.openxmlformats-officedocument.{_office}"] = (b"PK\x03\x04",)
for _odf in ("text", "spreadsheet"):
    _MAGIC[f"application/vnd.oasis.opendocument.{_odf}"] = (b"PK\x03\x04",)


@dataclass(frozen=True)
class Upload:
    """A file as it arrived (form, API, mail), before it is checked and stored."""

    filename: str
    stream: BinaryIO
    #: the type the sender declared; only a fallback (detect_type)
    declared_type: str | None = None


def limits(config) -> dict[str, int]:
    """What an upload form accepts, for its hint: files at once, MiB each, MiB together."""
    mib = 1024 * 1024
    return {"count": MAX_FILES, "mib": config["MAX_ATTACHMENT_BYTES"] // mib,
            "total_mib": config["MAX_REQUEST_BYTES"] // mib}


def safe_filename(name: str) -> str:
    """A display name with no path, control or odd characters; never empty."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = _UNSAFE.sub("_", name).strip(" .")[:200]
    return name or "attachment"


def detect_type(filename: str, declared: str | None, head: bytes, allowed: set[str]) -> str:
    """The content type to store: from the name (browsers' declared types are unreliable), checked
    against the allow-list and, for binary formats, against the file's first bytes."""
    guessed = mimetypes.guess_type(filename)[0] or (declared or "").split(";")[0].strip().lower()
    guessed = guessed or "application/octet-stream"
    if guessed not in allowed:
        raise ValidationFailed(
            _("%(name)s: files of type %(type)s are not accepted. Accepted: %(allowed)s.", name=repr(filename),
              type=guessed, allowed=", ".join(sorted(allowed))),
            {"field": "file", "content_type": guessed},
        )
    magic = _MAGIC.get(guessed)
    if magic and not head.startswith(magic):
        raise ValidationFailed(
            _("The file %(name)s does not look like %(type)s.", name=repr(filename), type=guessed), {"field": "file"}
        )
    if guessed.startswith("text/") and b"\x00" in head:
        raise ValidationFailed(_("The file %(name)s is not a text file.", name=repr(filename)), {"field": "file"})
    return guessed


def store(stream: BinaryIO, data_dir: str | os.PathLike, max_bytes: int, name: str = "attachment"
          ) -> tuple[str, int, bytes]:
    """Copy the upload to disk; returns (sha256, size, first bytes). Nothing is kept when it is too large.
    ``name`` is only for the message."""
    root = Path(data_dir, "attachments")
    root.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        _("The file %(name)s is larger than the limit of %(mib)d MiB.", name=repr(name),
                          mib=max_bytes // (1024 * 1024)),
                        {"field": "file", "max_bytes": max_bytes},
                    )
                if len(head) < 512:
                    head += chunk[: 512 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        final = path_for(data_dir, sha)
        final.parent.mkdir(exist_ok=True)
        os.replace(tmp, final)
        return sha, size, head
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def path_for(data_dir: str | os.PathLike, sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a sha256 digest")
    return Path(data_dir, "attachments", sha256[:2], sha256)
