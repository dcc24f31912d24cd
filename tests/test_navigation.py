"""The service navigation fits a laptop: at most seven entries whatever roles a person holds, the rest
gathered on landing pages that list only what the person may open, each page headed as its entry."""

import itertools
import re
from dataclasses import dataclass

import pytest

from grants.core.navigation import GROUPS, HOME_LABEL, LANDING_ENDPOINT, menu_for, nav_items_for
from grants.core.permissions import Role
from tests.factories import ApplicantFactory, UserFactory
from tests.helpers import current_nav, h1, nav_labels, text

MOST = 7
EVERY_COMBINATION = [frozenset(roles) for size in range(len(Role) + 1) for roles in itertools.combinations(Role, size)]


@dataclass
class Person:
    """Enough of a signed-in person for the navigation to judge."""

    roles: frozenset[Role]
    is_authenticated: bool = True

    def has_any_role(self, *roles):
        return bool(self.roles & {Role(role) for role in roles})


@pytest.mark.parametrize("roles", EVERY_COMBINATION, ids=lambda roles: "+".join(sorted(roles)) or "no-role")
def test_no_combination_of_roles_has_more_than_seven_entries(app, roles):
    with app.test_request_context():
        menu = menu_for(Person(roles))
    assert len(menu) <= MOST, [entry.label for entry in menu]
    assert menu[0].label == HOME_LABEL
    assert len({entry.label for entry in menu}) == len(menu)


def test_every_group_has_a_different_label_from_every_page():
    from grants.core.navigation import _ITEMS

    assert {group.label for group in GROUPS.values()}.isdisjoint(item.label for item in _ITEMS)


def test_a_visitor_sees_the_public_pages_and_sign_in(client):
    html = client.get("/").get_data(as_text=True)
    assert nav_labels(html) == ["Funding rounds", "Learning library", "Sign in"]


OFFICER_MENU = ["Your work", "Rounds", "Bids", "Projects and funding", "Programme", "Admin", "Your account"]


def test_the_officer_sees_seven_entries_and_sign_out_beside_them(db, client_for):
    html = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER])).get("/").get_data(as_text=True)
    assert nav_labels(html) == [*OFFICER_MENU, "Sign out"]


def test_a_group_with_one_page_for_the_person_links_straight_to_it(db, client_for):
    html = client_for(ApplicantFactory()).get("/").get_data(as_text=True)
    assert nav_labels(html) == [
        "Your work",
        "Funding rounds",
        "Your bids",
        "Projects",
        "Learning library",
        "Account",
        "Sign out",
    ]
    assert 'href="/applications"' in html and 'href="/menu/account"' in html


def _person(roles):
    if Role.APPLICANT in roles:
        return ApplicantFactory(roles=list(roles))
    return UserFactory(roles=list(roles))


def _links(html: str) -> list[tuple[str, str]]:
    listed = re.search(r'<ul class="govuk-list grants-section-pages".*?</ul>', html, flags=re.S)
    found = re.findall(r'<a class="govuk-link" href="([^"]+)">(.*?)</a>', listed.group(0) if listed else "")
    return [(href, text(label)) for href, label in found]


PEOPLE = [frozenset([role]) for role in Role] + [frozenset(Role)]


@pytest.mark.parametrize("roles", PEOPLE, ids=lambda roles: "+".join(sorted(roles)))
def test_landing_pages_list_what_the_person_may_open_and_nothing_else(app, db, client_for, roles):
    from grants.core.navigation import _ITEMS

    client = client_for(_person(roles))
    for key, group in GROUPS.items():
        response = client.get(f"/menu/{key}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert h1(html) == group.label
        listed = {href for href, _ in _links(html)}
        with app.test_request_context():
            from flask import url_for

            registered = {url_for(item.endpoint) for item in _ITEMS if item.group == key}
        for href in registered:
            status = client.get(href).status_code
            if href in listed:
                assert status == 200, f"{key} lists {href}, which answers {status}"
            else:
                assert status in (302, 403, 404), f"{key} leaves out {href}, which answers {status}"


@pytest.mark.parametrize("roles", PEOPLE, ids=lambda roles: "+".join(sorted(roles)))
def test_each_entry_and_landing_page_link_leads_to_a_page_headed_as_it_is_named(db, client_for, roles):
    client = client_for(_person(roles))
    home = client.get("/").get_data(as_text=True)
    entries = re.findall(
        r'<a class="govuk-service-navigation__link" href="([^"]+)"[^>]*>(.*?)</a>',
        re.search(r'<ul class="govuk-service-navigation__list".*?</ul>', home, flags=re.S).group(0),
        flags=re.S,
    )
    links = [(href, text(label)) for href, label in entries]
    for href, _ in list(links):
        if href.startswith("/menu/"):
            links += _links(client.get(href).get_data(as_text=True))
    headings = [(href, h1(client.get(href).get_data(as_text=True))) for href, _ in links]
    assert [pair for pair in headings if pair not in links] == []


def test_the_landing_page_and_the_pages_it_lists_are_marked_current(db, client_for):
    client = client_for(UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.ADMIN]))
    assert current_nav(client.get("/").get_data(as_text=True)) == ["Your work"]
    assert current_nav(client.get("/menu/admin").get_data(as_text=True)) == ["Admin"]
    assert current_nav(client.get("/admin/people").get_data(as_text=True)) == ["Admin"]
    assert current_nav(client.get("/manage/rounds/").get_data(as_text=True)) == ["Rounds"]
    assert current_nav(client.get("/portfolio/partnerships").get_data(as_text=True)) == ["Programme"]
    assert current_nav(client.get("/account").get_data(as_text=True)) == ["Your account"]
    page = client.get("/menu/admin").get_data(as_text=True)
    assert re.search(r'href="/menu/admin"\s+aria-current="page"', page)


def test_a_page_of_a_single_entry_group_marks_that_entry(db, client_for):
    client = client_for(ApplicantFactory())
    assert current_nav(client.get("/applications").get_data(as_text=True)) == ["Your bids"]
    assert current_nav(client.get("/organisation").get_data(as_text=True)) == ["Account"]


def test_an_unknown_section_is_not_found_and_visitors_sign_in_first(db, client, client_for):
    assert client.get("/menu/admin").status_code == 302
    assert client_for(UserFactory(roles=[Role.ADMIN])).get("/menu/nothing").status_code == 404


def test_the_dashboard_and_the_progress_report_each_say_how_they_differ(db, client_for):
    client = client_for(UserFactory(roles=[Role.STEERING_MEMBER]))
    listing = text(client.get("/menu/programme").get_data(as_text=True))
    assert "Totals worked out as you open the page" in listing and "compiled every Monday morning" in listing
    assert "compiled copy" in text(client.get("/portfolio/").get_data(as_text=True))
    assert "as they stand now" in text(client.get("/progress/").get_data(as_text=True))


def test_the_landing_page_says_so_when_none_of_its_pages_is_open_to_the_person(db, client_for):
    html = client_for(ApplicantFactory()).get("/menu/admin").get_data(as_text=True)
    assert _links(html) == [] and "None of these pages is open to your roles" in text(html)


def test_every_item_names_a_group_and_says_what_it_is_for(app):
    with app.test_request_context():
        items = nav_items_for(Person(frozenset(Role)))
    assert all(item.group in GROUPS and item.description.endswith(".") for item in items)
    assert LANDING_ENDPOINT in app.view_functions
