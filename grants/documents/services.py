"""Keeping an upload: checked, written, recorded and audited; removed again if the change rolls back."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from grants.core import audit
from grants.documents import storage
from grants.documents.models import Document
from grants.extensions import db

PENDING_FILES = "grants.uploaded_files"


def save_document(upload: FileStorage, *, kind: str, application, actor) -> Document:
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


@event.listens_for(Session, "after_commit")
def _keep_files(session):
    session.info.pop(PENDING_FILES, None)


def discard_uncommitted_uploads(_exception=None) -> None:
    """At the end of a request: files written for a change that never committed (the request
    failed before its commit) are removed. After a commit the list is empty."""
    session = db.session()
    for stored_name in session.info.pop(PENDING_FILES, []):
        storage.discard(stored_name)


@event.listens_for(Session, "after_soft_rollback")
def _discard_files(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole change, not a savepoint inside it
        for stored_name in session.info.pop(PENDING_FILES, []):
            storage.discard(stored_name)
