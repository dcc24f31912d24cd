"""Signals between areas, so that one area can react to another's changes without the two
depending on each other. Receivers run inside the sender's transaction: what they change is
committed, or rolled back, with the change that caused it."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Something a project's funding conditions may depend on has changed (an enabler assigned or
#: ended, a report accepted, learning evidenced...). Sent with the project; ``actor`` as a keyword.
project_changed = _signals.signal("project-changed")

#: A tranche's conditions have all just been met (funding sends it, with the tranche's id, after a
#: flush); the reminders area tells the programme officers at once.
tranche_became_eligible = _signals.signal("tranche-became-eligible")
