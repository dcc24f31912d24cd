"""The accessibility check itself: the public pages pass it, and it catches a violation put there on
purpose (an input without a label), so a journey that passes has really been checked."""

from tests.browser.accessibility import axe_violations, blocking


def test_the_public_pages_have_no_serious_violations(person):
    visitor = person("Visitor")
    for path in ("/", "/rounds/", "/learning/", "/sign-in", "/register", "/accessibility", "/no-such-page"):
        visitor.go(path)
    assert visitor.h1() == "Page not found"


def test_an_input_without_a_label_is_caught(person):
    visitor = person("Visitor")
    visitor.go("/")
    visitor.page.evaluate(
        """() => {
            const input = document.createElement("input");
            input.type = "text";
            input.id = input.name = "unlabelled";
            document.querySelector("main").appendChild(input);
        }"""
    )
    found = blocking(axe_violations(visitor.page))
    assert [violation["id"] for violation in found] == ["label"]
    assert found[0]["impact"] == "critical" and found[0]["targets"] == ["#unlabelled"]


def test_the_two_factor_and_personal_data_pages_have_no_serious_violations(person, live_server):
    """Each page is checked with axe as it is reached: the second step of signing in, the account's
    two-factor and personal-data pages, new recovery codes, and the officer's anonymising list."""
    from grants.core.permissions import Role
    from grants.extensions import db
    from tests.browser.setup_data import sign_in
    from tests.factories import PASSWORD, UserFactory

    with live_server.app.app_context():
        UserFactory(roles=[Role.PROGRAMME_OFFICER], email="ada.officer@example.org", name="Ada Officer")
        db.session.commit()
    ada = sign_in(person("Ada, programme officer"), "ada.officer@example.org", next_path="/account")
    assert ada.path == "/account"
    ada.click_link("Manage two-factor sign-in")
    assert ada.h1() == "Two-factor sign-in"
    ada.fill("Your password", PASSWORD).click_button("Make new recovery codes")
    assert ada.h1() == "Save your recovery codes"
    ada.go("/account/personal-data")
    assert ada.h1() == "Your personal data"
    ada.go("/manage/personal-data/")
    assert ada.h1() != "Page not found"
