from __future__ import annotations

import re
from typing import Any

from grants.core import audit
from grants.core.errors import GrantsError
from grants.directory.models import Organisation, Place, Theme
from grants.extensions import db


class DirectoryError(GrantsError):
    """A change to the directory refused; ``field`` names the organisation's or theme's field."""


FIELDS = (
    "name",
    "sector",
    "charity_number",
    "company_number",
    "org_id",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "place_id",
)


def save_organisation(user: Any, values: dict[str, Any]) -> Organisation:
    """Create the applicant's organisation, or update the one they belong to.

    An organisation so far only named as a partner in someone's bid (no one belongs to it) is taken on
    by the first applicant who registers it with its identifier; one that has members is never taken.
    """
    if values["place_id"] is None or db.session.get(Place, values["place_id"]) is None:
        raise DirectoryError("Select the local authority area", field="place_id")
    organisation: Organisation | None = user.organisation
    claimed = False
    if values["org_id"]:
        holder = db.session.scalar(db.select(Organisation).where(Organisation.org_id == values["org_id"]))
        if holder is not None and holder is not organisation:
            if organisation is not None or _has_members(holder):
                raise DirectoryError(
                    "An organisation with this identifier is already registered. Ask a colleague who uses Grants "
                    "to contact the programme team, who can add you to it.",
                    field="org_id",
                )
            organisation, claimed = holder, True
            user.organisation = holder
    before = {key: getattr(organisation, key) for key in FIELDS} if organisation and not claimed else None
    if organisation is None:
        organisation = Organisation()
        db.session.add(organisation)
        user.organisation = organisation
    for key in FIELDS:
        setattr(organisation, key, values[key])
    db.session.flush()
    after = {key: getattr(organisation, key) for key in FIELDS}
    if before is None:
        audit.record(
            "organisation.claimed" if claimed else "organisation.created", organisation, actor=user, after=after
        )
    elif before != after:
        changed = [key for key in FIELDS if before[key] != after[key]]
        audit.record(
            "organisation.updated",
            organisation,
            actor=user,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )
    return organisation


def _has_members(organisation: Organisation) -> bool:
    from grants.accounts.models import User

    return db.session.scalar(db.select(User.id).where(User.organisation_id == organisation.id).limit(1)) is not None


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "theme"


def save_theme(theme: Theme | None, values: dict[str, Any], *, actor: Any) -> Theme:
    clash = db.session.scalar(db.select(Theme).where(db.func.lower(Theme.name) == values["name"].lower()))
    if clash is not None and clash is not theme:
        raise DirectoryError("A theme with this name already exists", field="name")
    before = None
    if theme is None:
        slug, number = slugify(values["name"]), 1
        while db.session.scalar(db.select(Theme.id).where(Theme.slug == slug)):
            number += 1
            slug = f"{slugify(values['name'])[:76]}-{number}"
        theme = Theme(slug=slug)
        db.session.add(theme)
    else:
        before = {"name": theme.name, "description": theme.description, "is_active": theme.is_active}
    theme.name, theme.description, theme.is_active = values["name"], values["description"], values["is_active"]
    db.session.flush()
    audit.record("theme.saved", theme, actor=actor, before=before, after=values)
    return theme
