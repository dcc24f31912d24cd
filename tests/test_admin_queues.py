"""The administrator's home: people waiting for a role (until they are given one), and the refusals of the
last seven days about access and accounts, by kind, each a link to the audit trail filtered to it."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from grants.admin import queues as admin_queues
from grants.core import audit
from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.core.times import from_london, london_today
from grants.extensions import db as _db
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.fixtures.clients import sign_in_client
from tests.helpers import text
from tests.work_queues import home_queue


def home(client, key: str) -> tuple[int, str, list[str]]:
    """The queue ``key`` on the person's home: its count, its words, where its items link."""
    shown = home_queue(client, key)
    return shown.count, shown.words, shown.links


# --- People waiting for a role ----------------------------------------------------------------------------


def test_a_person_without_a_role_waits_until_an_administrator_gives_them_one(db, admin_client):
    waiting = UserFactory(roles=[], name="Priya Shah", organisation=OrganisationFactory(name="Harbourside Council"))
    UserFactory(roles=[Role.APPLICANT])  # has a role
    UserFactory(roles=[], unconfirmed_since=utcnow())  # has not confirmed their address yet
    UserFactory(roles=[], is_active=False)  # account closed
    count, words, links = home(admin_client, "admin.people")
    assert (count, links) == (1, [f"/admin/people/{waiting.id}/roles"])
    assert "Give Priya Shah a role" in words
    assert f"{waiting.email}, Harbourside Council, account made on" in words

    response = admin_client.post(links[0], data={"roles": ["enabler"], "password": PASSWORD})
    assert response.status_code == 302
    count, words, links = home(admin_client, "admin.people")
    assert (count, links) == (0, []) and "Everyone with an account has a role." in words


def test_the_oldest_accounts_come_first_and_the_rest_are_a_link_away(db, admin_client):
    people = [UserFactory(roles=[], created_at=utcnow() - timedelta(days=10 - n)) for n in range(7)]
    count, words, links = home(admin_client, "admin.people")
    assert count == 7
    assert links == [f"/admin/people/{person.id}/roles" for person in people[:5]]
    assert "Everyone with an account (2 more)" in words


# --- Refusals worth a look ----------------------------------------------------------------------------------


def _refusal(action: str, days_ago: float = 0, **after) -> None:
    event = audit.record(action, object_type="request", after=after or None)
    event.occurred_at = utcnow() - timedelta(days=days_ago)
    _db.session.commit()


def _query(href: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(href)
    return parts.path, parse_qs(parts.query)


def test_refusals_of_the_last_seven_days_are_listed_by_kind_with_a_link_to_the_audit_trail(db, app, admin_client):
    officer = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    assert officer.get("/admin/people").status_code == 403  # a refusal of access, recorded
    _refusal("access.refused", status=403)
    _refusal("auth.sign_in_failed", days_ago=1)
    _refusal("access.refused", days_ago=8)  # too long ago
    _refusal("funding.release_refused", reason="Enter the payment reference")  # an everyday refusal
    count, words, links = home(admin_client, "admin.refusals")
    assert count == 2
    assert "3 in the last 7 days, of 2 kinds" in words
    assert "Pages and actions refused for want of permission 2 times, the latest on" in words
    assert "Failed sign-ins once, the latest on" in words
    since = (london_today() - timedelta(days=7)).isoformat()
    assert [_query(link) for link in links] == [
        ("/admin/audit", {"event": ["access.refused"], "since": [since]}),
        ("/admin/audit", {"event": ["auth.sign_in_failed"], "since": [since]}),
    ]
    html = admin_client.get("/").get_data(as_text=True)
    assert f'href="/admin/audit?since={since}"' in html  # the whole trail of those days


def test_a_refusal_leaves_the_queue_once_it_is_older_than_the_seven_days(db, admin_client):
    midnight = from_london(datetime.combine(london_today() - timedelta(days=7), time()))
    for action, when in (
        ("auth.reauthentication_failed", midnight),
        ("auth.two_factor_failed", midnight - timedelta(seconds=1)),
    ):
        event = audit.record(action, object_type="request")
        event.occurred_at = when
    _db.session.commit()
    count, words, _ = home(admin_client, "admin.refusals")
    assert count == 1 and "Wrong passwords when confirming a payment or a change once" in words
    assert "Wrong two-factor codes" not in words


def test_every_refusal_about_access_and_accounts_is_worth_a_look():
    """Each refusal or failure the service audits under access, sign-in, accounts, privacy and exports is
    named in the queue's list: a new one added without a name fails here."""
    pattern = re.compile(r"\"((?:access|auth|user|privacy|exports)\.[a-z_]*(?:refused|failed|rate_limited))\"")
    audited = {
        name for path in Path("grants").rglob("*.py") for name in pattern.findall(path.read_text(encoding="utf-8"))
    }
    assert audited, "no refusal found: the pattern no longer matches how refusals are named"
    assert audited <= set(admin_queues.WORTH_A_LOOK), sorted(audited - set(admin_queues.WORTH_A_LOOK))


# --- Nothing waiting ----------------------------------------------------------------------------------------


def test_with_nothing_waiting_each_queue_says_so(db, admin_client):
    html = admin_client.get("/").get_data(as_text=True)
    assert "Nothing needs you right now: every list below is clear." in text(html)
    count, words, links = home(admin_client, "admin.people")
    assert (count, links) == (0, []) and "Everyone with an account has a role." in words
    count, words, links = home(admin_client, "admin.refusals")
    assert (count, links) == (0, [])
    assert "Nothing about access or accounts has been refused in the last 7 days." in words
