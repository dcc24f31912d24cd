"""Figures kept as the data changes: a bid's weighted score, the portfolio's totals. Each area that keeps
figures updates them in the same transaction as the change that moves them, and registers here how to
recompute them from scratch, so ``flask --app wsgi figures check`` can compare the two and report any
difference (nothing is changed; ``--repair`` writes the recomputed figures)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import click
from flask.cli import AppGroup


@dataclass(frozen=True)
class KeptFigures:
    name: str  # "bid scores"
    check: Callable[[], list[str]]  # each difference found, described for a person ("LV2-0007: kept 61.0, is 62.5")
    repair: Callable[[], int]  # writes the recomputed figures; answers how many rows changed


_KEPT: dict[str, KeptFigures] = {}


def register_kept_figures(figures: KeptFigures) -> None:
    _KEPT[figures.name] = figures


def kept_figures() -> list[KeptFigures]:
    return [_KEPT[name] for name in sorted(_KEPT)]


def differences() -> dict[str, list[str]]:
    """Every kept figure against its recomputation: ``{name: [difference, ...]}`` (empty lists: all agree)."""
    return {figures.name: figures.check() for figures in kept_figures()}


figures_cli = AppGroup("figures", help="Check the figures kept as the data changes against a recomputation.")


@figures_cli.command("check")
@click.option("--repair", is_flag=True, help="Write the recomputed figures where they differ.")
def check_command(repair: bool) -> None:
    """Recompute every kept figure from scratch and report any difference (exit status 1 if there is one)."""
    from grants.extensions import db

    found = differences()
    for name, problems in found.items():
        click.echo(f"{name}: {'agree' if not problems else f'{len(problems)} differ'}")
        for problem in problems[:20]:
            click.echo(f"  {problem}")
    if repair and any(found.values()):
        for figures in kept_figures():
            if found[figures.name]:
                click.echo(f"{figures.name}: {figures.repair()} repaired")
        db.session.commit()
        return
    if any(found.values()):
        raise SystemExit(1)
