"""Fuzzing every form: hypothesis posts hostile values (very long strings, control characters and NUL,
unicode edge cases, HTML and script, SQL fragments, odd numbers, malformed dates, blanks, repeated and
missing keys) to every form-handling POST route, signed in as someone allowed to use it.

Never a 500, never script reflected, never a partial write. The form's fields are read from its page,
so a new field is fuzzed without touching this file; a new POST route fails
``test_every_post_route_is_fuzzed`` until ``fuzz_world.TARGETS`` says who may use it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from werkzeug.datastructures import MultiDict

from grants.core.limits import reset as reset_rate_limits
from grants.directory.forms import ThemeForm
from grants.directory.models import Theme
from grants.extensions import db as _db
from tests.conftest import rolled_back
from tests.fixtures.clients import mark_signed_in
from tests.security.fuzz_harness import Form, FuzzFailure, WriteWatch, check_one, find_form, fuzz_form
from tests.security.fuzz_world import TARGETS, Target, World, build_world, post_rules, resolve_targets

# Fixed, so CI is deterministic (with derandomize); FUZZ_EXAMPLES=200 for a deeper run by hand.
EXAMPLES_PER_ROUTE = int(os.environ.get("FUZZ_EXAMPLES", "10"))

# A failing example's repr is megabytes long; hypothesis warns about it, the failure says enough.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


@dataclass
class Fuzz:
    app: object
    world: World
    targets: dict[str, Target]
    watch: WriteWatch

    def client_factory(self, target: Target):
        def make():
            client = self.app.test_client()
            if target.session_token is not None:
                with client.session_transaction() as session:
                    mark_signed_in(session, target.session_token)
            if target.session:
                with client.session_transaction() as session:
                    session.update(target.session)
            return client

        return make

    def form_of(self, target: Target) -> Form:
        with self.watch.example():  # a page may write as it is read; each example starts clean
            form = find_form(self.client_factory(target), target.url, target.pages)
        assert form is not None, f"no form on {(target.url, *target.pages)} posts to {target.url}"
        return form

    def poster(self, target: Target, form: Form):
        make = self.client_factory(target)

        def post(data):
            kwargs = {"content_type": "multipart/form-data"} if form.multipart else {}
            return make().post(form.action, data=data, **kwargs)  # a new client each time: sign-out, cookies

        return post


@pytest.fixture(scope="module")
def fuzz(app):
    """The demo programme, seeded once for the module in a transaction rolled back at its end (like the
    ``db`` fixture, which the tests here do not use: every example runs in its own savepoint instead)."""
    with rolled_back(app) as connection:
        world = build_world()
        targets = resolve_targets(app, world)
        _db.session.remove()
        tables = [table.name for table in _db.metadata.sorted_tables]
        watch = WriteWatch(connection, tables, lambda: (_db.session.remove(), reset_rate_limits(app)))
        yield Fuzz(app, world, targets, watch)


def test_every_post_route_is_fuzzed(app):
    fuzzed = {key.split("[", 1)[0] for key in TARGETS}
    rules = set(post_rules(app))
    assert rules - fuzzed == set(), "POST routes the fuzzer does not know who may use (add them to TARGETS)"
    assert fuzzed - rules == set(), "TARGETS names routes that no longer exist"


@pytest.mark.parametrize("key", sorted(TARGETS))
def test_no_form_crashes_or_half_writes(fuzz, key):
    target = fuzz.targets[key]
    form = fuzz.form_of(target)
    outcomes = fuzz_form(fuzz.poster(target, form), fuzz.watch, form, f"POST {key}", EXAMPLES_PER_ROUTE)
    assert len(outcomes) >= EXAMPLES_PER_ROUTE // 2, "hypothesis ran too few examples to count"


# --- The fuzzer reaches crashing input ---------------------------------------------------------------------


def _raw_values(form):
    return [value for field in form for value in (field.raw_data or []) if isinstance(value, str)]


def test_the_fuzzer_finds_a_form_that_crashes(fuzz, monkeypatch):
    """The theme form made to crash on a NUL or on more than 5,000 characters: the fuzzer finds it."""
    original = ThemeForm.validate

    def crashing_validate(self, *args, **kwargs):
        for value in _raw_values(self):
            if "\x00" in value or len(value) > 5000:
                raise RuntimeError("the planted bug: a NUL or a very long value")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ThemeForm, "validate", crashing_validate)
    target = fuzz.targets["/manage/themes/new"]
    form = fuzz.form_of(target)
    with pytest.raises(FuzzFailure) as failure:
        fuzz_form(fuzz.poster(target, form), fuzz.watch, form, "POST /manage/themes/new", EXAMPLES_PER_ROUTE)
    message = str(failure.value)
    assert "crashed (RuntimeError: the planted bug" in message
    assert "\\x00" in message or "(len " in message, message[:500]


def test_the_fuzzer_finds_a_form_that_half_writes(fuzz, monkeypatch):
    """The theme form made to save a theme and then refuse it anyway: the fuzzer sees the partial write."""
    original = ThemeForm.validate

    def half_writing_validate(self, *args, **kwargs):
        if self.name.data:
            _db.session.add(Theme(slug="half-written", name="Half written", description=""))
            _db.session.commit()
            self.name.errors = [*self.name.errors, "Refused after writing"]
            return False
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ThemeForm, "validate", half_writing_validate)
    target = fuzz.targets["/manage/themes/new"]
    form = fuzz.form_of(target)
    with pytest.raises(FuzzFailure) as failure:
        fuzz_form(fuzz.poster(target, form), fuzz.watch, form, "POST /manage/themes/new", EXAMPLES_PER_ROUTE)
    assert "but wrote to ['themes']" in str(failure.value)


# --- What the fuzzer found, kept as fixed examples --------------------------------------------------------


def test_an_amount_too_large_for_decimal_is_refused_not_crashed(fuzz):
    """Found by the fuzzer: "1E26" as an amount crashed the round form (decimal.InvalidOperation)."""
    target = fuzz.targets["/manage/rounds/<int:round_id>/edit"]
    form = fuzz.form_of(target)
    data = MultiDict([(name, value) for name, entry in form.fields.items() for value in entry.sent])
    data.setlist("match_required", ["1E26"])
    assert check_one(fuzz.poster(target, form), fuzz.watch, "round edit", data) in {"refused 200", "refused 400"}


def test_a_multipart_part_without_a_name_is_not_a_crash(fuzz):
    """Found by the fuzzer: a field named "\\n" in a multipart form (its part arrives without a name, as
    the key None) crashed the NUL check every request passes through (TypeError)."""
    target = fuzz.targets["/projects/<int:project_id>/match/received"]
    form = fuzz.form_of(target)
    assert form.multipart
    data = MultiDict([(name, value) for name, entry in form.fields.items() for value in entry.sent])
    data.add("\n", "<script>alert(1)</script>")
    assert check_one(fuzz.poster(target, form), fuzz.watch, "match received", data).startswith(("refused", "accepted"))
