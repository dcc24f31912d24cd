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
