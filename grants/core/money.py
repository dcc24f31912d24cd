"""Money is integer pence everywhere; these helpers turn it into words and back."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MAX_PENCE = 10**11  # £1 billion: anything larger is a typing mistake, not a grant


class MoneyError(ValueError):
    """The text does not describe an amount of money."""


def format_pence(pence: int | None, *, whole: bool = False) -> str:
    """``2700000`` → ``£27,000.00`` (``£27,000`` with ``whole=True`` when there are no pence)."""
    if pence is None:
        return ""
    if not isinstance(pence, int) or isinstance(pence, bool):
        raise TypeError(f"money is integer pence, not {type(pence).__name__}")
    sign = "-" if pence < 0 else ""
    pounds, rem = divmod(abs(pence), 100)
    if whole and rem == 0:
        return f"{sign}£{pounds:,}"
    return f"{sign}£{pounds:,}.{rem:02d}"


def parse_pounds(text: str) -> int:
    """``"£27,000"``, ``"27000.00"`` or ``"27,000.5"`` → pence. Refuses fractions of a penny and negatives."""
    cleaned = (text or "").strip().replace(",", "").replace(" ", "")
    if cleaned.startswith("£"):
        cleaned = cleaned[1:]
    if not cleaned:
        raise MoneyError("Enter an amount")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise MoneyError("Enter an amount in pounds, like 27,000 or 27000.00") from None
    if not amount.is_finite():
        raise MoneyError("Enter an amount in pounds, like 27,000 or 27000.00")
    if amount < 0:
        raise MoneyError("Enter an amount of £0 or more")
    if amount > Decimal(MAX_PENCE) / 100:  # before quantize, which fails on more digits than Decimal keeps
        raise MoneyError("Enter an amount of £1,000,000,000 or less")
    if amount != amount.quantize(Decimal("0.01")):
        raise MoneyError("Enter an amount in pounds and pence, with no more than 2 decimal places")
    pence = int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if pence > MAX_PENCE:
        raise MoneyError("Enter an amount of £1,000,000,000 or less")
    return pence


def split_pence(total: int, percentages: list[int]) -> list[int]:
    """Split ``total`` by whole percentages; the rounding remainder goes to the last part.

    ``split_pence(2_700_000, [50, 30, 20])`` → ``[1_350_000, 810_000, 540_000]``; the parts always
    sum exactly to ``total``.
    """
    if not percentages or sum(percentages) != 100 or any(p <= 0 for p in percentages):
        raise MoneyError("The parts must be positive whole percentages that add up to 100")
    parts = [total * p // 100 for p in percentages[:-1]]
    parts.append(total - sum(parts))
    return parts
