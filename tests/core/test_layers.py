"""The layers of grants/ hold (import-linter's contracts in pyproject.toml), and no module reaches into
a library's private attributes: what it relies on is public API, pinned and tested."""

from __future__ import annotations

import ast
import pathlib
import re
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = sorted(path for folder in ("grants", "tests", "workers") for path in (ROOT / folder).rglob("*.py"))
LOCAL = {"grants", "tests", "config", "workers", "wsgi"}

# Private attributes of Flask-Limiter and Flask-SQLAlchemy the code once set or read (a Limiter's
# storage swapped per application, the test database's engine swapped per test): never again.
ONCE_USED = (
    "_app_engines",
    "_storage",
    "_storage_uri",
    "_storage_options",
    "_storage_dead",
    "_limiter",
    "_strategy",
    "_key_prefix",
    "_fallback_storage",
    "_fallback_limiter",
    "_in_memory_fallback_enabled",
    "_exempt_views",
    "_exempt_blueprints",
    "_order_by_clauses",
)
# Public despite the underscore (werkzeug's documented LocalProxy method; namedtuple's API).
PUBLIC = {"_get_current_object", "_asdict", "_replace", "_fields", "_make"}
# Reaches that remain, each with why; a new one fails the test below.
KNOWN = {
    # SQLAlchemy's selectin batch size, set for the budgets; monkeypatch fails loudly if it is renamed.
    ("tests/performance/test_query_budgets.py", "strategies._SelectInLoader"),
}


def test_areas_import_only_downward_and_core_imports_none():
    lint_imports = pathlib.Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_no_upward_import_is_excused():
    """An area needing something of an area above has that area fill it in when it is set up."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    excused = {contract["name"]: contract.get("ignore_imports") for contract in contracts}
    assert excused == {"core imports no domain area": None, "areas import only downward": None}


def test_no_private_attribute_once_used_is_used_again():
    pattern = re.compile(r"\.(" + "|".join(ONCE_USED) + r")\b")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in SOURCES
        if path != pathlib.Path(__file__).resolve()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, found


def _library_names(tree: ast.AST) -> set[str]:
    """Names bound to a third-party module or object, or to one of the extensions (db, csrf ...)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top not in LOCAL and top not in sys.stdlib_module_names:
                    names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top = node.module.split(".")[0]
            if node.module == "grants.extensions" or (top not in LOCAL and top not in sys.stdlib_module_names):
                names.update(alias.asname or alias.name for alias in node.names)
    return names


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def private_reaches(path: pathlib.Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names = _library_names(tree)
    return [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and node.attr not in PUBLIC
        and isinstance(root := _root(node.value), ast.Name)
        and root.id in names
    ]


def test_no_module_reaches_a_library_private_attribute():
    found = {
        (str(path.relative_to(ROOT)), reach)
        for path in SOURCES
        if path != pathlib.Path(__file__).resolve()
        for reach in private_reaches(path)
    }
    assert found - KNOWN == set(), "use the library's public API (or pin it and test it)"
    assert KNOWN - found == set(), "gone: take it off KNOWN"


def test_the_scan_sees_a_reach_into_a_library(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from grants.extensions import db as _db\nimport flask\n_db._app_engines\nflask.g._x\n")
    assert private_reaches(sample) == ["_db._app_engines", "flask.g._x"]
