"""Grants as 360Giving objects, without a database: money to the penny, code lists, dates, the package
written a grant at a time, and a validator that really refuses what the standard does not allow."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from grants.bidforms.default import DEFAULT_FORM
from grants.bidforms.models import FormQuestion
from grants.core.money import MAX_PENCE
from grants.core.spreadsheets import CHUNK_BYTES
from grants.opendata.threesixtygiving import (
    Publisher,
    build_grant,
    duration_months,
    geo_code_type,
    package_chunks,
    package_metadata,
    pounds,
    spreadsheet_chunks,
)
from grants.projects.models import ProjectStatus
from tests.opendata.schema import package_errors

PUBLISHER = Publisher(
    prefix="360G-testfunder",
    funder_id="GB-GOR-TEST",
    funder_name="Test Funder",
    license="https://creativecommons.org/licenses/by/4.0/",
)
AWARDED = datetime(2025, 9, 18, 11, 0, tzinfo=UTC)
# The default form's public summary: the issue, then the shared vision.
SUMMARY = [
    FormQuestion(**question)
    for _key, _title, _text, questions in DEFAULT_FORM
    for question in questions
    if question.get("public_summary")
]


def row(**changes) -> SimpleNamespace:
    """A row as ``queries.awarded_grants`` gives it."""
    values = {
        "reference": "LV1-0010",
        "title": "Home, not hospital",
        "award_pence": 2_700_000,
        "starts_on": date(2025, 10, 1),
        "ends_on": date(2026, 9, 30),
        "status": ProjectStatus.ACTIVE,
        "finished_at": None,
        "project_created_at": AWARDED,
        "project_updated_at": datetime(2025, 10, 2, 9, 30, tzinfo=UTC),
        "round_id": 1,
        "answers": {
            "issue": "Older people wait in hospital.",
            "shared_vision": "Everyone gets home safely.",
            "systems_leadership": "No one service can fix this.",
        },
        "amount_requested_pence": 2_700_000,
        "application_updated_at": AWARDED,
        "decided_at": datetime(2025, 9, 10, 15, 0, tzinfo=UTC),
        "effective_at": AWARDED,
        "decision_updated_at": AWARDED,
        "organisation_pk": 42,
        "org_id": "GB-LAE-WGN",
        "organisation_name": "Wigan Council",
        "charity_number": None,
        "company_number": None,
        "address_line_1": "Town Hall",
        "address_line_2": "Library Street",
        "town": "Wigan",
        "postcode": "WN1 1YN",
        "place_name": "Wigan",
        "ons_code": "E08000010",
        "round_code": "LV1",
        "round_title": "Local Vision wave 1",
        "disbursed_pence": 1_350_000,
        "paid_at": datetime(2025, 11, 3, 10, 15, tzinfo=UTC),
    }
    return SimpleNamespace(**{**values, **changes})


def package(*rows) -> dict:
    metadata = package_metadata(PUBLISHER, None, issued=AWARDED)
    return json.loads("".join(package_chunks(metadata, (build_grant(r, PUBLISHER, SUMMARY) for r in rows))))


@pytest.mark.parametrize(
    ("pence", "written"),
    [
        (2_700_000, "27000"),
        (1_350_050, "13500.5"),
        (2_700_001, "27000.01"),
        (1, "0.01"),
        (0, "0"),
        (MAX_PENCE - 1, "999999999.99"),
        (Decimal(810_000), "8100"),  # PostgreSQL's SUM of a bigint is a numeric
    ],
)
def test_pounds_are_written_exactly(pence, written):
    assert json.dumps(pounds(pence)) == written


def test_every_amount_of_pence_becomes_the_same_decimal_in_pounds():
    amounts = [*range(0, 100_000, 7), *range(MAX_PENCE - 5_000, MAX_PENCE)]
    for pence in amounts:
        assert Decimal(json.dumps(pounds(pence))) == Decimal(pence) / 100, pence


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("E06000008", "UA"),
        ("W06000015", "UA"),
        ("E07000117", "NMD"),
        ("E08000010", "MD"),
        ("E09000030", "LONB"),
        ("E10000024", "CTY"),
        ("S12000036", "CA"),
        ("N09000003", "LGD"),
        ("E05000650", "WD"),
        ("E14000530", "WPC"),
        ("E00000001", None),
        (None, None),
    ],
)
def test_the_type_of_area_comes_from_the_ons_code(code, kind):
    assert geo_code_type(code) == kind


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "months"),
    [
        (date(2025, 10, 1), date(2026, 9, 30), 12),
        (date(2025, 10, 1), date(2025, 12, 31), 3),
        (date(2026, 1, 15), date(2026, 7, 14), 6),
        (date(2024, 2, 1), date(2024, 2, 29), 1),
        (date(2025, 10, 1), date(2025, 10, 15), 0.5),
        (date(2025, 10, 1), date(2026, 10, 10), 12.3),
    ],
)
def test_planned_duration_is_in_months_counting_both_days(starts_on, ends_on, months):
    assert duration_months(starts_on, ends_on) == months


def test_the_description_is_the_public_summarys_answers_in_the_forms_order():
    summary = [
        FormQuestion(key="idea", kind="long_text", title="Your idea"),
        FormQuestion(key="cost", kind="money", title="What it costs"),
        FormQuestion(
            key="size",
            kind="choice",
            title="How big?",
            choices=[{"value": "large", "label": "More than 5 partners"}],
        ),
        FormQuestion(key="plan", kind="file", title="Your plan"),
        FormQuestion(key="unanswered", kind="short_text", title="Not answered"),
    ]
    answers = {"size": "large", "idea": "  Walk to school.  ", "cost": 125_050, "plan": 7, "secret": "Private"}
    grant = build_grant(row(answers=answers), PUBLISHER, summary)
    assert grant["description"] == "Walk to school.\n\n£1,250.50\n\nMore than 5 partners"
    assert build_grant(row(answers=answers), PUBLISHER, [])["description"] == "Home, not hospital"
    assert build_grant(row(answers={}), PUBLISHER, SUMMARY)["description"] == "Home, not hospital"
    assert not package_errors(package(row(answers={"issue": "x" * 5000})))


def test_a_grant_has_every_field_the_programme_knows():
    grant = build_grant(row(), PUBLISHER, SUMMARY)
    assert grant == {
        "id": "360G-testfunder-LV1-0010",
        "title": "Home, not hospital",
        "description": "Older people wait in hospital.\n\nEveryone gets home safely.",
        "currency": "GBP",
        "amountAppliedFor": 27000,
        "amountAwarded": 27000,
        "amountDisbursed": 13500,
        "awardDate": "2025-09-18",
        "plannedDates": [{"startDate": "2025-10-01", "endDate": "2026-09-30", "duration": 12}],
        "recipientOrganization": [
            {
                "id": "GB-LAE-WGN",
                "name": "Wigan Council",
                "streetAddress": "Town Hall, Library Street",
                "addressLocality": "Wigan",
                "postalCode": "WN1 1YN",
            }
        ],
        "beneficiaryLocation": [{"name": "Wigan", "countryCode": "GB", "geoCode": "E08000010", "geoCodeType": "MD"}],
        "locationScope": "GLS050",
        "fundingOrganization": [{"id": "GB-GOR-TEST", "name": "Test Funder"}],
        "grantProgramme": [{"code": "LV1", "title": "Local Vision wave 1"}],
        "fromOpenCall": "Yes",
        "dateModified": "2025-11-03T10:15:00+00:00",
    }


def test_an_organisation_without_an_org_id_gets_one_under_the_funders_prefix():
    grant = build_grant(row(org_id=None, charity_number="1123456", company_number="07654321"), PUBLISHER)
    recipient = grant["recipientOrganization"][0]
    assert recipient["id"] == "360G-testfunder-ORG-42"
    assert (recipient["charityNumber"], recipient["companyNumber"]) == ("1123456", "07654321")


def test_nothing_paid_yet_is_zero_disbursed_and_unknown_details_are_left_out():
    grant = build_grant(
        row(disbursed_pence=None, paid_at=None, amount_requested_pence=None, ons_code=None, place_name=None),
        PUBLISHER,
    )
    assert grant["amountDisbursed"] == 0
    assert "amountAppliedFor" not in grant and "beneficiaryLocation" not in grant and "locationScope" not in grant
    assert grant["dateModified"] == "2025-10-02T09:30:00+00:00"  # the project's change is the latest


def test_the_award_date_is_the_london_day_the_approval_took_effect():
    late_evening = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London
    assert build_grant(row(effective_at=late_evening), PUBLISHER)["awardDate"] == "2025-07-01"
    undecided = row(effective_at=None, decided_at=None, decision_updated_at=None)
    assert build_grant(undecided, PUBLISHER)["awardDate"] == "2025-09-18"  # when the project was created


def test_a_closed_grant_ran_to_its_end_and_one_ended_early_to_the_day_it_stopped():
    closed_late = build_grant(
        row(status=ProjectStatus.CLOSED, finished_at=datetime(2026, 11, 2, 10, 0, tzinfo=UTC)), PUBLISHER
    )
    assert closed_late["actualDates"] == [
        {"title": "Closed", "startDate": "2025-10-01", "endDate": "2026-09-30", "duration": 12}
    ]
    closed_early = build_grant(  # its close-out started before the end date: it ran until it closed
        row(status=ProjectStatus.CLOSED, finished_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC)), PUBLISHER
    )
    assert closed_early["actualDates"][0]["endDate"] == "2026-07-01"  # 00:30 on 1 July in London
    early = build_grant(
        row(status=ProjectStatus.ENDED_EARLY, finished_at=datetime(2026, 3, 31, 12, 0, tzinfo=UTC)), PUBLISHER
    )
    assert early["amountAwarded"] == 27000 and early["amountDisbursed"] == 13500
    assert early["plannedDates"] == [{"startDate": "2025-10-01", "endDate": "2026-09-30", "duration": 12}]
    assert early["actualDates"] == [
        {
            "title": "Ended early",
            "description": "The grant ended early, on 2026-03-31, after £13,500.00 was paid. The rest of the award "
            "will not be paid.",
            "startDate": "2025-10-01",
            "endDate": "2026-03-31",
            "duration": 6,
        }
    ]
    assert "actualDates" not in build_grant(row(), PUBLISHER)  # still running
    assert (
        package_errors(
            package(
                row(),
                row(
                    reference="LV1-0011",
                    status=ProjectStatus.ENDED_EARLY,
                    finished_at=datetime(2026, 3, 31, 12, 0, tzinfo=UTC),
                ),
            )
        )
        == []
    )
    text = "".join(spreadsheet_chunks([early]))
    sheet = list(csv.DictReader(io.StringIO(text)))[0]
    assert (sheet["Actual Dates:Start Date"], sheet["Actual Dates:End Date"]) == ("2025-10-01", "2026-03-31")
    assert sheet["Actual Dates:Duration (months)"] == "6"


def test_a_package_of_grants_is_valid_against_the_official_schema():
    built = package(row(), row(reference="LV1-0011", org_id=None, ons_code="S12000036", disbursed_pence=None))
    assert package_errors(built) == []
    assert built["version"] == "1.4" and built["publisher"] == {"name": "Test Funder", "identifier": "GB-GOR-TEST"}
    assert built["modified"] == "2025-11-03T10:15:00+00:00"


MANGLES = {
    "amount as text": (lambda grant: grant.update(amountAwarded="27000"), "amountAwarded"),
    "award date in words": (lambda grant: grant.update(awardDate="18/09/2025"), "awardDate"),
    "date-time without a time": (lambda grant: grant.update(dateModified="2025-09-18"), "dateModified"),
    "no funder": (lambda grant: grant.pop("fundingOrganization"), ""),
    "unknown currency": (lambda grant: grant.update(currency="£"), "currency"),
    "open call as a boolean": (lambda grant: grant.update(fromOpenCall=True), "fromOpenCall"),
    "recipient without a name": (lambda grant: grant["recipientOrganization"][0].pop("name"), "recipientOrganization"),
    "negative duration": (lambda grant: grant["plannedDates"][0].update(duration=-1), "plannedDates"),
}


@pytest.mark.parametrize("mangle", MANGLES, ids=list(MANGLES))
def test_a_mangled_grant_fails_validation(mangle):
    change, field = MANGLES[mangle]
    built = package(row(), row(reference="LV1-0011"))
    mangled = copy.deepcopy(built)
    change(mangled["grants"][1])
    errors = package_errors(mangled)
    assert errors, f"the validator accepted a grant with {mangle}"
    assert all(error.startswith(f"grants/1/{field}".rstrip("/")) for error in errors), errors


def test_an_empty_package_is_not_valid():
    assert package_errors({"grants": [], "version": "1.4"}) != []


def test_the_package_is_written_a_grant_at_a_time():
    built = []

    def grants():
        for number in range(3000):
            built.append(number)
            yield build_grant(row(reference=f"LV1-{number:05d}"), PUBLISHER)

    chunks = package_chunks(package_metadata(PUBLISHER, None, issued=AWARDED), grants())
    first = next(chunks)
    assert len(built) < 3000, "the whole list was built before the first chunk"
    rest = list(chunks)
    assert len(rest) > 5 and all(len(chunk) < 2 * CHUNK_BYTES for chunk in [first, *rest])
    assert len(json.loads(first + "".join(rest))["grants"]) == 3000


def test_the_spreadsheet_has_360givings_columns_and_safe_cells():
    text = "".join(spreadsheet_chunks([build_grant(row(title="=HYPERLINK()"), PUBLISHER)]))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["Title"] == "'=HYPERLINK()"
    assert rows[0]["Amount Awarded"] == "27000" and rows[0]["Amount Disbursed"] == "13500"
    assert rows[0]["Beneficiary Location:Geographic Code Type"] == "MD"
