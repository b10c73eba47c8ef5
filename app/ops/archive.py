"""The backup archive: a gzipped tar of the database copy, the attachment files and manifest.json (the
last member) with the sha256 and size of every other member, the schema revision and row counts.

Reading streams the archive once, hashing every member (and writing the ones asked for), so a corrupt
or tampered archive is found before anything live is touched."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import zlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from ..core.errors import ServicedeskError

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 1024 * 1024
ARCHIVE_NAME = re.compile(r"^servicedesk-\d{8}T\d{6}Z\.tar\.gz$")
#: what an archive may hold: nothing absolute, no "..", no links, no hidden files
_MEMBER = re.compile(r"^(manifest\.json|database\.(pgdump|sqlite)|attachments(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,254})+)$")


class ArchiveCorrupt(ServicedeskError):
    code = "archive_corrupt"


def archive_name(now: datetime) -> str:
    return f"servicedesk-{now:%Y%m%dT%H%M%SZ}.tar.gz"


class _Hashing:
    """A read-only file wrapper that hashes what passes through."""

    def __init__(self, raw: BinaryIO):
        self.raw, self.digest, self.size = raw, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data


class ArchiveWriter:
    """Writes ``dest`` under a hidden temporary name and renames it into place only when complete,
    so a failed or interrupted backup never leaves something that looks like an archive."""

    def __init__(self, dest: Path):
        self.dest = dest
        self.partial = dest.with_name(f".{dest.name}.partial")
        self.files: dict[str, dict] = {}
        self._tar = tarfile.open(self.partial, "w:gz", compresslevel=6)  # noqa: SIM115 - closed in finish/abort

    def add_file(self, path: Path, arcname: str) -> None:
        assert _MEMBER.match(arcname), arcname
        info = self._tar.gettarinfo(str(path), arcname)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mode = 0o640
        with open(path, "rb") as raw:
            stream = _Hashing(raw)
            self._tar.addfile(info, stream)
        if stream.size != info.size:
            raise ServicedeskError(f"{path} changed while it was being archived; run the backup again")
        self.files[arcname] = {"sha256": stream.digest.hexdigest(), "size": stream.size}

    def add_tree(self, root: Path, prefix: str) -> int:
        """Every regular, non-hidden file under ``root`` (attachment uploads in progress are hidden)."""
        count = 0
        if not root.is_dir():
            return 0
        for directory, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                path = Path(directory, name)
                if name.startswith(".") or not path.is_file() or path.is_symlink():
                    continue
                self.add_file(path, f"{prefix}/{path.relative_to(root).as_posix()}")
                count += 1
        return count

    def finish(self, manifest: dict) -> Path:
        body = json.dumps({**manifest, "files": self.files}, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(body), 0o640, int(datetime.now().timestamp())
        self._tar.addfile(info, io.BytesIO(body))
        self._tar.close()
        os.chmod(self.partial, 0o600)
        os.replace(self.partial, self.dest)
        return self.dest

    def abort(self) -> None:
        self._tar.close()
        self.partial.unlink(missing_ok=True)


def read_archive(path: Path, extract_to: Path | None = None,
                 extract: Callable[[str], bool] = lambda name: True) -> dict:
    """Check the whole archive against its manifest and return the manifest; members for which
    ``extract`` is true are written under ``extract_to`` on the way. Raises ArchiveCorrupt."""
    seen: dict[str, dict] = {}
    manifest_bytes = None
    try:
        with tarfile.open(path, "r|gz") as tar:
            for member in tar:
                name = member.name
                if not member.isfile() or not _MEMBER.match(name) or name in seen:
                    raise ArchiveCorrupt(f"{path}: unexpected member {name!r}; not a Servicedesk backup")
                source = tar.extractfile(member)
                if name == MANIFEST:
                    manifest_bytes = source.read(10 * 1024 * 1024)
                    seen[name] = {}
                    continue
                seen[name] = _copy_member(source, extract_to / name if extract_to and extract(name) else None)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:  # other OSErrors are real I/O
        raise ArchiveCorrupt(f"{path} is damaged: {exc or type(exc).__name__}") from None
    if manifest_bytes is None:
        raise ArchiveCorrupt(f"{path} has no {MANIFEST}; not a Servicedesk backup, or cut short")
    try:
        manifest = json.loads(manifest_bytes)
        files = manifest["files"]
        fmt = manifest["format"]
    except (ValueError, KeyError, TypeError):
        raise ArchiveCorrupt(f"{path}: {MANIFEST} is unreadable") from None
    if fmt != FORMAT:
        raise ArchiveCorrupt(f"{path}: archive format {fmt!r}, this release reads format {FORMAT}")
    del seen[MANIFEST]
    missing, extra = sorted(set(files) - set(seen)), sorted(set(seen) - set(files))
    if missing or extra:
        raise ArchiveCorrupt(f"{path}: members missing {missing[:5]} or not in the manifest {extra[:5]}")
    bad = sorted(name for name, facts in seen.items() if facts != files[name])
    if bad:
        raise ArchiveCorrupt(f"{path}: checksum mismatch in {len(bad)} member(s): {', '.join(bad[:5])}")
    return manifest


def _copy_member(source: BinaryIO, target: Path | None) -> dict:
    digest, size = hashlib.sha256(), 0
    out = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = open(target, "wb")  # noqa: SIM115 - closed below
    try:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if out:
                out.write(chunk)
    finally:
        if out:
            out.close()
    return {"sha256": digest.hexdigest(), "size": size}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
