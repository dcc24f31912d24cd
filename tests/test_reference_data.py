"""The reference data a deployment loads: the ONS local authority areas shipped in the repository and
the default themes, loaded by ``flask --app wsgi reference-data load`` (safe to run again)."""

from collections import Counter

import pytest

from grants.core.audit import AuditEvent
from grants.directory.models import Place, Theme
from grants.directory.reference import (
    AREAS_FILE,
    DEFAULT_THEMES,
    ReferenceDataError,
    load_reference_data,
    read_areas,
)
from tests.factories import EnablerProfileFactory, OrganisationFactory, PlaceFactory, ThemeFactory


def audit_actions(db) -> list[str]:
    return db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def places(db) -> dict[str, Place]:
    return {place.ons_code: place for place in db.session.scalars(db.select(Place))}


# --- The shipped list ---------------------------------------------------------------------------------


def test_the_shipped_list_has_every_local_authority_district_of_each_nation():
    areas = read_areas()
    districts = [area for area in areas if area.code_type != "E10"]
    assert Counter(area.country for area in districts) == {
        "England": 296,
        "Wales": 22,
        "Scotland": 32,
        "Northern Ireland": 11,
    }
    assert Counter(area.code_type for area in areas) == {
        "E06": 63,
        "E07": 164,
        "E08": 36,
        "E09": 33,
        "E10": 21,
        "W06": 22,
        "S12": 32,
        "N09": 11,
    }
    assert len({area.gss_code for area in areas}) == len(areas) == 382
    assert len({area.name for area in areas}) == len(areas)  # the organisation form lists them by name
    english_regions = Counter(area.region for area in districts if area.country == "England")
    assert english_regions == {
        "North East": 12,
        "North West": 35,
        "Yorkshire and The Humber": 15,
        "East Midlands": 35,
        "West Midlands": 30,
        "East of England": 45,
        "London": 33,
        "South East": 64,
        "South West": 27,
    }
    assert {area.region for area in areas if area.country != "England"} == {"Wales", "Scotland", "Northern Ireland"}


@pytest.mark.parametrize(
    ("code", "name", "region"),
    [
        ("E08000010", "Wigan", "North West"),
        ("E06000052", "Cornwall", "South West"),
        ("E06000063", "Cumberland", "North West"),
        ("E06000065", "North Yorkshire", "Yorkshire and The Humber"),
        ("E06000066", "Somerset", "South West"),
        ("E08000038", "Barnsley", "Yorkshire and The Humber"),
        ("E09000001", "City of London", "London"),
        ("E10000017", "Lancashire", "North West"),
        ("W06000015", "Cardiff", "Wales"),
        ("S12000036", "City of Edinburgh", "Scotland"),
        ("N09000003", "Belfast", "Northern Ireland"),
    ],
)
def test_the_shipped_list_names_areas_as_ons_does(code, name, region):
    area = {area.gss_code: area for area in read_areas()}[code]
    assert (area.name, area.region, area.code_type) == (name, region, code[:3])


def test_areas_abolished_in_2023_are_not_listed():
    codes = {area.gss_code for area in read_areas()}
    for gone in ("E07000028", "E07000165", "E07000187", "E10000006", "E10000023", "E10000027", "E08000016"):
        assert gone not in codes


def test_the_file_says_where_it_comes_from():
    header = [line for line in AREAS_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert any("Office for National Statistics" in line for line in header)
    assert any("November 2025" in line for line in header)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("E08000010,Wigan,E07,North West,England", "not a known kind of area code"),
        ("X01000001,Nowhere,X01,North West,England", "not a known kind of area code"),
        ("E0800001,Wigan,E08,North West,England", "not a known kind of area code"),
        ("W06000015,Cardiff,W06,Wales,England", "needs a name, region and country"),
        ("E08000010,,E08,North West,England", "needs a name, region and country"),
    ],
)
def test_a_bad_row_is_refused_with_its_row_number(tmp_path, row, message):
    path = tmp_path / "areas.csv"
    header = "# a comment\ngss_code,name,code_type,region,country\n"
    path.write_text(f"{header}E08000001,Bolton,E08,North West,England\n{row}\n")
    with pytest.raises(ReferenceDataError, match=f"row 3: .*{message}"):
        read_areas(path)


def test_a_code_listed_twice_is_refused(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text("gss_code,name,code_type,region,country\n" + "E08000001,Bolton,E08,North West,England\n" * 2)
    with pytest.raises(ReferenceDataError, match="listed twice"):
        read_areas(path)


# --- Loading ----------------------------------------------------------------------------------------


def test_loading_adds_every_area_and_the_default_themes_and_again_changes_nothing(db):
    first = load_reference_data()
    db.session.commit()
    assert len(first.areas_added) == 382 and sorted(first.themes_added) == sorted(s for s, *_ in DEFAULT_THEMES)
    loaded = places(db)
    assert len(loaded) == 382
    assert (loaded["E08000010"].name, loaded["E08000010"].region) == ("Wigan", "North West")
    events = audit_actions(db)
    assert events.count("reference_data.loaded") == 1 and events.count("theme.saved") == len(DEFAULT_THEMES)
    ids = {code: place.id for code, place in loaded.items()}

    second = load_reference_data()
    db.session.commit()
    assert not second.changed
    assert {code: place.id for code, place in places(db).items()} == ids
    assert db.session.scalar(db.select(db.func.count()).select_from(Theme)) == len(DEFAULT_THEMES)
    assert audit_actions(db) == events


def test_an_existing_areas_name_and_region_are_brought_up_to_date_in_place(db):
    wigan = PlaceFactory(ons_code="E08000010", name="Wigan Borough", region="North West England")
    organisation = OrganisationFactory(place=wigan)
    result = load_reference_data()
    db.session.commit()
    assert result.areas_updated == ["E08000010"]
    db.session.refresh(wigan)
    assert (wigan.name, wigan.region) == ("Wigan", "North West")
    db.session.refresh(organisation)
    assert organisation.place_id == wigan.id
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "place.updated")).one()
    assert event.object_id == str(wigan.id)
    assert event.before == {"name": "Wigan Borough", "region": "North West England"}
    assert event.after == {"name": "Wigan", "region": "North West"}


def test_an_area_no_longer_listed_is_kept_while_anything_refers_to_it(db):
    old_barnsley = PlaceFactory(ons_code="E08000016", name="Barnsley (before 2024)", region="Yorkshire and The Humber")
    allerdale = PlaceFactory(ons_code="E07000026", name="Allerdale", region="North West")
    carlisle = PlaceFactory(ons_code="E07000028", name="Carlisle", region="North West")
    unused = PlaceFactory(ons_code="E07000030", name="Eden", region="North West")
    OrganisationFactory(place=old_barnsley)
    EnablerProfileFactory(places=[allerdale])  # only a link table refers to it
    carlisle_id, unused_id = carlisle.id, unused.id

    result = load_reference_data()
    db.session.commit()

    assert sorted(result.areas_kept) == ["E07000026", "E08000016"]
    assert sorted(result.areas_removed) == ["E07000028", "E07000030"]
    remaining = places(db)
    assert {"E08000016", "E07000026", "E08000038"} <= set(remaining)
    assert remaining["E08000016"].name == "Barnsley (before 2024)"
    assert db.session.get(Place, carlisle_id) is None and db.session.get(Place, unused_id) is None
    removed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "place.removed")).all()
    assert sorted(event.before["ons_code"] for event in removed) == ["E07000028", "E07000030"]

    again = load_reference_data()
    assert again.areas_kept == result.areas_kept and not again.changed


def test_a_default_theme_is_skipped_when_its_slug_or_name_is_taken(db):
    renamed = ThemeFactory(slug="safeguarding", name="Keeping people safe", is_active=False)
    ThemeFactory(slug="our-mental-health", name="MENTAL HEALTH AND WELLBEING")
    result = load_reference_data()
    db.session.commit()
    assert "safeguarding" not in result.themes_added and "mental-health" not in result.themes_added
    assert len(result.themes_added) == len(DEFAULT_THEMES) - 2
    db.session.refresh(renamed)
    assert (renamed.name, renamed.is_active) == ("Keeping people safe", False)
    assert db.session.scalar(db.select(db.func.count()).select_from(Theme)) == len(DEFAULT_THEMES)


# --- The command ----------------------------------------------------------------------------------


def test_the_command_reports_what_it_did_and_is_safe_to_run_again(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reference-data", "load"])
    assert first.exit_code == 0, first.output
    assert "382 added, 0 updated, 0 removed; 382 areas in all." in first.output
    assert f"Themes: {len(DEFAULT_THEMES)} added." in first.output
    second = runner.invoke(args=["reference-data", "load"])
    assert second.exit_code == 0, second.output
    assert "0 added, 0 updated, 0 removed; 382 areas in all." in second.output
    assert "Nothing changed" in second.output
    assert len(places(db)) == 382


def test_the_command_names_the_areas_it_keeps(app, db):
    OrganisationFactory(place=PlaceFactory(ons_code="E08000016", name="Old Barnsley"))
    result = app.test_cli_runner().invoke(args=["reference-data", "load"])
    assert result.exit_code == 0, result.output
    assert "Kept 1 area no longer in the ONS list" in result.output and "E08000016" in result.output


def test_the_command_refuses_a_broken_file_and_changes_nothing(app, db, tmp_path, monkeypatch):
    broken = tmp_path / "areas.csv"
    broken.write_text("code,name\nE08000010,Wigan\n")
    monkeypatch.setattr("grants.directory.reference.AREAS_FILE", broken)
    result = app.test_cli_runner().invoke(args=["reference-data", "load"])
    assert result.exit_code == 1
    assert "the columns must be gss_code, name, code_type, region, country" in result.output
    assert places(db) == {} and db.session.scalars(db.select(Theme)).all() == []
