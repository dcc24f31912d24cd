"""Two-factor sign-in: the second step at sign-in, setting it up, recovery codes, turning it off, an
administrator's reset, and what is kept (the secret encrypted, codes never accepted twice)."""

from __future__ import annotations

import math
import re
import threading
import time

import pyotp
import pytest

from grants.accounts import two_factor
from grants.accounts.models import RecoveryCode, User
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.notifications.models import Notification
from tests.factories import PASSWORD, TOTP_SECRET, ApplicantFactory, UserFactory, totp_code
from tests.fixtures.clients import sign_in_client
from tests.helpers import error_summary, field_error, h1, text


def actions(db, action):
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def emails(db, template):
    return db.session.scalars(db.select(Notification).where(Notification.template == template)).all()


def password_step(client, email, next_url=None):
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": PASSWORD})


def secret_on(html: str) -> str:
    return re.search(r'data-testid="two-factor-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")


def recovery_codes_on(html: str) -> list[str]:
    block = re.search(r'data-testid="recovery-codes">(.*?)</ul>', html, flags=re.S).group(1)
    return re.findall(r"<code>([a-z0-9-]+)</code>", block)


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


# --- Signing in with the second step ------------------------------------------------------------


def test_a_person_with_two_factor_signs_in_with_password_then_code(db, client):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER], email="officer@example.org")
    response = password_step(client, "officer@example.org", next_url="/funding/")
    assert response.headers["Location"] == "/sign-in/two-factor"
    # The password alone is not a session.
    assert client.get("/account").headers["Location"].startswith("/sign-in")
    assert actions(db, "auth.signed_in") == [] and len(actions(db, "auth.password_accepted")) == 1

    page = client.get("/sign-in/two-factor").get_data(as_text=True)
    assert h1(page) == "Enter the code from your authenticator app"
    response = client.post("/sign-in/two-factor", data={"code": totp_code()})
    assert response.headers["Location"] == "/funding/"
    assert is_signed_in(client)
    event = actions(db, "auth.signed_in")[0]
    assert event.actor_id == officer.id and event.after == {"two_factor": "app"}
    assert db.session.get(User, officer.id).last_signed_in_at is not None


def test_a_wrong_code_is_refused_beside_the_field_and_audited(db, client):
    UserFactory(roles=[Role.FINANCE_APPROVER], email="finance@example.org")
    password_step(client, "finance@example.org")
    wrong = "000000" if totp_code() != "000000" else "111111"
    response = client.post("/sign-in/two-factor", data={"code": wrong})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    message = "The code is not right. Enter the code your authenticator app shows now, or a recovery code"
    assert field_error(html, "code") == message and error_summary(html) == [message]
    assert not is_signed_in(client)
    assert len(actions(db, "auth.two_factor_failed")) == 1
    empty = client.post("/sign-in/two-factor", data={"code": ""}).get_data(as_text=True)
    assert field_error(empty, "code") == "Enter the code from your authenticator app"


def test_a_code_is_never_accepted_twice(db, app):
    UserFactory(roles=[Role.ADMIN], email="admin@example.org")
    code = totp_code()
    first, second = app.test_client(), app.test_client()
    password_step(first, "admin@example.org")
    assert first.post("/sign-in/two-factor", data={"code": code}).status_code == 302
    password_step(second, "admin@example.org")
    replay = second.post("/sign-in/two-factor", data={"code": code})
    assert replay.status_code == 200 and not is_signed_in(second)
    # The next step's code (an app shows it 30 seconds later) is accepted.
    assert second.post("/sign-in/two-factor", data={"code": totp_code(step_offset=1)}).status_code == 302


def test_codes_further_than_one_step_away_are_refused(db, client):
    user = UserFactory(roles=[Role.STEERING_CHAIR], email="chair@example.org")
    password_step(client, "chair@example.org")
    for offset in (-3, 3):
        assert client.post("/sign-in/two-factor", data={"code": totp_code(step_offset=offset)}).status_code == 200
    assert db.session.get(User, user.id).totp_last_step is None


def test_the_half_way_sign_in_expires_after_five_minutes(db, client):
    UserFactory(roles=[Role.PROGRAMME_OFFICER], email="slow@example.org")
    password_step(client, "slow@example.org")
    with client.session_transaction() as session:
        session[two_factor.PENDING] = {
            **session[two_factor.PENDING],
            "at": int(time.time()) - two_factor.PENDING_SECONDS - 1,
        }
    response = client.post("/sign-in/two-factor", data={"code": totp_code()})
    assert response.headers["Location"] == "/sign-in"
    assert not is_signed_in(client)


def test_the_second_step_without_the_first_goes_back_to_sign_in(db, client):
    assert client.get("/sign-in/two-factor").headers["Location"] == "/sign-in"
    assert client.post("/sign-in/two-factor", data={"code": "123456"}).headers["Location"] == "/sign-in"


def test_the_sixth_wrong_code_in_a_minute_is_refused_and_other_accounts_carry_on(db, app):
    UserFactory(roles=[Role.PROGRAMME_OFFICER], email="target@example.org")
    UserFactory(roles=[Role.PROGRAMME_OFFICER], email="other@example.org")
    attacker = app.test_client()
    password_step(attacker, "target@example.org")
    wrong = "000000" if totp_code() != "000000" else "111111"
    answers = [attacker.post("/sign-in/two-factor", data={"code": wrong}).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    # Even the right code waits now.
    assert attacker.post("/sign-in/two-factor", data={"code": totp_code()}).status_code == 429
    other = app.test_client()
    password_step(other, "other@example.org")
    assert other.post("/sign-in/two-factor", data={"code": totp_code()}).status_code == 302


# --- Recovery codes --------------------------------------------------------------------------------


def setup_through_pages(client) -> tuple[str, list[str]]:
    """Set two-factor up through the pages as the signed-in person: (the secret, the recovery codes)."""
    secret = secret_on(client.get("/account/two-factor/set-up").get_data(as_text=True))
    response = client.post("/account/two-factor/set-up", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.get_data(as_text=True)
    return secret, recovery_codes_on(response.get_data(as_text=True))


def test_a_recovery_code_signs_in_once_and_the_person_is_told(db, app):
    applicant = ApplicantFactory(email="lead@example.org")
    _secret, codes = setup_through_pages(sign_in_client(app, applicant))
    assert len(codes) == 10 and len(set(codes)) == 10

    client = app.test_client()
    password_step(client, "lead@example.org")
    response = client.post("/sign-in/two-factor", data={"code": codes[0].upper().replace("-", " ")})
    assert response.headers["Location"] == "/account/two-factor"
    assert is_signed_in(client)
    assert actions(db, "auth.signed_in")[-1].after == {"two_factor": "recovery_code"}
    told = emails(db, "recovery_code_used")
    assert len(told) == 1 and "9 recovery codes left" in told[0].body_text

    again = app.test_client()
    password_step(again, "lead@example.org")
    assert again.post("/sign-in/two-factor", data={"code": codes[0]}).status_code == 200
    assert not is_signed_in(again)


def test_new_recovery_codes_need_the_password_and_replace_the_old_ones(db, app):
    applicant = ApplicantFactory(email="lead@example.org")
    client = sign_in_client(app, applicant)
    _secret, old = setup_through_pages(client)
    refused = client.post("/account/two-factor/recovery-codes", data={"password": "not it"})
    assert refused.status_code == 400
    assert field_error(refused.get_data(as_text=True), "password") == "The password is not right"
    assert actions(db, "auth.reauthentication_failed")[0].after == {"purpose": "new recovery codes"}

    response = client.post("/account/two-factor/recovery-codes", data={"password": PASSWORD})
    new = recovery_codes_on(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    hashes = set(db.session.scalars(db.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == applicant.id)))
    assert hashes == {two_factor._hash_recovery(code) for code in new}
    assert not any(code in hashes for code in new)  # stored as hashes, not the codes


# --- Setting it up -------------------------------------------------------------------------------


def test_staff_who_must_use_two_factor_set_it_up_at_their_first_sign_in(db, app):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER], email="new.officer@example.org", two_factor=False)
    client = app.test_client()
    assert password_step(client, "new.officer@example.org", next_url="/funding/").headers["Location"] == "/funding/"
    # Every page sends them to set it up first.
    for path in ("/funding/", "/", "/applications/manage", "/account"):
        assert client.get(path).headers["Location"] == "/account/two-factor/set-up", path
    page = client.get("/account/two-factor/set-up").get_data(as_text=True)
    assert "Your role gives you access to bids, decisions and payments" in text(page)
    assert 'src="data:image/svg+xml' in page  # the QR code, an image the CSP allows
    assert 'href="/funding/"' not in page  # no navigation to pages that would only send them back here
    assets = re.findall(r'(?:href|src)="(/(?:assets|static)/[^"]+)"', page)
    assert len(assets) >= 2  # the page's styles and scripts load
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    secret = secret_on(page)

    wrong = client.post("/account/two-factor/set-up", data={"code": "12345"})
    assert wrong.status_code == 400
    assert field_error(wrong.get_data(as_text=True), "code").startswith("The code is not right")
    assert not db.session.get(User, officer.id).two_factor_enabled

    done = client.post("/account/two-factor/set-up", data={"code": pyotp.TOTP(secret).now()})
    assert h1(done.get_data(as_text=True)) == "Save your recovery codes"
    assert client.get("/funding/").status_code == 200
    stored = db.session.get(User, officer.id)
    assert stored.two_factor_enabled and secret not in stored.totp_secret
    assert two_factor.decrypt(stored.totp_secret) == secret
    assert len(actions(db, "auth.two_factor_enabled")) == 1 and len(emails(db, "two_factor_changed")) == 1


def test_the_set_up_secret_is_not_readable_in_the_session_cookie(db, app):
    client = sign_in_client(app, ApplicantFactory())
    secret = secret_on(client.get("/account/two-factor/set-up").get_data(as_text=True))
    with client.session_transaction() as session:
        assert secret not in str(dict(session))
        assert two_factor.decrypt(session[two_factor.SETUP]) == secret


def test_turning_it_on_ends_the_persons_other_sessions(db, app):
    applicant = ApplicantFactory()
    elsewhere = sign_in_client(app, applicant)
    here = sign_in_client(app, applicant)
    setup_through_pages(here)
    assert is_signed_in(here)
    assert elsewhere.get("/account").headers["Location"].startswith("/sign-in")


def test_moving_to_a_new_app_needs_the_password_and_the_old_app_stops_working(db, app):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER], email="mover@example.org")
    client = sign_in_client(app, officer)
    page = client.get("/account/two-factor/set-up").get_data(as_text=True)
    assert h1(page) == "Move two-factor sign-in to a new app"
    new_secret = secret_on(page)
    code = pyotp.TOTP(new_secret).now()
    refused = client.post("/account/two-factor/set-up", data={"code": code, "password": "wrong"})
    assert refused.status_code == 400
    assert two_factor.decrypt(db.session.get(User, officer.id).totp_secret) == TOTP_SECRET
    client.post("/account/two-factor/set-up", data={"code": code, "password": PASSWORD})
    assert two_factor.decrypt(db.session.get(User, officer.id).totp_secret) == new_secret


# --- Turning it off ----------------------------------------------------------------------------------


def test_people_whose_roles_need_it_cannot_turn_it_off(db, app):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    client = sign_in_client(app, officer)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Your role needs two-factor sign-in, so it cannot be turned off." in text(page)
    response = client.post("/account/two-factor/turn-off", data={"password": PASSWORD})
    assert response.status_code == 403
    assert db.session.get(User, officer.id).two_factor_enabled
    assert len(actions(db, "auth.two_factor_disable_refused")) == 1


def test_anyone_else_may_turn_it_off_with_their_password(db, app):
    applicant = ApplicantFactory()
    client = sign_in_client(app, applicant)
    setup_through_pages(client)
    refused = client.post("/account/two-factor/turn-off", data={"password": "wrong"})
    assert refused.status_code == 400 and db.session.get(User, applicant.id).two_factor_enabled
    response = client.post("/account/two-factor/turn-off", data={"password": PASSWORD})
    assert response.headers["Location"] == "/sign-in"
    stored = db.session.get(User, applicant.id)
    assert not stored.two_factor_enabled and stored.totp_secret is None
    assert db.session.scalar(db.select(db.func.count()).where(RecoveryCode.user_id == applicant.id)) == 0
    assert len(actions(db, "auth.two_factor_disabled")) == 1


# --- An administrator's reset -------------------------------------------------------------------


def test_an_admin_resets_someones_two_factor_with_their_own_password(db, app, admin_client):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER], name="Lost Phone")
    officer_client = sign_in_client(app, officer)
    url = f"/admin/people/{officer.id}/two-factor/reset"
    assert admin_client.post(url, data={"password": "wrong"}).status_code == 400
    assert db.session.get(User, officer.id).two_factor_enabled
    response = admin_client.post(url, data={"password": PASSWORD})
    assert response.headers["Location"] == f"/admin/people/{officer.id}/roles"
    assert not db.session.get(User, officer.id).two_factor_enabled
    assert officer_client.get("/account").headers["Location"].startswith("/sign-in")  # signed out everywhere
    event = actions(db, "auth.two_factor_reset")[0]
    assert event.actor_id == admin_client.user.id and event.object_id == str(officer.id)


def test_an_admin_cannot_reset_their_own(db, admin_client):
    me = admin_client.user
    response = admin_client.post(f"/admin/people/{me.id}/two-factor/reset", data={"password": PASSWORD})
    assert response.status_code == 403
    assert db.session.get(User, me.id).two_factor_enabled
    # Their own page offers no link to the refusal: it says who can reset it.
    page = admin_client.get(f"/admin/people/{me.id}/roles").get_data(as_text=True)
    assert "two-factor/reset" not in page and "another administrator can reset your two-factor sign-in" in page
    other = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    assert f"/admin/people/{other.id}/two-factor/reset" in admin_client.get(f"/admin/people/{other.id}/roles").get_data(
        as_text=True
    )


def test_the_people_list_shows_who_has_two_factor(db, admin_client):
    UserFactory(roles=[Role.ENABLER], name="Ellis Enabler", email="ellis@example.org")
    UserFactory(roles=[Role.PROGRAMME_OFFICER], name="Ollie Officer", email="ollie@example.org")
    html = text(admin_client.get("/admin/people?q=l").get_data(as_text=True))
    assert "Ellis Enabler ellis@example.org Enabler Off" in html
    assert "Ollie Officer ollie@example.org Programme officer On" in html


# --- Sessions and the API ---------------------------------------------------------------------------


def test_a_session_that_skipped_the_second_step_is_ended(db, app):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    client = sign_in_client(app, officer, two_factor=False)
    assert client.get("/funding/").headers["Location"] == "/sign-in"
    assert not is_signed_in(client)
    assert len(actions(db, "auth.two_factor_session_ended")) == 1


def test_an_api_token_of_staff_without_two_factor_is_refused(db, app):
    from grants.api import services as api_services

    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER], two_factor=False)
    _token, secret = api_services.create_token(
        officer, name="Reports", roles=["programme_officer"], expires_in_days=None
    )
    db.session.commit()
    response = app.test_client().get("/api/v1/rounds", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    assert "has not set up two-factor sign-in" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("stored", "expected"),
    [("not-a-fernet-token", None), (None, None), ("", None)],
)
def test_a_secret_that_cannot_be_read_counts_as_none(app, stored, expected):
    with app.app_context():
        assert two_factor.decrypt(stored) is expected


def test_a_secret_encrypted_with_another_key_cannot_be_read(app):
    with app.app_context():
        stored = two_factor.encrypt(TOTP_SECRET)
        app.config["TWO_FACTOR_KEY"] = "a different key"
        try:
            assert two_factor.decrypt(stored) is None
        finally:
            app.config["TWO_FACTOR_KEY"] = None


def test_changing_the_password_keeps_this_session_past_its_second_step(db, app):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    client = sign_in_client(app, officer)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "a new long password",
            "confirm_password": "a new long password",
        },
    )
    assert response.headers["Location"] == "/account"
    assert client.get("/funding/").status_code == 200


def test_a_session_that_skipped_the_second_step_cannot_set_up_a_new_app(db, app):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    client = sign_in_client(app, officer, two_factor=False)
    assert client.get("/account/two-factor/set-up").headers["Location"] == "/sign-in"
    assert not is_signed_in(client)


def test_setting_up_long_after_signing_in_needs_the_password(db, app):
    from grants.accounts.login import SIGNED_IN_AT

    applicant = ApplicantFactory()
    client = sign_in_client(app, applicant)
    with client.session_transaction() as session:
        session[SIGNED_IN_AT] = int(time.time()) - two_factor.RECENT_SIGN_IN_SECONDS - 1
    page = client.get("/account/two-factor/set-up").get_data(as_text=True)
    assert 'id="password"' in page
    code = pyotp.TOTP(secret_on(page)).now()
    refused = client.post("/account/two-factor/set-up", data={"code": code})
    assert refused.status_code == 400
    assert field_error(refused.get_data(as_text=True), "password") == "Enter your password"
    assert not db.session.get(User, applicant.id).two_factor_enabled
    done = client.post("/account/two-factor/set-up", data={"code": code, "password": PASSWORD})
    assert h1(done.get_data(as_text=True)) == "Save your recovery codes"


def test_the_third_wrong_code_warns_the_person_once(db, client):
    UserFactory(roles=[Role.PROGRAMME_OFFICER], email="warned@example.org")
    password_step(client, "warned@example.org")
    wrong = "000000" if totp_code() != "000000" else "111111"
    for attempt in range(1, 5):
        client.post("/sign-in/two-factor", data={"code": wrong})
        assert len(emails(db, "two_factor_failures")) == (1 if attempt >= 3 else 0), attempt
    assert "right password" in emails(db, "two_factor_failures")[0].body_text


def test_a_password_reset_still_asks_for_the_code(db, client):
    from grants.accounts.tokens import make_reset_token

    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER], email="reset@example.org")
    new = "a brand new long password"
    response = client.post(
        f"/password/reset/{make_reset_token(officer)}", data={"password": new, "confirm_password": new}
    )
    assert response.headers["Location"] == "/sign-in"
    step = client.post("/sign-in", data={"email": "reset@example.org", "password": new})
    assert step.headers["Location"] == "/sign-in/two-factor"
    assert not is_signed_in(client)


def test_recovery_codes_are_long_enough_to_keep_as_keyed_hashes(db, app):
    _secret, codes = setup_through_pages(sign_in_client(app, ApplicantFactory()))
    symbols = len(two_factor.RECOVERY_ALPHABET)
    for code in codes:
        raw = code.replace("-", "")
        assert len(raw) * math.log2(symbols) >= 112 and set(raw) <= set(two_factor.RECOVERY_ALPHABET)


def test_an_old_key_kept_after_the_new_one_still_reads_secrets_and_recovery_codes(db, app):
    applicant = ApplicantFactory(email="rotated@example.org")
    app.config["TWO_FACTOR_KEY"] = "the old key"
    try:
        secret, codes = setup_through_pages(sign_in_client(app, applicant))
        app.config["TWO_FACTOR_KEY"] = "the new key,the old key"
        assert two_factor.decrypt(db.session.get(User, applicant.id).totp_secret) == secret
        client = app.test_client()
        password_step(client, "rotated@example.org")
        assert client.post("/sign-in/two-factor", data={"code": codes[0]}).status_code == 302

        app.config["TWO_FACTOR_KEY"] = "the new key"  # the old key dropped too soon
        lost = app.test_client()
        password_step(lost, "rotated@example.org")
        page = lost.post("/sign-in/two-factor", data={"code": pyotp.TOTP(secret).now()}).get_data(as_text=True)
        assert "can no longer be checked" in field_error(page, "code")
        assert len(actions(db, "auth.two_factor_unreadable")) == 1
    finally:
        app.config["TWO_FACTOR_KEY"] = None


def test_a_challenge_with_no_sign_in_under_way_is_audited(db, client):
    client.post("/sign-in/two-factor", data={"code": "123456"})
    assert actions(db, "auth.two_factor_refused")[0].after == {"reason": "no sign-in under way"}


def _verify_at_once(app, db, user_id: int, code: str) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def verify():
        with app.test_request_context():
            user = db.session.get(User, user_id)
            barrier.wait(10)
            try:
                outcomes.append(two_factor.verify(user, code))
                db.session.commit()
            except two_factor.TwoFactorError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=verify) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_the_same_code_sent_twice_at_the_same_moment_signs_in_once(app, committed_db):
    """On PostgreSQL with real commits: two requests with one code meet at a barrier; one passes."""
    officer_id = UserFactory(roles=[Role.PROGRAMME_OFFICER]).id
    for offset in (0, 1):  # each later than the last, and still valid if the clock ticks meanwhile
        outcomes = _verify_at_once(app, committed_db, officer_id, totp_code(step_offset=offset))
        assert sorted(outcomes) == ["app", "refused"], (offset, outcomes)
