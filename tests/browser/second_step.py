"""The second step of signing in, as a person with an authenticator app would take it: set it up on
the set-up page (reading the key shown there), or type the code the app shows now.

An app's code is accepted once: the same person signing in twice within 30 seconds needs the next
code. They would wait for it; the journeys move the served process's clock into the next step instead
(``tests/browser/clock.py``).
"""

from __future__ import annotations

import pyotp

from tests.browser.clock import CLOCKS, STEP_SECONDS
from tests.browser.visitor import Visitor
from tests.factories import TOTP_SECRET

SECRETS: dict[str, str] = {}  # email -> the key their app holds (TOTP_SECRET unless set up here)


def _fresh_code(visitor: Visitor, email: str) -> str:
    step = CLOCKS[visitor.base_url].fresh_step(email)
    return pyotp.TOTP(SECRETS.get(email, TOTP_SECRET)).at(step * STEP_SECONDS)


def pass_second_step(visitor: Visitor, email: str) -> Visitor:
    """After the password: enter the code, or set two-factor up if the person's role needs it and
    they have not yet. Does nothing for a person without it."""
    if visitor.path == "/sign-in/two-factor":
        visitor.fill("Code", _fresh_code(visitor, email)).click_button("Continue")
    elif visitor.path == "/account/two-factor/set-up":
        secret = visitor.page.get_by_test_id("two-factor-secret").inner_text().replace(" ", "")
        SECRETS[email] = secret
        visitor.fill("Code from your authenticator app", _fresh_code(visitor, email))
        visitor.click_button("Turn on two-factor sign-in")
        assert visitor.h1() == "Save your recovery codes", visitor.error_summary()
        assert len(visitor.page.get_by_test_id("recovery-codes").locator("li").all()) == 10
        visitor.click_button("I have saved my recovery codes")  # a link drawn as a button
    return visitor
