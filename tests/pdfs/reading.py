"""Reading a downloaded PDF as a person (or their screen reader) would: its words, title and language,
and whether it is tagged; and the trace its download left in the audit trail."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from pypdf import PdfReader

from grants.core.audit import AuditEvent
from grants.extensions import db

PAGE_NUMBER = re.compile(r"^Page \d+ of \d+$")


@dataclass
class Pdf:
    text: str  # every page's words, in order, without what the margins repeat (the title, page numbers)
    title: str | None
    lang: str | None
    tagged: bool
    pages: int

    @property
    def words(self) -> str:
        """The text with every run of whitespace made one space (a line may wrap anywhere on a page)."""
        return squeeze(self.text)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def read_pdf(response) -> Pdf:
    """The PDF a download answered with, after checking it is handed over as a file to keep."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.get_data()))
    catalog = reader.trailer["/Root"]
    mark_info = catalog.get("/MarkInfo")
    title = reader.metadata.title if reader.metadata else None
    pages = [page.extract_text() for page in reader.pages]
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page  # numbered in the margin
    return Pdf(
        text="\n".join(_body(page, title) for page in pages),
        title=title,
        lang=str(catalog["/Lang"]) if "/Lang" in catalog else None,
        tagged=bool(mark_info and mark_info.get_object().get("/Marked")) and "/StructTreeRoot" in catalog,
        pages=len(reader.pages),
    )


def _body(page: str, title: str | None) -> str:
    """A page's words without its margins: the title at its head, its number at its foot."""
    return "\n".join(
        line for line in page.splitlines() if not PAGE_NUMBER.match(line.strip()) and line.strip() != title
    )


def filename_of(response) -> str:
    return response.headers["Content-Disposition"].split("filename=", 1)[1].strip('"')


def downloads(action: str, object_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            db.select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.id)
        )
    )
