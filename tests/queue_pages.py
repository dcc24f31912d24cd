"""Reading a home page's work queues as a person would: a queue's count, its words, where its items link."""

from __future__ import annotations

import re
from html import unescape

from tests.helpers import text


def queue_on(html: str, key: str) -> tuple[int, str, list[str]]:
    """A queue on the home page: its count, its words, and where its items link."""
    found = re.search(rf'<section class="grants-queue"[^>]*data-queue="{re.escape(key)}".*?</section>', html, re.S)
    assert found, f"no queue {key} on the page"
    section = found.group(0)
    count = re.search(r'data-count="(\d+)"', section)
    assert count
    items = re.findall(r'<li class="grants-queue__item">\s*<a class="govuk-link" href="([^"]+)"', section)
    return int(count.group(1)), text(section), [unescape(href) for href in items]


def home(client, key: str) -> tuple[int, str, list[str]]:
    """``key``'s queue on the home page of the person ``client`` is signed in as."""
    response = client.get("/")
    assert response.status_code == 200
    return queue_on(response.get_data(as_text=True), key)
