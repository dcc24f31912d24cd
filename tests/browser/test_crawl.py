"""Every demo person walks every page they can reach: a visitor signed out, then each demo account
signed in (two-factor set up as their role needs), follows the same-origin links on every page from
the start page (GET only, breadth first), and every page reached is checked for

- accessibility: axe-core with the WCAG 2.2 A and AA rules, no serious or critical violation;
- broken links: no 4xx or 5xx answer to a link the application itself drew (page → link → status);
- reflow (WCAG 2.2 1.4.10): no sideways scroll (``scrollWidth > clientWidth`` on the root element) at
  1280 px and at 320 CSS px.

Not followed: signing out (and, signed in, signing in or registering), links out of the service,
``mailto:`` and ``tel:``, static files and links marked ``download``. A download (CSV, XLSX, PDF, JSON,
Atom: anything not HTML) is fetched for its status only.

To keep the walk to minutes:

- links are grouped by pattern: the path and the names of its query parameters, every run of digits
  read as ``{n}`` (``/projects/12`` and ``/projects/31`` are one pattern, ``?page=2`` and ``?page=3``
  too), and each person visits at most ``PER_PATTERN`` (2) links of a pattern;
- the public pages that are the same for everyone (``PUBLIC``: the learning library, the cookies,
  privacy and accessibility statements, the API's documentation) are walked by the visitor signed out,
  not again by every person signed in.

Every failure is collected and the test fails once, at the end, with the whole list. It prints how
many pages each person visited and how long the walk took; the same, with each failure as it is found,
goes to ``test-artifacts/browser/crawl.txt``.

The demo data is the one ``make run`` seeds (``grants.demo``), on this module's own database, with two
things the demo does not hold, so that the pages of a round's form are walked however the links of a
pattern fall (``STARTS``, walked whatever their pattern's count): a draft round whose form has a question
of every kind, which the programme officer walks from its form's overview, every question's and every
kind's details form and every page's preview; and a draft expression of interest by the demo applicant
Aisha Khan, whose task list, every page of its form and check-your-answers page she walks.
"""

from __future__ import annotations

import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest

from grants.accounts.models import User
from grants.demo.data import DEMO_PASSWORD, DEMO_USERS
from tests.browser.accessibility import axe_violations, blocking, describe
from tests.browser.conftest import ARTIFACTS
from tests.browser.setup_data import sign_in

PER_PATTERN = 2
WIDTHS = (1280, 320)
HEIGHT = 900
NEVER = re.compile(r"^/(static|assets)/|^/sign-out$")
SIGNED_IN_SKIP = re.compile(r"^/(sign-in|register)(/|$)")
PUBLIC = re.compile(r"^/(learning/|cookies$|privacy$|accessibility$|api/docs$)")
DOWNLOADS = re.compile(r"\.(csv|xlsx|pdf|json|atom|xml|zip)$")

# Every link on the page, as the browser resolved it (absolute), leaving out those marked download.
LINKS = """() => Array.from(document.querySelectorAll("a[href]"))
    .filter(a => !a.hasAttribute("download")).map(a => a.href)"""
SIDEWAYS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def pattern(path_and_query: str) -> str:
    """``/projects/12/funding?page=3&sort=due`` → ``/projects/{n}/funding?page&sort``."""
    parts = urlsplit(path_and_query)
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "{n}", parts.path + ("?" + "&".join(names) if names else ""))


def test_pattern_reads_digits_as_one_and_keeps_only_the_names_of_parameters():
    assert pattern("/projects/12/reports/3") == pattern("/projects/7/reports/41") == "/projects/{n}/reports/{n}"
    assert pattern("/portfolio/partnerships?page=2&sort=name") == "/portfolio/partnerships?page&sort"
    assert pattern("/rounds/LV2-0005") == "/rounds/LV{n}-{n}"


@dataclass
class Walk:
    """One person's walk: where they have been, and what went wrong on the way."""

    name: str
    base_url: str
    signed_in: bool
    log: object
    seen: set[str] = field(default_factory=set)
    per_pattern: Counter = field(default_factory=Counter)
    queue: deque = field(default_factory=deque)  # (path, the page whose link led here)
    pages: int = 0
    downloads: int = 0
    failures: list[str] = field(default_factory=list)

    def offer(self, url: str, found_on: str) -> None:
        url, _ = urldefrag(url)
        if url != self.base_url and not url.startswith(self.base_url + "/"):
            return  # another site, mailto:, tel:, javascript:
        path = url.removeprefix(self.base_url) or "/"
        route = urlsplit(path).path
        if path in self.seen or NEVER.search(route):
            return
        if self.signed_in and (SIGNED_IN_SKIP.search(route) or PUBLIC.search(route)):
            return
        self.seen.add(path)
        shape = pattern(path)
        if self.per_pattern[shape] >= PER_PATTERN:
            return
        self.per_pattern[shape] += 1
        self.queue.append((path, found_on))

    def start(self, path: str) -> None:
        """A page the walk must reach, whatever the count of its pattern."""
        if path not in self.seen:
            self.seen.add(path)
            self.per_pattern[pattern(path)] += 1
            self.queue.append((path, "(a start of the walk)"))

    def fail(self, path: str, what: str) -> None:
        failure = f"{self.name} at {path}: {what}"
        self.failures.append(failure)
        print(failure, file=self.log, flush=True)


def _status(walk: Walk, context, path: str, found_on: str) -> None:
    """A download: its status is all that is checked."""
    walk.downloads += 1
    response = context.request.get(walk.base_url + path)
    if response.status >= 400:
        walk.fail(path, f"answered {response.status}, linked from {found_on}")
    response.dispose()


def _visit(visitor, walk: Walk, path: str, found_on: str) -> None:
    page = visitor.page
    if DOWNLOADS.search(urlsplit(path).path):
        _status(walk, page.context, path, found_on)
        return
    try:
        response = page.goto(walk.base_url + path, wait_until="load")
    except Exception as error:  # noqa: BLE001 (a download without a telling name)
        if "Download is starting" not in str(error):
            walk.fail(path, f"did not load ({str(error).splitlines()[0]}), linked from {found_on}")
        else:
            _status(walk, page.context, path, found_on)
        return
    visitor.checked.add(page.url)  # whatever it is, it is checked below as far as it applies
    if response is None:
        return
    if response.status >= 400:
        walk.fail(path, f"answered {response.status}, linked from {found_on}")
    if walk.signed_in and urlsplit(page.url.removeprefix(walk.base_url)).path == "/sign-in":
        walk.fail(path, f"asked to sign in again, linked from {found_on}")
        return
    if (response.headers.get("content-type") or "").split(";")[0].strip() != "text/html":
        walk.downloads += 1
        return  # shown by the browser (JSON, plain text): its status is all that is checked
    walk.pages += 1
    found = blocking(axe_violations(page))
    if found:
        walk.fail(path, describe(found))
    for width in WIDTHS:
        if width != WIDTHS[0]:
            page.set_viewport_size({"width": width, "height": HEIGHT})
        scroll, client = page.evaluate(SIDEWAYS)
        if scroll > client:
            walk.fail(path, f"scrolls sideways at {width} px ({scroll} px wide)")
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    for url in page.evaluate(LINKS):
        walk.offer(url, path)


def crawl(visitor, walk: Walk, starts: tuple[str, ...] = ()) -> Walk:
    started = time.monotonic()
    for path in starts:
        walk.start(path)
    walk.offer(visitor.page.url, "(where signing in led)")
    walk.offer(walk.base_url + "/", "(the start page)")
    while walk.queue:
        path, found_on = walk.queue.popleft()
        _visit(visitor, walk, path, found_on)
    print(
        f"-- {walk.name}: {walk.pages} pages, {walk.downloads} downloads, {len(walk.failures)} failures, "
        f"{time.monotonic() - started:.0f} s",
        file=walk.log,
        flush=True,
    )
    return walk


@pytest.fixture(scope="module")
def starts(demo) -> dict[str, tuple[str, ...]]:
    """Pages of rounds' forms each person's walk starts from (with their own links), by email."""
    from grants.bidforms.kinds import KINDS
    from grants.bidforms.queries import form_of
    from grants.demo.interest import CODE
    from grants.extensions import db
    from grants.rounds.models import Round
    from tests.factories import ApplicationFactory, RoundFactory
    from tests.form_specs import EVERY_KIND

    with demo.app.app_context():
        draft = RoundFactory(code="LV5", title="Local Vision wave 5", status="draft", form=EVERY_KIND)
        interest = db.session.scalars(db.select(Round).where(Round.code == CODE)).one()
        aisha = db.session.scalars(db.select(User).where(User.email == "applicant@example.org")).one()
        bid = ApplicationFactory(
            round=interest,
            lead_organisation=aisha.organisation,
            lead_applicant=aisha,
            title="Talking at the kitchen table",
            answers={"idea": "Residents and services plan the way home together.", "partners_agreed": "yes"},
            section_states={"idea": "completed"},
        )
        form = f"/manage/rounds/{draft.id}/form"
        pages = form_of(draft.id).pages
        officer = (
            f"{form}/",
            f"/manage/rounds/{interest.id}/form/",
            *(f"{form}/questions/{question.id}" for page in pages for question in page.questions),
            *(f"{form}/questions/new/{kind}?page={pages[-1].id}" for kind in KINDS),
            *(f"{form}/preview/{page.key}" for page in pages),
        )
        sections = (f"/applications/{bid.id}/sections/{page.key}" for page in form_of(interest.id).pages)
        applicant = (f"/applications/{bid.id}", *sections, f"/applications/{bid.id}/check")
        return {"officer@example.org": officer, "applicant@example.org": applicant}


def test_every_demo_person_reaches_only_accessible_pages_that_reflow(person, demo, starts, capsys):
    started = time.monotonic()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    walks = []
    with (ARTIFACTS / "crawl.txt").open("w") as log:
        walks.append(crawl(person("Visitor, signed out"), Walk("Visitor, signed out", demo.url, False, log)))
        for email, name, roles, _ in DEMO_USERS:
            label = f"{name}, {' and '.join(role.label.lower() for role in roles)}"
            visitor = sign_in(person(label), email, DEMO_PASSWORD)
            walks.append(crawl(visitor, Walk(label, demo.url, True, log), starts.get(email, ())))
        took = f"The crawl took {time.monotonic() - started:.0f} s."
        print(took, file=log)
    failures = [failure for walk in walks for failure in walk.failures]
    with capsys.disabled():
        print(f"\n{took} Pages checked by each person (downloads checked for their status only):")
        for walk in walks:
            print(f"  {walk.name}: {walk.pages} pages, {walk.downloads} downloads, {len(walk.failures)} failures")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
