"""Signed, expiring links for partner contacts, who confirm their part without an account.

The token names the partner and the invitation's nonce: a new invitation (a changed contact, or a
resend) makes earlier links stop working, and a response makes the link answer "already responded".
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from grants.extensions import db

SALT = "grants.partner-invitation"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_partner_token(partner) -> str:
    return _serializer().dumps({"partner": partner.id, "nonce": partner.invitation_nonce})


def partner_for_token(token: str):
    """(partner, None) for a good link, or (None, "expired" | "invalid")."""
    from grants.applications.models import Partner

    max_age = current_app.config["PARTNER_LINK_DAYS"] * 24 * 3600
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        return None, "expired"
    except BadSignature:
        return None, "invalid"
    if not isinstance(data, dict):
        return None, "invalid"
    partner = db.session.get(Partner, data.get("partner")) if isinstance(data.get("partner"), int) else None
    if partner is None or partner.invitation_nonce != data.get("nonce"):
        return None, "invalid"
    return partner, None
