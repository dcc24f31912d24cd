"""The pledge letter: PDF, DOCX or ODT up to 10 MB, checked by content; nothing kept when refused."""

import io
import zipfile

import pytest

from grants.applications.models import Application
from grants.documents.models import Document
from grants.documents.storage import MAX_BYTES, detect_type
from tests.factories import ApplicantFactory, ApplicationFactory
from tests.fixtures.clients import sign_in_client
from tests.helpers import field_error

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


@pytest.fixture
def bid(db):
    return ApplicationFactory()


@pytest.fixture
def lead(app, bid):
    return sign_in_client(app, bid.lead_applicant)


def upload(lead, bid, content: bytes, filename: str):
    return lead.post(
        f"/applications/{bid.id}/sections/match",
        content_type="multipart/form-data",
        data={
            "match_funder": "Wigan Health and Wellbeing Board",
            "match_amount": "10,000",
            "completed": "yes",
            "evidence": (io.BytesIO(content), filename),
        },
    )


def stored_files(upload_folder):
    return sorted(path.name for path in upload_folder.iterdir())


@pytest.mark.parametrize(
    ("content", "filename", "kind"),
    [(PDF, "pledge.pdf", "pdf"), (docx_bytes(), "pledge.docx", "docx"), (odt_bytes(), "pledge.odt", "odt")],
)
def test_a_pledge_letter_is_kept_with_its_size_and_checksum(db, bid, lead, upload_folder, content, filename, kind):
    import hashlib

    before = stored_files(upload_folder)
    response = upload(lead, bid, content, filename)
    assert response.headers["Location"] == f"/applications/{bid.id}"
    document = db.session.scalars(db.select(Document)).one()
    assert (document.original_filename, document.size_bytes, document.sha256) == (
        filename,
        len(content),
        hashlib.sha256(content).hexdigest(),
    )
    assert document.stored_name.endswith("." + kind) and filename not in document.stored_name
    assert stored_files(upload_folder) == sorted(before + [document.stored_name])
    assert (upload_folder / document.stored_name).read_bytes() == content
    assert db.session.get(Application, bid.id).section_state("match") == "completed"


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"MZ\x90\x00 not a pdf", "pledge.pdf"),
        (b"<html><script>alert(1)</script></html>", "pledge.pdf"),
        (b"plain text pledge", "pledge.txt"),
    ],
)
def test_a_file_of_the_wrong_type_is_refused_and_nothing_is_kept(db, bid, lead, upload_folder, content, filename):
    before = stored_files(upload_folder)
    html = upload(lead, bid, content, filename).get_data(as_text=True)
    assert field_error(html, "evidence") == "The selected file must be a PDF, DOCX or ODT"
    assert db.session.scalars(db.select(Document)).all() == []
    assert stored_files(upload_folder) == before
    stored = db.session.get(Application, bid.id)
    assert (stored.match_funder, stored.section_state("match")) == ("", "not_started")


def big_docx(unpacked: int) -> bytes:
    """A small DOCX whose text unpacks to ``unpacked`` bytes."""
    return _big_zip({"[Content_Types].xml": b"<Types/>"}, "word/document.xml", unpacked)


def big_odt(unpacked: int) -> bytes:
    return _big_zip({"mimetype": b"application/vnd.oasis.opendocument.text"}, "content.xml", unpacked)


def _big_zip(small: dict[str, bytes], name: str, unpacked: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry_name, content in small.items():
            archive.writestr(entry_name, content)
        with archive.open(name, "w") as entry:
            for _ in range(unpacked // 1_000_000):
                entry.write(b" " * 1_000_000)
    return buffer.getvalue()


def damaged_docx() -> bytes:
    """A DOCX whose document entry was changed after it was written: its checksum no longer matches."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>the pledge</w:document>")
    return buffer.getvalue().replace(b"the pledge", b"the plXdge")


def deflate_garbage_docx() -> bytes:
    """A DOCX whose compressed document entry is not valid compressed data."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>" + "pledge " * 200 + "</w:document>")
    data = bytearray(buffer.getvalue())
    start = data.index(b"word/document.xml") + len("word/document.xml")  # the entry's compressed bytes
    data[start : start + 40] = b"\xff" * 40
    return bytes(data)


@pytest.mark.parametrize(("make", "filename"), [(big_docx, "pledge.docx"), (big_odt, "pledge.odt")])
def test_an_office_document_that_unpacks_to_200_mb_is_refused_and_nothing_is_kept(
    db, bid, lead, upload_folder, make, filename
):
    content = make(200_000_000)
    assert len(content) < 1_000_000
    before = stored_files(upload_folder)
    html = upload(lead, bid, content, filename).get_data(as_text=True)
    assert field_error(html, "evidence") == (
        "The selected file is too large when opened (more than 100 MB). Save it with smaller pictures, or as a PDF, "
        "and upload it again"
    )
    assert db.session.scalars(db.select(Document)).all() == []
    assert stored_files(upload_folder) == before


def test_the_unpacked_size_is_measured_not_read_from_the_archive(db, bid, lead):
    content = bytearray(big_docx(150_000_000))
    # Claim a tiny size in the central directory: the check unpacks and counts anyway.
    central = content.rindex(b"PK\x01\x02", 0, content.rindex(b"word/document.xml"))
    content[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    html = upload(lead, bid, bytes(content), "pledge.docx").get_data(as_text=True)
    assert field_error(html, "evidence") in {
        "The selected file is too large when opened (more than 100 MB). Save it with smaller pictures, or as a PDF, "
        "and upload it again",
        "The selected file is damaged and cannot be opened. Save it again, or as a PDF, and upload the new copy",
    }
    assert db.session.scalars(db.select(Document)).all() == []


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04 broken zip", damaged_docx(), deflate_garbage_docx()],
    ids=["not a zip", "checksum", "compressed data"],
)
def test_a_damaged_office_document_is_refused_with_a_clear_message(db, bid, lead, upload_folder, content):
    before = stored_files(upload_folder)
    response = upload(lead, bid, content, "pledge.docx")
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "evidence") == (
        "The selected file is damaged and cannot be opened. Save it again, or as a PDF, and upload the new copy"
    )
    assert db.session.scalars(db.select(Document)).all() == []
    assert stored_files(upload_folder) == before


def test_an_office_document_of_ordinary_size_opened_is_kept(db, bid, lead):
    assert upload(lead, bid, big_docx(20_000_000), "pledge.docx").status_code == 302
    assert len(db.session.scalars(db.select(Document)).all()) == 1


def test_a_file_over_10_mb_is_refused_and_nothing_is_kept(db, bid, lead, upload_folder):
    before = stored_files(upload_folder)
    html = upload(lead, bid, PDF + b"0" * MAX_BYTES, "big.pdf").get_data(as_text=True)
    assert field_error(html, "evidence") == "The selected file must be smaller than 10 MB"
    assert db.session.scalars(db.select(Document)).all() == []
    assert stored_files(upload_folder) == before


def test_an_empty_file_is_refused(db, bid, lead):
    html = upload(lead, bid, b"", "empty.pdf").get_data(as_text=True)
    assert field_error(html, "evidence") == "The selected file is empty"


def test_a_file_kept_before_a_refusal_elsewhere_in_the_section_is_removed(db, bid, lead, upload_folder):
    before = stored_files(upload_folder)
    response = lead.post(
        f"/applications/{bid.id}/sections/match",
        content_type="multipart/form-data",
        data={"match_funder": "", "match_amount": "10,000", "completed": "yes", "evidence": (io.BytesIO(PDF), "p.pdf")},
    )
    assert field_error(response.get_data(as_text=True), "match_funder") == "Enter who has pledged the match funding"
    assert db.session.scalars(db.select(Document)).all() == []
    assert stored_files(upload_folder) == before


def test_the_letter_is_downloaded_as_an_attachment_by_the_bids_people_only(app, db, bid, lead):
    upload(lead, bid, PDF, "Pledge <letter>.pdf")
    document = db.session.scalars(db.select(Document)).one()
    response = lead.get(f"/applications/{bid.id}/documents/{document.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Pledge _letter_.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    outsider = sign_in_client(app, ApplicantFactory())
    assert outsider.get(f"/applications/{bid.id}/documents/{document.id}").status_code == 404


def test_a_file_removed_from_storage_is_a_gone_page_not_an_error(db, bid, lead, upload_folder):
    """A person's files are deleted when their data is anonymised; the rows others point at stay."""
    upload(lead, bid, PDF, "letter.pdf")
    document = db.session.scalars(db.select(Document)).one()
    (upload_folder / document.stored_name).unlink()
    response = lead.get(f"/applications/{bid.id}/documents/{document.id}")
    assert response.status_code == 410
    assert "This is no longer available" in response.get_data(as_text=True)


def test_content_sniffing_ignores_the_name():
    assert detect_type(PDF) == "pdf"
    assert detect_type(docx_bytes()) == "docx"
    assert detect_type(odt_bytes()) == "odt"
    assert detect_type(b"GIF89a") is None


# --- Files left behind by a killed process -----------------------------------------------------------


def test_files_no_document_names_are_swept_after_a_day_and_nothing_else(db, app, bid, tmp_path, monkeypatch):
    import os
    import time

    from grants.core.audit import AuditEvent
    from grants.documents import storage
    from grants.documents.services import sweep_orphans

    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    kept_name, digest = storage.store_bytes(PDF, "pdf")
    db.session.add(
        Document(
            application_id=bid.id,
            kind="match_evidence",
            original_filename="letter.pdf",
            stored_name=kept_name,
            content_type="application/pdf",
            size_bytes=len(PDF),
            sha256=digest,
        )
    )
    db.session.commit()
    old_orphan, _ = storage.store_bytes(PDF, "pdf")
    new_orphan, _ = storage.store_bytes(PDF, "pdf")
    half_written = (tmp_path / f"{'a' * 32}.docx").with_suffix(".part")  # as store_bytes names it while writing
    half_written.write_bytes(b"PK")
    stranger = tmp_path / "notes.txt"  # not a name Grants makes: never touched
    stranger.write_text("the operator's own file")
    two_days_ago = time.time() - 2 * 24 * 3600
    for name in (kept_name, old_orphan, half_written.name, stranger.name):
        os.utime(tmp_path / name, (two_days_ago, two_days_ago))

    assert sweep_orphans() == sorted([old_orphan, half_written.name])
    db.session.commit()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([kept_name, new_orphan, stranger.name])
    [event] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "documents.orphans_removed")).all()
    assert event.after == {"files": 2}
    assert sweep_orphans() == []  # again: nothing more

    os.utime(tmp_path / new_orphan, (two_days_ago, two_days_ago))
    result = app.test_cli_runner().invoke(args=["jobs", "sweep-uploads"])
    assert result.exit_code == 0 and "1 file left behind removed." in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([kept_name, stranger.name])
