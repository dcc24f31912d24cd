"""Documents people keep: a page's data drawn as a PDF by WeasyPrint, and handed over as a download.

A PDF template extends ``pdf/_layout.html`` (A4, the print stylesheet inline, "Page N of M" in the
margin, ``<html lang="en-GB">``, the document's title in ``<title>``), and is drawn from the same data
and, where it can be, the same macros as the page it comes from.

WeasyPrint fetches nothing: the stylesheet is inline, and its fetcher allows no protocol at all (no
``http:``, ``file:`` nor ``data:``), so text a person wrote (``<img src=...>`` in an answer is escaped
anyway) can never make the server read a file or call an address. The PDF is tagged for screen readers
(its structure tree and ``/MarkInfo``), with its title and language in the document's metadata.
WeasyPrint's ``pdf/ua-1`` variant adds only the claim of PDF/UA conformance to the same tagging, a claim
its documentation says not to assume; so the PDF is tagged and makes no such claim."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import current_app, render_template, request
from weasyprint import HTML
from weasyprint.urls import URLFetcher
from werkzeug.wrappers import Response

from grants.core.db import utcnow

PDF = "application/pdf"
# WeasyPrint tells each step of each document at INFO: the service's log keeps its warnings and errors.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def render_pdf(template: str, *, title: str, **context: Any) -> bytes:
    """The PDF of ``template`` (under ``templates/pdf/``), its ``title`` in ``<title>`` and the metadata."""
    context.setdefault("made_at", utcnow())
    page = render_template(template, title=title, **context)
    document = HTML(string=page, base_url=_base_url(), url_fetcher=refusing_fetcher())
    body: bytes = document.write_pdf(pdf_tags=True)
    return body


def refusing_fetcher() -> Any:
    """WeasyPrint's fetcher with no protocol allowed: every address (``http:``, ``file:``, ``data:`` ...)
    is refused before anything is opened, and the document is drawn without it."""
    return URLFetcher(allowed_protocols=())


def pdf_download(body: bytes, filename: str) -> Response:
    """``body`` handed over to be saved as ``filename``. Every attachment is sent ``Cache-Control:
    no-store`` (``grants.core.security``): no browser, proxy or shared computer keeps a copy."""
    name = re.sub(r"\.{2,}", ".", _UNSAFE_IN_FILENAME.sub("-", filename)).strip("-.") or "document.pdf"
    return Response(body, mimetype=PDF, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _base_url() -> str:
    """Where the document's links lead: the service's own address (links are never fetched)."""
    base = current_app.config.get("BASE_URL") or request.host_url
    return f"{str(base).rstrip('/')}/"
