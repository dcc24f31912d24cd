"""The PDFs fetch nothing: no address a template (or text drawn in it) names is ever opened."""

import io
import struct
import zlib
from urllib import request

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from grants.core import pdf


@pytest.mark.parametrize(
    "address",
    ["http://192.0.2.1/logo.png", "https://example.org/style.css", "file:///etc/passwd", "data:image/png;base64,AA=="],
)
def test_the_fetcher_refuses_every_address_before_opening_it(monkeypatch, address):
    opened = []
    monkeypatch.setattr(request.OpenerDirector, "open", lambda self, *args, **kwargs: opened.append(args))
    with pytest.raises(ValueError, match="disallowed protocol"):
        pdf.refusing_fetcher().fetch(address)
    assert opened == []


def _png() -> bytes:
    """A one-pixel PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def _images(fetcher, tmp_path) -> int:
    image = tmp_path / "local.png"
    image.write_bytes(_png())
    page = (
        '<html lang="en-GB"><head><title>T</title></head><body><p>Words</p>'
        f'<img src="{image.as_uri()}" alt=""><img src="local.png" alt=""><img src="http://192.0.2.1/x.png" alt="">'
        "</body></html>"
    )
    body = HTML(string=page, base_url=tmp_path.as_uri() + "/", url_fetcher=fetcher).write_pdf()
    reader = PdfReader(io.BytesIO(body))
    assert "Words" in reader.pages[0].extract_text()
    return len(reader.pages[0].images)


def test_a_document_naming_local_files_and_addresses_is_drawn_without_them(tmp_path):
    assert _images(pdf.refusing_fetcher(), tmp_path) == 0


def test_without_the_refusing_fetcher_a_local_file_would_be_read(tmp_path):
    """The check above can fail: WeasyPrint's own fetcher reads the file (the address is never called)."""
    from weasyprint.urls import URLFetcher

    assert _images(URLFetcher(allowed_protocols=("file",)), tmp_path) >= 1


def test_a_download_is_an_attachment_with_a_safe_name(app):
    with app.test_request_context():
        response = pdf.pdf_download(b"%PDF-1.7", 'LV2-0001 "bid"/../x.pdf')
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="LV2-0001-bid-.-x.pdf"'
