"""Checking and keeping uploaded files.

A file is accepted by what it is, not what it is called: a PDF starts with ``%PDF-``; a DOCX is a
ZIP holding ``word/document.xml``; an ODT is a ZIP whose ``mimetype`` entry says so, and either must
unpack whole, undamaged and to no more than ``MAX_UNPACKED_BYTES``. It is written
under a random name in ``UPLOAD_FOLDER``, with its size and SHA-256 kept in the database.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
import zlib
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage

from grants.core.errors import GrantsError

MAX_BYTES = 10 * 1024 * 1024
TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


class UploadError(GrantsError):
    pass


# An office document is a ZIP. Opened, it may be no larger than this, in all (a letter with a few
# pictures is a few MB; a small file that unpacks to hundreds of MB is made to exhaust the server).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ENTRIES = 5000
CHUNK = 64 * 1024
DAMAGED = "The selected file is damaged and cannot be opened. Save it again, or as a PDF, and upload the new copy"
TOO_BIG_UNPACKED = (
    "The selected file is too large when opened (more than 100 MB). Save it with smaller pictures, or as a PDF, "
    "and upload it again"
)
# Everything reading a broken or hostile ZIP can raise.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    ValueError,
    RuntimeError,
    EOFError,
    NotImplementedError,
    OSError,
)


def detect_type(data: bytes) -> str | None:
    """``pdf``, ``docx``, ``odt`` or None, from the bytes alone. A ZIP that cannot be read is UploadError."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:  # read only its first bytes: a small zip can unpack to gigabytes
                with archive.open("mimetype") as entry:
                    if entry.read(len(ODT_MIMETYPE) + 2).strip() == ODT_MIMETYPE:
                        return "odt"
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "docx"
    except ZIP_ERRORS as error:
        raise UploadError(DAMAGED) from error
    return None


def check_unpacked(data: bytes) -> None:
    """Unpack every entry of the ZIP, a chunk at a time and without keeping it, counting what comes out:
    refused once the total passes ``MAX_UNPACKED_BYTES`` (the sizes the archive declares are not
    trusted), or when an entry is damaged (its checksum is checked at its end)."""
    unpacked = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES:
                raise UploadError(TOO_BIG_UNPACKED)
            for info in entries:
                with archive.open(info) as entry:
                    while chunk := entry.read(CHUNK):
                        unpacked += len(chunk)
                        if unpacked > MAX_UNPACKED_BYTES:
                            raise UploadError(TOO_BIG_UNPACKED)
    except ZIP_ERRORS as error:
        raise UploadError(DAMAGED) from error


def read_upload(upload: FileStorage) -> tuple[bytes, str]:
    """The file's bytes and its type, or UploadError with a message fit for the error summary."""
    data = upload.stream.read(MAX_BYTES + 1)
    if not data:
        raise UploadError("The selected file is empty")
    if len(data) > MAX_BYTES:
        raise UploadError("The selected file must be smaller than 10 MB")
    kind = detect_type(data)
    if kind is None:
        raise UploadError("The selected file must be a PDF, DOCX or ODT")
    if kind in ("docx", "odt"):
        check_unpacked(data)
    return data, kind


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_bytes(data: bytes, extension: str) -> tuple[str, str]:
    """Write the bytes under a new random name; returns (stored name, SHA-256)."""
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    path = upload_folder() / stored_name
    temporary = path.with_suffix(".part")
    with open(temporary, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.rename(path)
    return stored_name, hashlib.sha256(data).hexdigest()


def path_of(stored_name: str) -> Path:
    path = (upload_folder() / stored_name).resolve()
    if path.parent != upload_folder().resolve():
        raise UploadError("That file is not in the upload folder")
    return path


def discard(stored_name: str) -> None:
    """Remove a file whose database row was never committed."""
    try:
        path_of(stored_name).unlink(missing_ok=True)
    except UploadError:
        pass


def safe_download_name(original: str, kind: str) -> str:
    stem = Path(original).stem
    cleaned = "".join(ch if ch.isalnum() or ch in " -_." else "_" for ch in stem).strip(" .") or "document"
    return f"{cleaned[:100]}.{kind}"


def send_document(document):
    """The stored file as a download, named safely. A file removed (a person's data anonymised, say)
    is a 410 page saying so, not an error."""
    from flask import abort, send_file

    path = path_of(document.stored_name)
    if not path.is_file():
        abort(410, description="This file has been removed from the service.")
    kind = document.stored_name.rsplit(".", 1)[-1]
    return send_file(
        path,
        mimetype=document.content_type,
        as_attachment=True,
        download_name=safe_download_name(document.original_filename, kind),
        max_age=0,
    )
