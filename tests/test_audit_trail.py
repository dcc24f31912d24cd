"""The audit trail as the programme team reads it: filters by event, person and dates, a page at a time,
each change in words, and the object linked for those who may open it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

from grants.core import audit
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from tests.factories import ApplicationFactory, UserFactory, funded_project
from tests.helpers import QueryCounter, error_summary, text


def _event(action, *, actor=None, when=None, before=None, after=None, object_type="thing", object_id="1"):
    row = AuditEvent(
        action=action,
        actor_id=actor.id if actor else None,
        occurred_at=when or datetime(2027, 3, 10, 12, tzinfo=UTC),
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
    )
    audit.db.session.add(row)
    return row


class _Table(HTMLParser):
    """The body rows of a page's tables: each cell's words and the first link in it."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[tuple[str, str | None]]] = []
        self._in_body = False
        self._cell: list[str] | None = None
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag in ("td", "th"):
            self._cell, self._href = [], None
        elif tag == "a" and self._cell is not None and self._href is None:
            self._href = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append((" ".join(" ".join(self._cell).split()), self._href))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _cells(response) -> list[list[tuple[str, str | None]]]:
    assert response.status_code == 200
    table = _Table()
    table.feed(response.get_data(as_text=True))
    return table.rows


def _rows(response) -> list[list[str]]:
    return [[words for words, _ in row] for row in _cells(response)]


def _options(response, select_id: str) -> list[tuple[str, str, bool]]:
    """(value, words, selected) of each option of a select."""
    select = re.search(rf'<select[^>]*id="{select_id}".*?</select>', response.get_data(as_text=True), flags=re.S)
    assert select, select_id
    return [
        (value, text(words), "selected" in attributes)
        for value, attributes, words in re.findall(r'<option value="([^"]*)"([^>]*)>(.*?)</option>', select.group(0))
    ]


def _events(response) -> list[str]:
    return [row[2] for row in _rows(response)]


def test_filters_by_event_chosen_from_those_in_the_trail(db, programme_officer_client):
    _event("round.opened")
    _event("user.created")
    db.session.commit()
    response = programme_officer_client.get("/admin/audit?event=round.opened")
    assert _events(response) == ["round.opened"]
    options = _options(response, "event")
    assert {"round.opened", "user.created"} <= {value for value, _, _ in options} and options[0][0] == ""
    assert [value for value, _, selected in options if selected] == ["round.opened"]


def test_filters_by_person_chosen_from_those_who_appear(db, programme_officer_client):
    ruth = UserFactory(name="Ruth Acting")
    UserFactory(name="Never Acted")
    _event("ruth.did", actor=ruth)
    _event("someone.else.did", actor=UserFactory(name="Other Actor"))
    db.session.commit()
    response = programme_officer_client.get(f"/admin/audit?person={ruth.id}")
    assert _events(response) == ["ruth.did"]
    people = [words for _, words, _ in _options(response, "person")]
    assert any(name.startswith("Ruth Acting") for name in people)
    assert not any(name.startswith("Never Acted") for name in people)


def test_filters_by_dates_given_in_the_address_or_the_date_inputs(db, programme_officer_client):
    _event("early.event", when=datetime(2027, 1, 5, 10, tzinfo=UTC))
    _event("middle.event", when=datetime(2027, 2, 14, 23, 30, tzinfo=UTC))
    _event("late.event", when=datetime(2027, 4, 1, 9, tzinfo=UTC))
    db.session.commit()
    assert _events(programme_officer_client.get("/admin/audit?since=2027-02-01&until=2027-03-31")) == ["middle.event"]
    assert _events(programme_officer_client.get("/admin/audit?since=2027-02-15")) == ["late.event"]
    fields = "since-day=1&since-month=2&since-year=2027&until-day=14&until-month=2&until-year=2027"
    assert _events(programme_officer_client.get(f"/admin/audit?{fields}")) == ["middle.event"]
    assert _events(programme_officer_client.get("/admin/audit?until=2027-01-05")) == ["early.event"]


def test_a_date_that_is_not_real_is_said_and_filters_nothing(db, programme_officer_client):
    _event("some.event")
    db.session.commit()
    response = programme_officer_client.get("/admin/audit?since-day=31&since-month=2&since-year=2027")
    assert error_summary(response.get_data(as_text=True)) == ["From must be a real date, like 27 3 2027"]
    assert _events(response) == ["some.event"]


def test_the_trail_is_a_page_at_a_time(db, programme_officer_client):
    for n in range(30):
        _event(f"event.number{n:02d}", when=datetime(2027, 3, 1, 0, n, tzinfo=UTC))
    db.session.commit()
    first = programme_officer_client.get("/admin/audit?event=")
    assert len(_rows(first)) == 25 and _events(first)[0] == "event.number29"
    assert "30 events, showing 1 to 25" in text(first.get_data(as_text=True))
    second = programme_officer_client.get("/admin/audit?page=2")
    assert _events(second) == [f"event.number{n:02d}" for n in range(4, -1, -1)]


def test_each_change_reads_field_before_and_after(db, programme_officer_client):
    _event(
        "project.repayment_changed",
        before={"repayment_pence": 150000, "status": "requested"},
        after={"repayment_pence": 90000, "status": "requested", "reason": "Agreed with the board"},
    )
    db.session.commit()
    change = _rows(programme_officer_client.get("/admin/audit"))[0][4]
    assert "Repayment: £1,500.00 → £900.00" in change
    assert "Status: requested → requested" in change
    assert "Reason: Agreed with the board" in change
    assert "{" not in change


def test_objects_link_only_where_the_reader_may_open_them(db, app, programme_officer_client, admin_client):
    bid = ApplicationFactory()
    project = funded_project()
    _event("application.submitted", object_type="application", object_id=str(bid.id))
    _event("project.created", object_type="project", object_id=str(project.id))
    _event("project.created", object_type="project", object_id="999999")
    _event("user.created", object_type="user", object_id=str(admin_client.user.id))
    db.session.commit()

    def links(client) -> dict[str, str | None]:
        return dict(row[3] for row in _cells(client.get("/admin/audit")))

    officer = links(programme_officer_client)
    assert officer[f"Application {bid.id}"] == f"/manage/applications/{bid.id}"
    assert officer[f"Project {project.id}"] == f"/projects/{project.id}"
    assert officer["Project 999999"] is None  # no such project: named, not linked
    assert officer[f"User {admin_client.user.id}"] is None  # an officer does not manage people
    admin = links(admin_client)
    assert admin[f"Application {bid.id}"] is None and admin[f"Project {project.id}"] is None
    assert admin[f"User {admin_client.user.id}"] == f"/admin/people/{admin_client.user.id}/roles"


def test_a_page_of_the_trail_costs_the_same_queries_however_many_events_and_objects(db, programme_officer_client):
    actors = [UserFactory() for _ in range(3)]

    def queries_for(count: int) -> int:
        for n in range(count):
            project = funded_project() if n % 10 == 0 else None
            _event(
                f"thing.happened{n % 4}",
                actor=actors[n % 3],
                object_type="project" if project else "application",
                object_id=str(project.id if project else n + 1),
                after={"n": n},
            )
        db.session.commit()
        with QueryCounter() as counter:
            response = programme_officer_client.get("/admin/audit?since=2020-01-01")
        assert response.status_code == 200
        return counter.count

    assert queries_for(3) == queries_for(40)


def test_the_trail_is_for_the_programme_team_and_administrators(db, client_for):
    for role in (Role.APPLICANT, Role.STEERING_CHAIR, Role.FINANCE_APPROVER):
        assert client_for(UserFactory(roles=[role])).get("/admin/audit?event=x").status_code == 403
    assert re.search(
        "Audit trail", client_for(UserFactory(roles=[Role.ADMIN])).get("/admin/audit").get_data(as_text=True)
    )
