"""The official 360Giving schemas (copied into tests/data/360giving), ready to validate offline: the
package schema's reference to the grant schema is served from the local copy, and date formats are checked."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "360giving"


def _load(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


PACKAGE_SCHEMA = _load("360-giving-package-schema.json")
GRANT_SCHEMA = _load("360-giving-schema.json")

# The package refers to the grant schema by a URL (of an earlier release than the grant schema's own $id):
# both names lead to the local copy, so no network is needed.
_grant = DRAFT202012.create_resource(GRANT_SCHEMA)
_registry = Registry().with_resources(
    [(PACKAGE_SCHEMA["properties"]["grants"]["items"]["$ref"], _grant), (GRANT_SCHEMA["$id"], _grant)]
)
PACKAGE_VALIDATOR = Draft202012Validator(
    PACKAGE_SCHEMA, registry=_registry, format_checker=Draft202012Validator.FORMAT_CHECKER
)


def package_errors(package: dict) -> list[str]:
    """Every way the package breaks the schema, as ``path: message`` lines (empty when it is valid)."""
    errors = sorted(PACKAGE_VALIDATOR.iter_errors(package), key=lambda error: list(error.absolute_path))
    return [f"{'/'.join(str(part) for part in error.absolute_path)}: {error.message}" for error in errors]
