"""`esctl transfer` and `esctl audit`: one transfer with its events, and the whole ledger
recomputed from its events and compared with the read models."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from hosting.host import Host

console = Console()
errors = Console(stderr=True)


def register(app: typer.Typer, connect: Callable[[], Host]) -> None:
    @app.command()
    def transfer(
        transfer_id: Annotated[str, typer.Argument(help="the transfer's id")],
    ) -> None:
        """A transfer as its events fold it, and its events."""
        from application.callers import SYSTEM
        from domains.transfers.service import Transfers
        from eventcore.errors import NotFound

        host = connect()
        service: Transfers = host.service("transfers")
        try:
            shown = service.transfer(transfer_id, SYSTEM, strong=True)
            page = service.history(transfer_id, SYSTEM, after=0, limit=1000)
        except NotFound:
            errors.print(f"[red]transfer {transfer_id} does not exist[/red]")
            raise typer.Exit(2) from None
        facts = Table(show_header=False)
        for key, value in shown.to_json().items():
            facts.add_row(key, "" if value is None else str(value))
        console.print(facts)
        console.print(_events(page.events))

    @app.command()
    def audit() -> None:
        """Recompute every account and transfer from the events alone, check that every
        transfer moved the same amount out of one account and into the other, and compare
        all of it with the read models; exit 1 on any difference."""
        from esctl.ledger_audit import audit as run_audit

        host = connect()
        streams = sorted(host.aggregates.store.stream_ids())
        columns = (TextColumn("auditing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=errors, transient=True) as bar:
            task = bar.add_task("streams", total=len(streams))
            found = run_audit(host, streams, progress=lambda n: bar.advance(task, n))
        for problem in found.problems:
            errors.print(f"[red]DIFFERS[/red] {problem}")
        colour = "red" if found.problems else "green"
        console.print(
            f"[{colour}]{len(found.problems)} differences[/{colour}]: {len(found.accounts)}"
            f" accounts, {len(found.transfers)} transfers recomputed from their events"
        )
        raise typer.Exit(1 if found.problems else 0)


def _events(events: list[dict[str, Any]]) -> Table:
    table = Table("version", "recorded at", "type", "data", "actor")
    for event in events:
        data = ", ".join(f"{k}={v}" for k, v in event["data"].items())
        table.add_row(
            str(event["version"]), event["recorded_at"], event["type"], data, event["actor"]
        )
    return table
