"""Reading a queue on a person's home page: how many it counts, and the words of its items."""

from __future__ import annotations

import re
from typing import NamedTuple

from tests.helpers import text


class ShownQueue(NamedTuple):
    count: int
    words: str  # the visible words of the queue: its heading, summary, items and empty sentence
    links: list[str]  # the items' links, in order


def home_queue(client, key: str) -> ShownQueue:
    """The queue ``key`` on the home page of the person signed in to ``client``; fails if it is not shown."""
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    section = re.search(rf'<section[^>]*data-queue="{re.escape(key)}".*?</section>', html, flags=re.S)
    assert section, f"no queue {key} on the home page"
    count = re.search(r'data-count="(\d+)"', section.group(0))
    assert count
    items = re.findall(r'<li class="grants-queue__item">\s*<a class="govuk-link" href="([^"]+)"', section.group(0))
    return ShownQueue(int(count.group(1)), text(section.group(0)), [link.replace("&amp;", "&") for link in items])
