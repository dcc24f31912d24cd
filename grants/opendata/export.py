"""An export of the awarded grants of a round (or of the programme): the same stream for the page's
downloads and the command line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from grants.bidforms.queries import forms_of
from grants.core.db import utcnow
from grants.core.errors import GrantsError
from grants.core.times import london_today
from grants.extensions import db
from grants.opendata import queries
from grants.opendata.threesixtygiving import (
    Publisher,
    build_grant,
    package_chunks,
    package_metadata,
    spreadsheet_chunks,
)
from grants.rounds.models import Round

FORMATS = {"json": "application/json", "csv": "text/csv"}


class NothingToPublish(GrantsError):
    """No awarded grant yet: a 360Giving package must hold at least one."""

    def __init__(self, round_: Round | None):
        where = f"in {round_.code}: {round_.title}" if round_ is not None else "in the programme"
        super().__init__(
            f"There are no awarded grants {where} yet, so there is nothing to publish. "
            "A grant appears here once the decision to approve its bid has taken effect."
        )


@dataclass
class Export:
    """What one export holds: a round (or None for the whole programme), its format and size."""

    publisher: Publisher
    round: Round | None
    format: str
    count: int
    issued: datetime = field(default_factory=utcnow)
    written: int = 0

    @property
    def mimetype(self) -> str:
        return FORMATS[self.format]

    @property
    def filename(self) -> str:
        scope = self.round.code if self.round is not None else "all-rounds"
        return f"360giving-{scope}-{london_today().isoformat()}.{self.format}"

    def chunks(self) -> Iterator[str]:
        """The file as text chunks, each grant built as its row arrives from the database."""
        if self.format == "json":
            metadata = package_metadata(self.publisher, self.round, issued=self.issued)
            return package_chunks(metadata, self._grants())
        return spreadsheet_chunks(self._grants())

    def _grants(self) -> Iterator[dict]:
        round_id = self.round.id if self.round is not None else None
        # Each round's form says which answers describe its grants: loaded once, before the rows stream.
        forms = forms_of(queries.awarded_round_ids(round_id))
        summaries = {round_id: form.public_summary for round_id, form in forms.items()}
        result = db.session.execute(queries.awarded_grants(round_id))
        try:
            for row in result:
                self.written += 1
                yield build_grant(row, self.publisher, summaries.get(row.round_id, ()))
        finally:
            result.close()


def prepare_export(publisher: Publisher, round_: Round | None, format_: str) -> Export:
    """An export ready to stream, or NothingToPublish when there is no awarded grant to put in it."""
    if format_ not in FORMATS:
        raise ValueError(f"unknown format {format_!r}")
    count = queries.count_awarded(round_.id if round_ is not None else None)
    if not count:
        raise NothingToPublish(round_)
    return Export(publisher=publisher, round=round_, format=format_, count=count)
