"""Awarded grants in the 360Giving Data Standard (1.4): each grant as a 360Giving grant object, the JSON
data package written a grant at a time, and the same grants in the 360Giving spreadsheet layout (CSV).

Field names, code lists and column titles follow the standard's schema (``360-giving-schema.json``) and
its ``geoCodeType`` and ``locationScope`` code lists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from grants.bidforms.kinds import shown
from grants.core.dates import add_months
from grants.core.money import format_pence
from grants.core.spreadsheets import CHUNK_BYTES, csv_chunks, safe_cell
from grants.core.times import to_london
from grants.projects.models import ProjectStatus

STANDARD_VERSION = "1.4"
EXAMPLE_PREFIX = "360G-grantsexample"

# ONS entity code (the first three characters of a GSS code) → 360Giving geoCodeType. N09 is ONS's own
# abbreviation for Northern Ireland's districts, which the 360Giving code list does not yet name.
GEO_CODE_TYPES = {
    "E05": "WD",
    "W05": "WD",
    "S13": "WD",
    "E06": "UA",
    "W06": "UA",
    "E07": "NMD",
    "E08": "MD",
    "E09": "LONB",
    "E10": "CTY",
    "E12": "RGN",
    "E14": "WPC",
    "W07": "WPC",
    "S14": "WPC",
    "N06": "WPC",
    "S12": "CA",
    "N09": "LGD",
}
LOCAL_AUTHORITY_TYPES = {"UA", "NMD", "MD", "LONB", "CTY", "CA", "LGD"}
LOCAL_AUTHORITY_SCOPE = "GLS050"  # locationScope code list: "Local authority"


@dataclass(frozen=True)
class Publisher:
    """Who publishes the data, from the configuration."""

    prefix: str
    funder_id: str
    funder_name: str
    license: str
    website: str | None = None

    @classmethod
    def from_config(cls, config) -> Publisher:
        return cls(
            prefix=config["OPEN_DATA_PREFIX"],
            funder_id=config["FUNDER_ORG_ID"],
            funder_name=config["FUNDER_NAME"],
            license=config["OPEN_DATA_LICENSE"],
            website=config.get("FUNDER_WEBSITE") or None,
        )

    @property
    def is_example(self) -> bool:
        """Still the example prefix: nothing made with it should be published."""
        return self.prefix == EXAMPLE_PREFIX


# --- Values ----------------------------------------------------------------------------------------------


def pounds(pence) -> int | float:
    """Integer pence → pounds as a JSON number, exactly: ``2700000`` → ``27000``, ``1350050`` → ``13500.5``.

    The arithmetic is Decimal. Whole pounds are an int; pounds and pence are written through the float
    whose shortest form is that same decimal, which holds for every amount of up to 15 significant
    figures (far beyond the largest amount the service accepts)."""
    amount = Decimal(int(pence)).scaleb(-2)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def geo_code_type(ons_code: str | None) -> str | None:
    return GEO_CODE_TYPES.get((ons_code or "")[:3].upper())


def duration_months(starts_on: date, ends_on: date) -> int | float:
    """Months from the first day to the last, both included: 1 Oct 2025 to 30 Sep 2026 is 12."""
    after_end = ends_on + timedelta(days=1)
    months = 0
    while add_months(starts_on, months + 1) <= after_end:
        months += 1
    left = (after_end - add_months(starts_on, months)).days
    if not left:
        return months
    month_days = (add_months(starts_on, months + 1) - add_months(starts_on, months)).days
    fraction = (Decimal(months) + Decimal(left) / month_days).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(fraction)


def timestamp(value: datetime) -> str:
    """A full date-time in UTC with its offset: ``2025-09-18T11:00:00+00:00``."""
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _description(row, summary: Sequence[Any]) -> str:
    """The answers to the questions the officer marked as the bid's public summary, in the form's order;
    the grant's title if there are none. A file is never published: only words are."""
    answers = row.answers or {}
    parts = [shown(question, answers.get(question.key)).strip() for question in summary if question.kind != "file"]
    return "\n\n".join(part for part in parts if part) or row.title


def _award_date(row) -> str:
    """When the approval took effect (the project was created then); the decision time if it has not."""
    awarded = row.effective_at or row.decided_at or row.project_created_at
    return to_london(awarded).date().isoformat()


def _last_modified(row) -> str:
    times = [row.project_updated_at, row.application_updated_at, row.decision_updated_at, row.effective_at]
    return timestamp(max(value for value in [*times, row.paid_at] if value is not None))


def _dates(starts_on: date, ends_on: date, **more: str) -> dict:
    return {
        **more,
        "startDate": starts_on.isoformat(),
        "endDate": ends_on.isoformat(),
        "duration": duration_months(starts_on, ends_on),
    }


def _actual_dates(row) -> list[dict] | None:
    """When the activity really ran, for a grant that has finished: a closed project to its planned end
    (or to its close, if it closed sooner); one ended early to the day its early end was confirmed. A
    project still running has no actual dates yet; an award given up is never published."""
    if row.status not in (ProjectStatus.CLOSED, ProjectStatus.ENDED_EARLY) or row.finished_at is None:
        return None
    finished_on = to_london(row.finished_at).date()
    if row.status == ProjectStatus.CLOSED:
        return [_dates(row.starts_on, max(min(row.ends_on, finished_on), row.starts_on), title="Closed")]
    paid = format_pence(int(row.disbursed_pence or 0))
    return [
        _dates(
            min(row.starts_on, finished_on),
            finished_on,
            title="Ended early",
            description=(
                f"The grant ended early, on {finished_on.isoformat()}, after {paid} was paid. The rest of the award "
                "will not be paid."
            ),
        )
    ]


# --- Grants ----------------------------------------------------------------------------------------------


def _recipient(row, publisher: Publisher) -> dict:
    organisation = {
        "id": row.org_id or f"{publisher.prefix}-ORG-{row.organisation_pk}",
        "name": row.organisation_name,
    }
    street = ", ".join(line.strip() for line in (row.address_line_1, row.address_line_2) if line and line.strip())
    known = {
        "charityNumber": row.charity_number,
        "companyNumber": row.company_number,
        "streetAddress": street,
        "addressLocality": row.town,
        "postalCode": row.postcode,
    }
    organisation.update({key: value.strip() for key, value in known.items() if value and value.strip()})
    return organisation


def _location(row) -> dict:
    location = {"name": row.place_name, "countryCode": "GB", "geoCode": row.ons_code}
    code_type = geo_code_type(row.ons_code)
    if code_type:
        location["geoCodeType"] = code_type
    return location


def build_grant(row, publisher: Publisher, summary: Sequence[Any] = ()) -> dict:
    """One awarded grant (a row of ``queries.awarded_grants``) as a 360Giving grant object, described by
    ``summary``: its round's public-summary questions (``Form.public_summary``). The amount awarded is
    the award as decided, even for a grant ended early (the standard's "total amount awarded"); the
    amount disbursed is what was paid, and the actual dates say when it stopped."""
    grant = {
        "id": f"{publisher.prefix}-{row.reference}",
        "title": row.title,
        "description": _description(row, summary),
        "currency": "GBP",
    }
    if row.amount_requested_pence is not None:
        grant["amountAppliedFor"] = pounds(row.amount_requested_pence)
    grant["amountAwarded"] = pounds(row.award_pence)
    grant["amountDisbursed"] = pounds(row.disbursed_pence or 0)
    grant["awardDate"] = _award_date(row)
    grant["plannedDates"] = [_dates(row.starts_on, row.ends_on)]
    actual = _actual_dates(row)
    if actual:
        grant["actualDates"] = actual
    grant["recipientOrganization"] = [_recipient(row, publisher)]
    if row.ons_code:
        grant["beneficiaryLocation"] = [_location(row)]
        if geo_code_type(row.ons_code) in LOCAL_AUTHORITY_TYPES:
            grant["locationScope"] = LOCAL_AUTHORITY_SCOPE
    grant["fundingOrganization"] = [{"id": publisher.funder_id, "name": publisher.funder_name}]
    grant["grantProgramme"] = [{"code": row.round_code, "title": row.round_title}]
    grant["fromOpenCall"] = "Yes"  # every round is an open call for bids
    grant["dateModified"] = _last_modified(row)
    return grant


def build_grants(
    rows: Iterable, publisher: Publisher, summaries: Mapping[int, Sequence[Any]] | None = None
) -> Iterator[dict]:
    """``summaries``: each round's public-summary questions, by the round's id."""
    for row in rows:
        yield build_grant(row, publisher, (summaries or {}).get(row.round_id, ()))


# --- The JSON data package ---------------------------------------------------------------------------------


def package_metadata(publisher: Publisher, round_=None, *, issued: datetime) -> dict:
    """What the package says about itself, written before its grants."""
    scope = f"{round_.code}: {round_.title}" if round_ is not None else "every round of the programme"
    publisher_info = {"name": publisher.funder_name, "identifier": publisher.funder_id}
    if publisher.website:
        publisher_info["website"] = publisher.website
    return {
        "version": STANDARD_VERSION,
        "title": f"{publisher.funder_name}: grants awarded, {scope}",
        "description": (
            f"The grants awarded by {publisher.funder_name} in {scope}, with the money paid so far, "
            "in the 360Giving Data Standard."
        ),
        "identifier": f"{publisher.prefix}-{round_.code if round_ is not None else 'all'}",
        "issued": timestamp(issued),
        "publisher": publisher_info,
        "license": publisher.license,
    }


def package_chunks(metadata: dict, grants: Iterable[dict]) -> Iterator[str]:
    """The data package as text chunks of about 64 KB: its metadata, then each grant as it is built, and
    last the time the newest of them was modified. Never the whole list in memory."""
    head = json.dumps(metadata, ensure_ascii=False, indent=2)
    buffer = [head[:-2], ',\n  "grants": [\n']  # the metadata object without its closing "\n}"
    size, latest, separator = 0, None, ""
    for grant in grants:
        text = separator + json.dumps(grant, ensure_ascii=False)
        buffer.append(text)
        size += len(text)
        separator = ",\n"
        latest = max(latest or grant["dateModified"], grant["dateModified"])
        if size >= CHUNK_BYTES:
            yield "".join(buffer)
            buffer, size = [], 0
    buffer.append("\n  ]")
    if latest:
        buffer.append(f',\n  "modified": {json.dumps(latest)}')
    buffer.append("\n}\n")
    yield "".join(buffer)


# --- The 360Giving spreadsheet layout -------------------------------------------------------------------


def _first(key: str, field: str) -> Callable[[dict], object]:
    return lambda grant: (grant.get(key) or [{}])[0].get(field)


def _text(getter: Callable[[dict], object]) -> Callable[[dict], object]:
    return lambda grant: safe_cell(getter(grant))


# (column title, value) in the order of 360Giving's spreadsheet template; titles are the schema's.
CSV_COLUMNS: list[tuple[str, Callable[[dict], object]]] = [
    ("Identifier", lambda grant: grant["id"]),
    ("Title", _text(lambda grant: grant["title"])),
    ("Description", _text(lambda grant: grant["description"])),
    ("Currency", lambda grant: grant["currency"]),
    ("Amount Applied For", lambda grant: grant.get("amountAppliedFor")),
    ("Amount Awarded", lambda grant: grant["amountAwarded"]),
    ("Amount Disbursed", lambda grant: grant.get("amountDisbursed")),
    ("Award Date", lambda grant: grant["awardDate"]),
    ("Planned Dates:Start Date", _first("plannedDates", "startDate")),
    ("Planned Dates:End Date", _first("plannedDates", "endDate")),
    ("Planned Dates:Duration (months)", _first("plannedDates", "duration")),
    ("Actual Dates:Start Date", _first("actualDates", "startDate")),
    ("Actual Dates:End Date", _first("actualDates", "endDate")),
    ("Actual Dates:Duration (months)", _first("actualDates", "duration")),
    ("Recipient Org:Identifier", _first("recipientOrganization", "id")),
    ("Recipient Org:Name", _text(_first("recipientOrganization", "name"))),
    ("Recipient Org:Charity Number", _text(_first("recipientOrganization", "charityNumber"))),
    ("Recipient Org:Company Number", _text(_first("recipientOrganization", "companyNumber"))),
    ("Recipient Org:Street Address", _text(_first("recipientOrganization", "streetAddress"))),
    ("Recipient Org:City", _text(_first("recipientOrganization", "addressLocality"))),
    ("Recipient Org:Postal Code", _text(_first("recipientOrganization", "postalCode"))),
    ("Beneficiary Location:Name", _text(_first("beneficiaryLocation", "name"))),
    ("Beneficiary Location:Country Code", _first("beneficiaryLocation", "countryCode")),
    ("Beneficiary Location:Geographic Code", _first("beneficiaryLocation", "geoCode")),
    ("Beneficiary Location:Geographic Code Type", _first("beneficiaryLocation", "geoCodeType")),
    ("Location Scope", lambda grant: grant.get("locationScope")),
    ("Funding Org:Identifier", _first("fundingOrganization", "id")),
    ("Funding Org:Name", _text(_first("fundingOrganization", "name"))),
    ("Grant Programme:Code", _first("grantProgramme", "code")),
    ("Grant Programme:Title", _text(_first("grantProgramme", "title"))),
    ("From An Open Call?", lambda grant: grant["fromOpenCall"]),
    ("Last modified", lambda grant: grant["dateModified"]),
]
CSV_HEADER = [title for title, _ in CSV_COLUMNS]


def csv_row(grant: dict) -> list:
    return ["" if (value := cell(grant)) is None else value for _, cell in CSV_COLUMNS]


def spreadsheet_chunks(grants: Iterable[dict]) -> Iterator[str]:
    """The grants as a CSV in the 360Giving spreadsheet layout, a chunk at a time."""
    return csv_chunks(CSV_HEADER, (csv_row(grant) for grant in grants))
