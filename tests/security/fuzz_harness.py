"""The form fuzzer's machinery: find a route's form on its page, post hostile variations of what a
browser would send, and judge each answer.

Judgement, for every example:

* the app never fails: no exception escapes the request (``TESTING`` propagates them) and no 5xx;
* no script the fuzzer sent comes back unescaped;
* no partial write: a refusal (a 4xx, or a page showing the GOV.UK error summary) leaves every table
  as it was, except ``audit_events``, where refusals are recorded by design.

Each example runs inside a savepoint that is rolled back afterwards, so every example starts from the
same world, and a partial write is found by comparing the content hash of each table that PostgreSQL
says the request touched (``pg_stat_xact_user_tables``) with its hash before any example ran.
"""

from __future__ import annotations

import io
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.helpers import table_activity
from tests.security.access_matrix import digests
from tests.security.fuzz_values import HOSTILE, field_value

# Tables a refusal may write to: the audit trail records refused requests on purpose.
REFUSAL_MAY_WRITE = frozenset({"audit_events"})
RAW_SCRIPT = ("<script>alert(1)", "<img src=x onerror=alert(1)>")
KEEP = object()  # send what the browser would
GIANT = 10_000


class FuzzFailure(AssertionError):
    """The app crashed, answered 5xx, reflected script, or half-wrote on this input."""


# --- Forms on a page -----------------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, select, radio, checkbox, hidden, file
    offered: list[str] = field(default_factory=list)  # values the page offers (options, radios, prefill)
    sent: list[str] = field(default_factory=list)  # what a browser would send unchanged


@dataclass
class Form:
    action: str  # absolute path (and query) the form posts to
    multipart: bool = False
    fields: dict[str, FormField] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons

    def add(self, name: str, kind: str, value: str | None, sent: bool) -> None:
        entry = self.fields.setdefault(name, FormField(name, kind))
        if value is not None:
            entry.offered.append(value)
            if sent:
                entry.sent.append(value)


class _FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                action = urljoin(self.page_url, a.get("action") or self.page_url)
                parts = urlsplit(action)
                self._form = Form(
                    action=parts.path + (f"?{parts.query}" if parts.query else ""),
                    multipart="multipart" in a.get("enctype", ""),
                )
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "image", "button", "reset"}:
                form.buttons.append((name, a.get("value", "")))
            elif kind in {"checkbox", "radio"}:
                form.add(name, kind, a.get("value", "on"), sent="checked" in a)
            elif kind == "file":
                form.add(name, "file", None, sent=False)
                form.multipart = True
            elif name != "csrf_token":
                form.add(name, "hidden" if kind == "hidden" else "text", a.get("value", ""), sent=True)
        elif tag == "button" and name:
            form.buttons.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = (name, [], [])
        elif tag == "option" and self._select is not None:
            self._option = a.get("value")
            self._text = []
            if self._option is not None:
                self._select[1].append(self._option)
                if "selected" in a:
                    self._select[2].append(self._option)

    def handle_data(self, data):
        self._text.append(data)

    def handle_endtag(self, tag):
        form = self._form
        if tag == "form" and form is not None:
            self.forms.append(form)
            self._form = None
        elif form is None:
            return
        elif tag == "textarea" and self._textarea:
            form.add(self._textarea, "textarea", "".join(self._text).removeprefix("\n"), sent=True)
            self._textarea = None
        elif tag == "option" and self._select is not None and self._option is None:
            label = "".join(self._text).strip()  # an option without a value sends its text
            self._select[1].append(label)
            self._option = None
        elif tag == "select" and self._select is not None:
            name, options, selected = self._select
            entry = form.fields.setdefault(name, FormField(name, "select"))
            entry.offered += options
            entry.sent += selected or options[:1]
            self._select = None


def forms_on(html: str, page_url: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms


def _path(url: str) -> str:
    return urlsplit(url).path


def find_form(client_factory: Callable, url: str, pages: tuple[str, ...]) -> Form | None:
    """The form that posts to ``url``: on the page at ``url`` itself, or else on one of ``pages``."""
    for page in (url, *pages):
        response = client_factory().get(page)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in forms_on(response.get_data(as_text=True), page):
            if _path(form.action) == _path(url):
                return form
    return None


# --- What was written ---------------------------------------------------------------------------------


class WriteWatch:
    """Which tables a request changed, on the test's one connection (see the module docstring)."""

    def __init__(self, connection, tables: list[str], forget: Callable[[], None]):
        self.connection = connection
        self.tables = tables
        # Closes the test's own session (no savepoint of its may outlive ours) and starts the rate-limit
        # counts afresh: every example starts from the same state.
        self.forget = forget
        self.baseline = digests(connection, tables)

    @contextmanager
    def example(self) -> Iterator[Callable[[], dict[str, str]]]:
        """Run one example in a savepoint; yields a function naming the tables whose content changed."""
        self.forget()
        self.connection.exec_driver_sql("SAVEPOINT fuzz_example")
        before = table_activity(self.connection)

        def changed() -> dict[str, str]:
            after = table_activity(self.connection)
            touched = [table for table in self.tables if after.get(table) != before.get(table)]
            now = digests(self.connection, touched)
            return {table: "changed" for table in touched if now[table] != self.baseline[table]}

        try:
            yield changed
        finally:
            self.forget()
            self.connection.exec_driver_sql("ROLLBACK TO SAVEPOINT fuzz_example")
            self.connection.exec_driver_sql("RELEASE SAVEPOINT fuzz_example")


# --- Fuzzing one form ---------------------------------------------------------------------------------


def _short(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_short(item) for item in value) + "]"
    if isinstance(value, tuple):
        return f"<file {_short(value[1])}, {len(value[0].getvalue())} bytes>"
    return repr(value) if len(value) <= 100 else f"{value[:80]!r}…(len {len(value):,})"


def describe(data: MultiDict) -> str:
    return ", ".join(f"{key}={_short(data.getlist(key))}" for key in data.keys()) or "(nothing)"


UPLOADS = st.none() | st.tuples(
    st.sampled_from([b"%PDF-1.7\n%%EOF\n", b"", b"\x00" * 64, b"<script>alert(1)</script>"]), HOSTILE
)
EXTRA = st.none() | st.tuples(HOSTILE, HOSTILE)


@lru_cache(maxsize=512)
def _keep_or(offered: tuple[str, ...]):
    return st.just(KEEP) | field_value(offered)


@st.composite
def submissions(draw, form: Form) -> MultiDict:
    """What the browser would send, with some fields swapped for hostile values, some left out, some
    repeated, sometimes an unexpected key, and one of the named buttons pressed."""
    data = MultiDict()
    for name, entry in form.fields.items():
        if entry.kind == "file":
            upload = draw(UPLOADS)
            if upload is not None:
                data.add(name, (io.BytesIO(upload[0]), upload[1] or "x.pdf"))
            continue
        choice = draw(_keep_or(tuple(dict.fromkeys(entry.offered))))
        values = entry.sent if choice is KEEP else choice
        if values is None:
            continue
        for value in values if isinstance(values, list) else [values]:
            if len(value) > GIANT:  # one giant value per example: more would only time URL decoding
                if any(len(sent) > GIANT for _key, sents in data.lists() for sent in sents):
                    value = value[:GIANT]
            data.add(name, value)
    extra = draw(EXTRA)
    if extra is not None and extra[0] not in data:
        data.add(*extra)
    if form.buttons:
        button = draw(st.none() | st.sampled_from(form.buttons))
        if button is not None:
            data.add(*button)
    return data


def is_refusal(response) -> bool:
    if response.status_code >= 400:
        return True
    return response.status_code == 200 and b"govuk-error-summary" in response.get_data()


def check_one(post: Callable[[MultiDict], object], watch: WriteWatch, label: str, data: MultiDict) -> str:
    """Post once and judge the answer; returns what happened ("refused 400", "accepted 302"...)."""
    shown = describe(data)
    with watch.example() as changed:
        try:
            response = post(data)
        except Exception as error:  # TESTING propagates what would have been a 500
            raise FuzzFailure(
                f"{label} crashed ({type(error).__name__}: {error}) on: {shown}\n{traceback.format_exc()}"
            ) from error
        status = response.status_code
        if status >= 500:
            raise FuzzFailure(f"{label} answered {status} on: {shown}")
        if response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            reflected = [marker for marker in RAW_SCRIPT if marker in body]
            if reflected:
                raise FuzzFailure(f"{label} reflected {reflected} unescaped on: {shown}")
        if is_refusal(response):
            written = sorted(set(changed()) - REFUSAL_MAY_WRITE)
            if written:
                raise FuzzFailure(f"{label} refused ({status}) but wrote to {written} on: {shown}")
            return f"refused {status}"
        return f"accepted {status}"


FUZZ_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    report_multiple_bugs=False,
    print_blob=False,
    # The fixtures are set up once per test, on purpose: every example runs in its own savepoint.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)


def fuzz_form(
    post: Callable[[MultiDict], object], watch: WriteWatch, form: Form, label: str, max_examples: int
) -> list[str]:
    """Post ``max_examples`` hostile variations of ``form``; raises FuzzFailure (the smallest failing
    input, after shrinking) or returns what each example did."""
    outcomes: list[str] = []

    @settings(FUZZ_SETTINGS, max_examples=max_examples)
    @given(data=submissions(form))
    def run(data):
        outcomes.append(check_one(post, watch, label, data))

    run()
    return outcomes
