"""What a new password must be. Checked by the forms (so every problem shows at once) and again by the
services (so no other way in can skip it)."""

from __future__ import annotations

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password or "") < PASSWORD_MIN_LENGTH:
        return f"Password must be {PASSWORD_MIN_LENGTH} characters or more"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Password must be {PASSWORD_MAX_LENGTH} characters or fewer"
    if email and password.strip().lower() == email.strip().lower():
        return "Password must not be your email address"
    return None
