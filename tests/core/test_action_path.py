"""Every route that changes state goes through the one action path (``grants.core.actions``).

The URL map is walked: each view that accepts POST (or PUT, PATCH, DELETE) must reach ``actions`` —
itself or through a function of its own module it calls — and must not commit for itself. A new route
that runs its own transaction fails here, by name."""

from __future__ import annotations

import ast
import inspect
import sys
from functools import cache

import pytest

from grants import create_app

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ACTION_CALLS = {"carry_out", "record", "refuse"}

# Views that accept a POST but change nothing a commit would keep, each with its reason.
CHANGE_NOTHING: dict[str, str] = {
    "applications.preview": "the officer's preview checks a page of the form as it will be posted, and keeps nothing",
}


def _unsafe_endpoints():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SERVER_NAME": None})
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not (rule.methods or set()) & UNSAFE:
            continue
        found[rule.endpoint] = inspect.unwrap(app.view_functions[rule.endpoint])
    return found


ENDPOINTS = _unsafe_endpoints()


@cache
def _module_functions(module_name: str) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(inspect.getsource(sys.modules[module_name]))
    nested = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    top = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    return nested | top  # a module's own function wins over a function of the same name nested in another


def _calls(node: ast.AST):
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            yield child.func


def _reach(view) -> tuple[bool, list[str]]:
    """Whether the view reaches the action path, and where it commits by itself."""
    functions = _module_functions(view.__module__)
    seen, todo, reaches, commits = set(), [view.__name__], False, []
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        for func in _calls(functions[name]):
            if isinstance(func, ast.Attribute):
                owner = func.value
                if isinstance(owner, ast.Name) and owner.id == "actions" and func.attr in ACTION_CALLS:
                    reaches = True
                if func.attr == "commit" and ast.unparse(owner) == "db.session":
                    commits.append(name)
            elif isinstance(func, ast.Name):
                if func.id == "carry_out":
                    reaches = True
                todo.append(func.id)
    return reaches, commits


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_every_state_changing_route_goes_through_the_action_path(endpoint):
    if endpoint in CHANGE_NOTHING:
        reaches, commits = _reach(ENDPOINTS[endpoint])
        assert not commits, f"{endpoint} is listed as changing nothing, but commits in {commits}"
        return
    reaches, commits = _reach(ENDPOINTS[endpoint])
    assert reaches, f"{endpoint} changes state without grants.core.actions (carry_out or record)"
    assert not commits, f"{endpoint} commits for itself in {commits}; let the action path commit"


def test_the_walk_finds_the_routes_that_change_state():
    """The walk itself can fail: it finds the routes people post to, and knows one that commits."""
    assert {"funding.sign", "applications.check", "accounts.sign_in"} <= set(ENDPOINTS)
    source = "def view():\n    db.session.commit()\n"
    tree = ast.parse(source)
    assert any(ast.unparse(func.value) == "db.session" for func in _calls(tree) if isinstance(func, ast.Attribute))
