"""Who may anonymise people: programme officers, who run the programme and its records."""

from grants.core.permissions import Role

ANONYMISERS = frozenset({Role.PROGRAMME_OFFICER})
