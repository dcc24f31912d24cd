"""Reading a queue off the home page: its count and its words, by its key."""

from __future__ import annotations

import re

from tests.helpers import text


def home_queue(client, key: str) -> tuple[int, str]:
    """The queue ``key`` on the signed-in person's home: (its count, its words)."""
    html = client.get("/").get_data(as_text=True)
    found = re.search(rf'<section[^>]*data-queue="{re.escape(key)}".*?</section>', html, re.S)
    assert found, f"no queue {key} on the home page"
    count = int(re.search(r'data-count="(\d+)"', found.group(0)).group(1))
    return count, text(found.group(0))
