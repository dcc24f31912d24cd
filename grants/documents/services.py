"""Keeping an upload: checked, written, recorded and audited; removed again if the change rolls back."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.datastructures import FileStorage

from grants.core import audit
from grants.core.db import utcnow
from grants.documents import storage
from grants.documents.models import Document
from grants.extensions import db

PENDING_FILES = "grants.uploaded_files"


def save_document(
    upload: FileStorage, *, kind: str, application: Any, actor: Any, message_id: int | None = None
) -> Document:
    data, detected = storage.read_upload(upload)
    stored_name, digest = storage.store_bytes(data, detected)
    session = db.session()
    session.info.setdefault(PENDING_FILES, []).append(stored_name)
    document = Document(
        application_id=application.id,
        kind=kind,
        original_filename=(upload.filename or "document")[:255],
        stored_name=stored_name,
        content_type=storage.TYPES[detected],
        size_bytes=len(data),
        sha256=digest,
        uploaded_by_id=getattr(actor, "id", None),
        message_id=message_id,
    )
    db.session.add(document)
    db.session.flush()
    audit.record(
        "document.uploaded",
        document,
        actor=actor,
        after={"application_id": application.id, "kind": kind, "size_bytes": len(data), "sha256": digest},
    )
    return document


def discard_documents(application: Any, document_ids: set[int], *, kind: str, actor: Any, reason: str) -> int:
    """Delete ``application``'s documents of ``kind`` among ``document_ids`` (a file answer replaced, or
    its question now hidden). Their stored files go with the next sweep of files no row names."""
    if not document_ids:
        return 0
    documents = db.session.scalars(
        db.select(Document).where(
            Document.id.in_(document_ids), Document.application_id == application.id, Document.kind == kind
        )
    ).all()
    for document in documents:
        audit.record(
            "document.discarded",
            document,
            actor=actor,
            before={"application_id": application.id, "kind": kind, "sha256": document.sha256},
            after={"reason": reason},
        )
        db.session.delete(document)
    db.session.flush()
    return len(documents)


@event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    session.info.pop(PENDING_FILES, None)


def discard_uncommitted_uploads(_exception: BaseException | None = None) -> None:
    """At the end of a request: files written for a change that never committed (the request
    failed before its commit) are removed. After a commit the list is empty."""
    if not db.session.registry.has():  # the request never opened a database session (a health check)
        return
    session = db.session()
    for stored_name in session.info.pop(PENDING_FILES, []):
        storage.discard(stored_name)


@event.listens_for(Session, "after_soft_rollback")
def _discard_files(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:  # the whole change, not a savepoint inside it
        for stored_name in session.info.pop(PENDING_FILES, []):
            storage.discard(stored_name)


# --- Files left behind --------------------------------------------------------------------------------

ORPHAN_GRACE = timedelta(hours=24)
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:pdf|docx|odt|part)")  # a file, or one half-written (store_bytes)
BATCH = 500


def sweep_orphans(now: datetime | None = None, grace: timedelta = ORPHAN_GRACE) -> list[str]:
    """Remove files in the upload folder that no document row names, and half-written ``.part`` files,
    once older than ``grace``: left by a process killed between writing a file and committing its row
    (the rollback and request-end clean-ups cover everything else). Younger files may belong to an
    upload still under way. Only names Grants itself makes are touched. Returns the names removed."""
    cutoff = ((now or utcnow()) - grace).timestamp()
    folder = storage.upload_folder()
    candidates = [
        path.name
        for path in folder.iterdir()
        if path.is_file() and STORED_NAME.fullmatch(path.name) and path.stat().st_mtime < cutoff
    ]
    kept: set[str] = set()
    names = [name for name in candidates if not name.endswith(".part")]
    for start in range(0, len(names), BATCH):
        chunk = names[start : start + BATCH]
        kept.update(db.session.scalars(db.select(Document.stored_name).where(Document.stored_name.in_(chunk))))
    removed = sorted(name for name in candidates if name not in kept)
    for name in removed:
        (folder / name).unlink(missing_ok=True)
    if removed:
        audit.record("documents.orphans_removed", after={"files": len(removed)})
    return removed
