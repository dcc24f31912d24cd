"""Reading pages the way a person (or a screen reader) would: headings, navigation, errors."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import event

from grants.extensions import db


def text(html: str) -> str:
    """The visible words of a page, whitespace collapsed."""
    without_tags = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", html, flags=re.S)
    return " ".join(unescape(without_tags).split())


def hidden_value(html: str, name: str) -> str:
    """The value of the hidden field ``name`` as the page draws it."""
    match = re.search(rf'name="{name}"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="{name}"', html)
    assert match, f"no {name} on the page"
    return match.group(1) or match.group(2)


def csrf_token(html: str) -> str:
    return hidden_value(html, "csrf_token")


def form_key(html: str) -> str:
    """The key a creating form carries (``grants.core.once``)."""
    return hidden_value(html, "submission")


def nav_labels(html: str) -> list[str]:
    """The entries of the service navigation, in order (the service name excluded)."""
    lists = re.search(r'<ul class="govuk-service-navigation__list".*?</ul>', html, flags=re.S)
    if not lists:
        return []
    items = re.findall(r'<li class="govuk-service-navigation__item.*?</li>', lists.group(0), flags=re.S)
    return [text(item) for item in items]


def error_summary(html: str) -> list[str]:
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, flags=re.S)
    if not summary:
        return []
    return [text(item) for item in re.findall(r"<li>.*?</li>", summary.group(0), flags=re.S)]


def field_error(html: str, field_id: str) -> str | None:
    """The GOV.UK error message shown beside the field, if any."""
    match = re.search(rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">(.*?)</p>', html, flags=re.S)
    return text(match.group(1)).removeprefix("Error:").strip() if match else None


def h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, flags=re.S)
    return text(match.group(1)) if match else ""


def table_activity(connection) -> dict[str, tuple[int, int, int]]:
    """Each table the connection's transaction has written to: its rows inserted, updated and deleted so far
    (PostgreSQL's ``pg_stat_xact_user_tables``, which counts them even where a savepoint was rolled back)."""
    rows = connection.exec_driver_sql(
        "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables"
    ).all()
    return {name: (inserted, updated, deleted) for name, inserted, updated, deleted in rows}


class QueryCounter:
    """Counts the SQL statements run while it is active: ``with QueryCounter() as count: ...``."""

    def __init__(self):
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)


def current_nav(html: str) -> list[str]:
    """The navigation entries marked as the current page or section."""
    lists = re.search(r'<ul class="govuk-service-navigation__list".*?</ul>', html, flags=re.S)
    items = re.findall(
        r"<li class=\"govuk-service-navigation__item.*?</li>", lists.group(0) if lists else "", flags=re.S
    )
    return [text(item) for item in items if "aria-current=" in item]


def run_task(task, *args):
    """Run a Celery task in-process and return its result (or raise its error).

    ``disable_sync_subtasks=False``: Celery's guard against joining inside a task is one flag shared
    by all threads, which tests that run work in several threads at once can leave set."""
    return task.apply(args=args).get(disable_sync_subtasks=False)


def register(client, *, name: str, email: str, password: str, confirm: bool = True):
    """Register through the forms as a newcomer does: the registration form, then (``confirm``) the link
    emailed to the address and the password entered on its page. Returns the last response."""
    from tests.fixtures.mail import emailed_link

    data = {"name": name, "email": email, "password": password, "confirm_password": password}
    response = client.post("/register", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/register/check-your-email", response
    if not confirm:
        return response
    response = client.post(emailed_link(email, "/register/confirm/"), data={"password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response
