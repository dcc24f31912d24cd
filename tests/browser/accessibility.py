"""Accessibility checks with axe-core (from npm, injected into the page): WCAG 2.2 A and AA rules, and
no violation of serious or critical impact allowed."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from config import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")


def axe_path() -> Path:
    return AXE


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """Every violation axe finds on the page as it is now: rule id, impact, help and the elements."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # A page of a context the journeys' ``person`` did not make. Evaluated through the browser's debugging
        # protocol (as the ``person``'s init script is), which the page's Content Security Policy (no inline
        # scripts) does not govern: the policy stays on for the journeys.
        page.evaluate(_axe_source() + "\n;true")
    return page.evaluate(
        """async (tags) => {
            // Only violations are read: details of the rules passed are not gathered (quicker on long pages).
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
            }));
        }""",
        WCAG_TAGS,
    )


def blocking(violations: list[dict]) -> list[dict]:
    return [violation for violation in violations if violation["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    return "; ".join(f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}" for v in violations)
