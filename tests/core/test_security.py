import pytest

from grants.core.security import is_safe_redirect, safe_next


@pytest.mark.parametrize("target", ["/", "/account", "/rounds/3?page=2", "/a/b#section"])
def test_paths_on_this_site_are_safe(target):
    assert is_safe_redirect(target)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        " //evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,hi",
        "evil.example",
        "",
        None,
        "/" + "a" * 2001,
    ],
)
def test_anything_that_could_leave_the_site_is_unsafe(target):
    assert not is_safe_redirect(target)


def test_safe_next_falls_back():
    assert safe_next("//evil.example", "/") == "/"
    assert safe_next("/account", "/") == "/account"
