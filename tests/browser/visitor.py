"""A person in the browser: their own browser context (cookies, session), a page, and an accessibility
check with axe after every page they reach. Every page the journeys visit is checked: the fixture that
makes visitors fails the test if one was reached and never checked."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tests.browser.accessibility import axe_violations, blocking, describe

SIDEWAYS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@dataclass
class Visitor:
    name: str
    page: object
    base_url: str
    visited: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    # Narrower widths (CSS px) at which every checked page must also fit without scrolling sideways.
    narrow: tuple[int, ...] = ()

    def __post_init__(self):
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame and frame.url.startswith(self.base_url):
            self.visited.append(frame.url)

    # --- Moving about ------------------------------------------------------------------------------------

    def go(self, path: str) -> Visitor:
        self.page.goto(self.base_url + path)
        return self.check()

    def click_button(self, name: str, *, exact: bool = True) -> Visitor:
        self.page.get_by_role("button", name=name, exact=exact).click()
        return self.check()

    def click_link(self, name: str, *, exact: bool = True) -> Visitor:
        self.page.get_by_role("link", name=name, exact=exact).first.click()
        return self.check()

    def fill(self, label: str, value: str, *, exact: bool = True) -> Visitor:
        self.page.get_by_label(label, exact=exact).fill(value)
        return self

    def check(self) -> Visitor:
        """Wait for the page, then fail on any serious or critical accessibility violation."""
        self.page.wait_for_load_state("load")
        found = blocking(axe_violations(self.page))
        assert not found, f"{self.name} at {self.page.url}: {describe(found)}"
        if self.narrow:
            self._fits_narrow()
        self.checked.add(self.page.url)
        return self

    def _fits_narrow(self) -> None:
        """Reflow (WCAG 2.2 1.4.10): no sideways scroll at each narrow width, then back to the width before."""
        before = self.page.viewport_size
        for width in self.narrow:
            self.page.set_viewport_size({"width": width, "height": before["height"]})
            scroll, client = self.page.evaluate(SIDEWAYS)
            assert scroll <= client, f"{self.name} at {self.page.url} scrolls sideways at {width} px ({scroll} px)"
        self.page.set_viewport_size(before)

    # --- Reading --------------------------------------------------------------------------------------

    @property
    def path(self) -> str:
        return self.page.url.removeprefix(self.base_url)

    def h1(self) -> str:
        return " ".join(self.page.locator("h1").first.inner_text().split())

    def text(self) -> str:
        return " ".join(self.page.locator("main").inner_text().split())

    def error_summary(self) -> list[str]:
        summary = self.page.locator(".govuk-error-summary")
        if not summary.count():
            return []
        return [" ".join(item.split()) for item in summary.locator("li").all_inner_texts()]

    def unchecked(self) -> list[str]:
        return [url for url in dict.fromkeys(self.visited) if url not in self.checked]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]
