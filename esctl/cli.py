"""`esctl`: the ledger's operator command line."""

from __future__ import annotations

import contextlib
import signal
import threading
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from esctl.connection import Target, configure

app = typer.Typer(help="Operate the event-sourced ledger: local stack, history, audits, rebuilds.")
console = Console()
errors = Console(stderr=True)


class Options:
    target = Target("local", None, None, None)


@app.callback()
def main(
    endpoint_url: Annotated[
        str | None, typer.Option(envvar="AWS_ENDPOINT_URL", help="AWS endpoint (moto locally)")
    ] = None,
    stage: Annotated[str, typer.Option(envvar="LEDGER_STAGE", help="local, dev or prod")] = "local",
    stack: Annotated[
        str | None, typer.Option(help="deployed stack name; reads its outputs")
    ] = None,
    region: Annotated[str | None, typer.Option(envvar="AWS_DEFAULT_REGION")] = None,
) -> None:
    Options.target = Target(stage, endpoint_url, stack, region)


@app.command()
def serve(
    port: Annotated[int, typer.Option(envvar="PORT", help="HTTP port of the API")] = 8000,
    aws_port: Annotated[int, typer.Option(envvar="AWS_PORT", help="port of the local AWS")] = 5000,
    host: str = "127.0.0.1",
    containers: Annotated[
        int,
        typer.Option(
            min=1,
            max=32,
            help="command containers (processes) serving at once; above 1, commands race",
        ),
    ] = 1,
) -> None:
    """Run the whole system locally: moto, the API over HTTP, and the projector."""
    from esctl import local_stack

    def say(line: str) -> None:
        print(line, flush=True)  # plain lines: scripts (and the e2e tests) read them

    stack = local_stack.start(host, port, aws_port, log=say, containers=containers)
    say(f"API          {stack.api_url}")
    say(f"Swagger UI   {stack.api_url}/docs")
    say(f"Local AWS    {stack.aws_url}")
    say(f"Operator CLI .venv/bin/esctl --endpoint-url {stack.aws_url} history <account_id>")
    say("Press Ctrl-C to stop.")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    stack.stop()
    say("stopped")


def _connect() -> None:
    settings = configure(Options.target)
    if "SNAPSHOT_BUCKET" not in settings:
        errors.print("which stack? give --stack <name> (or SNAPSHOT_BUCKET and the table names)")
        raise typer.Exit(2)


@app.command()
def history(account_id: str, limit: Annotated[int, typer.Option(min=1, max=1000)] = 1000) -> None:
    """An account's events, oldest first."""
    _connect()
    from eventcore.errors import DomainError
    from handlers import dependencies

    try:
        page = dependencies.ledger().history(account_id, after=0, limit=limit)
    except DomainError as missing:
        errors.print(f"[red]{missing.message}[/red]")
        raise typer.Exit(2) from None
    table = Table("version", "recorded at", "type", "data", "actor", "command id", "hash")
    for event in page.events:
        data = ", ".join(f"{k}={v}" for k, v in event["data"].items())
        table.add_row(
            str(event["version"]),
            event["recorded_at"],
            f"{event['type']} v{event['schema_version']}",
            data,
            event["actor"],
            event["command_id"],
            event["hash"][:12],
        )
    console.print(table)


@app.command()
def state(
    account_id: str,
    version: Annotated[
        int | None, typer.Option(min=1, help="state right after this version")
    ] = None,
    at: Annotated[
        datetime | None, typer.Option(help="state at this time (ISO-8601, UTC if no zone)")
    ] = None,
) -> None:
    """An account's state, now or as it was."""
    _connect()
    from datetime import UTC

    from eventcore.errors import DomainError
    from handlers import dependencies

    ledger = dependencies.ledger()
    try:
        if version is None and at is None:
            view = ledger.account(account_id, strong=True)
        else:
            moment = at if at is None or at.tzinfo else at.replace(tzinfo=UTC)
            view = ledger.state_at(account_id, version=version, at=moment)
    except DomainError as missing:
        errors.print(f"[red]{missing.message}[/red]")
        raise typer.Exit(2) from None
    table = Table("field", "value")
    for name, value in view.to_json().items():
        table.add_row(name, str(value))
    console.print(table)


@app.command(name="verify")
def verify_command(
    account_id: Annotated[str | None, typer.Argument(help="one account; omit with --all")] = None,
    all_streams: Annotated[bool, typer.Option("--all", help="every stream in the table")] = False,
) -> None:
    """Check hash chains; exit 1 if any chain is broken."""
    if (account_id is None) == (not all_streams):
        errors.print("give an account id or --all")
        raise typer.Exit(2)
    _connect()
    from esctl.operations import account_stream, verify_streams
    from handlers import dependencies

    store = dependencies.ledger().repository.store
    streams = [account_stream(account_id)] if account_id else None
    broken = checked = commits = 0
    for report in verify_streams(store, streams):
        checked += 1
        commits += report.commits
        if not report.ok:
            broken += 1
            where = f"{report.stream_id} at version {report.broken_at}"
            errors.print(f"[red]BROKEN[/red] {where}: {report.reason}")
        elif report.commits == 0:
            broken += 1
            errors.print(f"[red]EMPTY[/red] {report.stream_id}: no commits")
    colour = "red" if broken else "green"
    summary = f"{checked - broken} of {checked} streams intact"
    console.print(f"[{colour}]{summary}[/{colour}], {commits} commits checked")
    raise typer.Exit(1 if broken else 0)


class EventsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} events/s" if speed else "… events/s")


@app.command()
def rebuild(
    model: Annotated[str, typer.Argument(help="the read model to rebuild")] = "accounts",
    settle_seconds: Annotated[
        float, typer.Option(help="wait for cached slot pointers to expire")
    ] = 30.0,
) -> None:
    """Blue/green rebuild of a read model from the event table, then switch readers over."""
    if model != "accounts":
        errors.print(f"unknown read model {model!r}; known: accounts")
        raise typer.Exit(2)
    _connect()
    from esctl.operations import rebuild_accounts

    columns = (
        TextColumn("rebuilding {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        EventsPerSecond(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(model, total=None)
        report = rebuild_accounts(
            progress=lambda n: bar.advance(task, n),
            on_total=lambda total: bar.update(task, total=total),
            settle_seconds=settle_seconds,
        )
    console.print(
        f"{report.model}: {report.streams} streams, {report.events} events into slot "
        f"{report.new_slot}; readers switched from {report.previous_slot}; "
        f"{report.caught_up_after_switch} late events caught up; {report.parked} parked"
    )


@app.command()
def parked(
    replay: Annotated[bool, typer.Option("--replay", help="unpark and catch up")] = False,
) -> None:
    """Parked streams and their errors."""
    _connect()
    from handlers import dependencies

    views = dependencies.account_view_store(dependencies.settings())
    entries = list(views.parked)
    table = Table("stream", "version", "parked at", "error")
    for entry in entries:
        table.add_row(entry.stream_id, str(entry.version), entry.parked_at, entry.error)
    console.print(table if entries else "no parked streams")
    if replay and entries:
        from esctl.operations import replay_parked

        for stream, parked_again in replay_parked():
            outcome = "caught up" if parked_again is None else f"parked again at {parked_again}"
            console.print(f"{stream}: {outcome}")


@app.command()
def tail(
    follow: Annotated[
        bool,
        typer.Option(
            "--follow/--no-follow",
            help="keep waiting for events until Ctrl-C; --no-follow drains the queue and exits",
        ),
    ] = True,
    idle_seconds: Annotated[
        float, typer.Option(min=0, help="with --no-follow: exit after this long without events")
    ] = 2.0,
    queue_url: Annotated[
        str | None, typer.Option(help="the subscribed queue (default: the example subscription's)")
    ] = None,
) -> None:
    """Print integration events as they reach the example subscription's queue, then delete them.

    One line per event: recorded time, type, stream/version, data.
    """
    _connect()
    import boto3
    from botocore.exceptions import ClientError

    from esctl.integration_tail import tail as drain
    from esctl.provision import example_queue_name

    sqs = boto3.client("sqs")
    local = Options.target.stage == "local"
    try:
        url = (
            queue_url
            or sqs.get_queue_url(QueueName=example_queue_name(Options.target.stage))["QueueUrl"]
        )
        with contextlib.suppress(KeyboardInterrupt):
            drain(
                sqs,
                url,
                lambda line: print(line, flush=True),
                follow=follow,
                idle_seconds=idle_seconds,
                # Server-side long polls on AWS; the local AWS is polled instead (see tail()).
                wait_seconds=0 if local else (20 if follow else min(20, int(idle_seconds))),
            )
    except ClientError as failed:
        errors.print(f"[red]{failed}[/red]")
        raise typer.Exit(2) from None


@app.command()
def schemas(
    check: Annotated[
        bool, typer.Option("--check", help="write nothing; exit 1 if the files are stale")
    ] = False,
) -> None:
    """Write the JSON Schema of every integration event type and version to docs/events/."""
    from esctl.event_schemas import DOCS_EVENTS, stale, write

    changed = stale() if check else write()
    for name in changed:
        console.print(f"{'stale' if check else 'wrote'} {DOCS_EVENTS / name}")
    if check and changed:
        raise typer.Exit(1)
    if not changed:
        console.print(f"{DOCS_EVENTS} is up to date")
