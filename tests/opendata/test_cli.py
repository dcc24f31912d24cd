"""``flask export-360giving``: the demo programme written to a file that validates, a round by code or id,
the format from the file's name, and clear errors."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest

from grants.demo import seed_demo
from grants.projects.models import Project, ProjectStatus
from grants.rounds.models import Round
from tests.factories import RoundFactory
from tests.opendata.conftest import parse
from tests.opendata.schema import package_errors


@pytest.fixture
def run(app):
    def invoke(*args):
        return app.test_cli_runner().invoke(args=["export-360giving", *args])

    return invoke


def test_the_demo_programme_exports_to_a_valid_package(db, run, tmp_path):
    seed_demo()
    db.session.commit()
    out = tmp_path / "grants.json"
    result = run("--out", str(out))
    # An award given up is not published as awarded: the demo has one, left out.
    projects = db.session.scalars(db.select(Project).where(Project.status != ProjectStatus.WITHDRAWN)).all()
    assert db.session.scalar(db.select(db.func.count()).where(Project.status == ProjectStatus.WITHDRAWN)) == 1
    assert result.exit_code == 0, result.output
    assert f"Wrote {len(projects)} grants to {out}" in result.output
    assert package_errors(json.loads(out.read_text(encoding="utf-8"))) == []
    awarded = {grant["id"]: grant["amountAwarded"] for grant in parse(out.read_bytes())["grants"]}
    assert awarded == {f"360G-grantsexample-{p.reference}": Decimal(p.award_pence) / 100 for p in projects}
    assert not list(tmp_path.glob("*.partial"))


def test_one_round_by_its_code_or_id_as_csv(db, run, wave, grants_in, tmp_path):
    grants_in(wave, 2)
    grants_in(RoundFactory(code="LV8", status="assessing"), 1)
    for given in ("lv7", str(wave.id)):
        out = tmp_path / f"round-{given}.csv"
        result = run("--out", str(out), "--round", given)
        assert result.exit_code == 0, result.output
        assert "Wrote 2 grants" in result.output
        rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
        assert {row["Grant Programme:Code"] for row in rows} == {"LV7"} and len(rows) == 2


def test_the_format_can_be_given_when_the_name_does_not_say(db, run, wave, grants_in, tmp_path):
    grants_in(wave, 1)
    out = tmp_path / "grants.txt"
    assert run("--out", str(out), "--format", "json").exit_code == 0
    assert package_errors(json.loads(out.read_text(encoding="utf-8"))) == []
    result = run("--out", str(tmp_path / "grants.dat"))
    assert result.exit_code == 2 and "name the file .json or .csv, or give --format" in result.output


def test_an_unknown_round_is_refused_clearly(db, run, tmp_path):
    result = run("--out", str(tmp_path / "x.json"), "--round", "LV99")
    assert result.exit_code == 2 and "There is no round with the code or id 'LV99'" in result.output
    assert not (tmp_path / "x.json").exists()


def test_nothing_to_export_is_an_error_and_writes_no_file(db, run, tmp_path):
    RoundFactory(code="LV9", title="Local Vision wave 9")
    assert db.session.scalar(db.select(db.func.count()).select_from(Round)) == 1
    out = tmp_path / "x.json"
    result = run("--out", str(out), "--round", "LV9")
    assert result.exit_code == 1
    assert "There are no awarded grants in LV9: Local Vision wave 9 yet" in result.output
    assert not out.exists()
    assert run("--out", str(out)).exit_code == 1 and not out.exists()


def test_the_example_prefix_is_warned_about_and_a_real_one_is_not(app, db, run, wave, grants_in, tmp_path, monkeypatch):
    grants_in(wave, 1)
    assert "example prefix 360G-grantsexample" in run("--out", str(tmp_path / "a.json")).output
    monkeypatch.setitem(app.config, "OPEN_DATA_PREFIX", "360G-localvision")
    result = run("--out", str(tmp_path / "b.json"))
    assert "example prefix" not in result.output
    assert json.loads((tmp_path / "b.json").read_text())["grants"][0]["id"].startswith("360G-localvision-LV7-")


def test_a_file_that_cannot_be_written_is_a_clear_error(db, run, wave, grants_in, tmp_path):
    grants_in(wave, 1)
    result = run("--out", str(tmp_path / "no-such-folder" / "grants.json"))
    assert result.exit_code == 1 and "Could not write" in result.output and "No such file or directory" in result.output
