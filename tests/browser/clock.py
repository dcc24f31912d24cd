"""The clock the served process's two-factor check reads: the real time plus an offset kept in a file,
which the journeys move forward (never back).

An authenticator code is accepted once, so a person signing in twice within 30 seconds needs the next
code. Instead of waiting up to 30 s for it, the journeys move the server's clock into the next step.
Only the served test process reads this clock (``tests/browser/serve.py --clock``); the application's
check itself is unchanged: the current step or one either side, never a step taken before.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

STEP_SECONDS = 30  # grants.accounts.two_factor.STEP_SECONDS, without importing the application here


def offset_in(path: Path) -> float:
    """Seconds the clock in ``path`` is ahead of the real time."""
    return float(path.read_text() or 0)


class ServerClock:
    def __init__(self, path: Path):
        self.path = path
        self._write(0.0)
        self.last_step: dict[str, int] = {}  # email -> the step of the last code given for them

    def now(self) -> float:
        return time.time() + offset_in(self.path)

    def fresh_step(self, email: str) -> int:
        """A step whose code the server accepts now for ``email`` (never one given them before): the
        current one, or the next after their last, with the server's clock moved into it."""
        step = max(int(self.now() // STEP_SECONDS), self.last_step.get(email, -1) + 1)
        ahead = step * STEP_SECONDS + 1 - self.now()  # a second into the step
        if ahead > 0:
            self._write(offset_in(self.path) + ahead)
        self.last_step[email] = step
        return step

    def _write(self, offset: float) -> None:
        """Replaced whole, so the server never reads a half-written file."""
        partial = self.path.with_suffix(".partial")
        partial.write_text(repr(offset))
        os.replace(partial, self.path)


CLOCKS: dict[str, ServerClock] = {}  # a served process's URL -> its clock
