"""`esctl`: the ledger's operator command line."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from application.callers import Role
from esctl import ledger_proofs, ledger_transfers
from esctl.connection import Target, configure
from eventcore.commits import format_time
from installed_domains import DOMAINS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from adapters.integration_bus_eventbridge import BusEntry, FailedEntry
    from adapters.signature_ecdsa import EcdsaVerifier
    from esctl.republish import Report
    from handlers.aws_infrastructure import AwsInfrastructure
    from hosting.host import Host

app = typer.Typer(help="Operate the event-sourced ledger: local stack, history, audits, rebuilds.")
console = Console()
errors = Console(stderr=True)
# How long a commit may go unsigned before verify reports it: the digester runs every minute
# (every 5 s under `make run`) on the streams the projector marked, so this is its usual lag
# with room for a projector retrying or a digest run cut short.
DIGEST_LAG = timedelta(minutes=5)


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


def _connect() -> Host:
    settings = configure(Options.target, DOMAINS)
    if "SNAPSHOT_BUCKET" not in settings:
        errors.print("which stack? give --stack <name> (or SNAPSHOT_BUCKET and the table names)")
        raise typer.Exit(2)
    from handlers import bootstrap

    return bootstrap.host()


def _aws() -> AwsInfrastructure:
    from handlers import bootstrap

    return bootstrap.aws()


Category = Annotated[
    str | None,
    typer.Option(help="the stream category (default: the first domain's, or the id's own prefix)"),
]


def _stream(host: Host, identifier: str, category: str | None) -> str:
    from esctl.operations import resolve_stream

    try:
        return resolve_stream(host, identifier, category)
    except KeyError as unknown:
        errors.print(f"[red]{unknown.args[0]}[/red]")
        raise typer.Exit(2) from None


@app.command()
def history(
    identifier: Annotated[str, typer.Argument(help="an id (e.g. an account id) or a stream id")],
    category: Category = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 1000,
) -> None:
    """A stream's events, oldest first."""
    from application.history import erasure_recorded, revealed
    from application.history import history as page_of

    host = _connect()
    stream = _stream(host, identifier, category)
    page = page_of(host.aggregates.store, stream, after=0, limit=limit)
    if page is None:
        errors.print(f"[red]{stream} does not exist[/red]")
        raise typer.Exit(2)
    # Operators see names (null once erased): this needs the personal-data key's Decrypt.
    erased = erasure_recorded(host.aggregates.store, stream)
    registry = host.aggregates.repository(stream).registry
    page = revealed(page, host.platform.personal, registry.personal_fields if erased else None)
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
    identifier: Annotated[str, typer.Argument(help="an id (e.g. an account id) or a stream id")],
    category: Category = None,
    version: Annotated[
        int | None, typer.Option(min=1, help="state right after this version")
    ] = None,
    at: Annotated[
        datetime | None, typer.Option(help="state at this time (ISO-8601, UTC if no zone)")
    ] = None,
) -> None:
    """A stream's state, now or as it was (as its domain keeps it in snapshots)."""
    from esctl.operations import state_of

    host = _connect()
    stream = _stream(host, identifier, category)
    moment = None if at is None else format_time(at if at.tzinfo else at.replace(tzinfo=UTC))
    try:
        found = state_of(host, stream, version, moment)
    except LookupError as missing:
        errors.print(f"[red]{missing.args[0]}[/red]")
        raise typer.Exit(2) from None
    table = Table("field", "value")
    for name, value in found.items():
        table.add_row(name, str(value))
    console.print(table)


@app.command(name="verify")
def verify_command(
    identifier: Annotated[
        str | None, typer.Argument(help="one stream (an id or a stream id); omit with --all")
    ] = None,
    category: Category = None,
    all_streams: Annotated[bool, typer.Option("--all", help="every stream in the table")] = False,
    public_key: Annotated[
        Path | None,
        typer.Option(help="check digests with this public key (PEM), not the one KMS names"),
    ] = None,
    no_digests: Annotated[
        bool, typer.Option("--no-digests", help="check chains and snapshots only")
    ] = False,
) -> None:
    """Check hash chains, latest snapshots, and every head the digests signed; exit 1 on any
    difference."""
    if (identifier is None) == (not all_streams):
        errors.print("give a stream (an id) or --all")
        raise typer.Exit(2)
    from esctl.ledger_proofs import digested_heads
    from esctl.operations import verify_streams

    host = _connect()
    streams = [_stream(host, identifier, category)] if identifier else None
    broken = checked = commits = 0
    digested, digests_problem = (None, None) if no_digests else digested_heads(_pinned(public_key))
    if digests_problem is not None:
        errors.print(f"[red]BROKEN[/red] digests: {digests_problem}")
    elif digested is None and not no_digests:
        # Failing closed: a stack that names no digests cannot show truncation or a re-seal.
        digests_problem = "this stack names no digest bucket or key (--no-digests to skip)"
        errors.print(f"[red]NOT CHECKED[/red] digests: {digests_problem}")
    signed_before = format_time(datetime.now(UTC) - DIGEST_LAG)
    for report in verify_streams(host.aggregates, streams, digested, signed_before):
        checked += 1
        commits += report.commits
        if not report.ok:
            broken += 1
            where = f"{report.stream_id} at version {report.broken_at}"
            errors.print(f"[red]BROKEN[/red] {where}: {report.reason}")
        elif report.commits == 0:
            broken += 1
            errors.print(f"[red]EMPTY[/red] {report.stream_id}: no commits")
    failed = bool(broken) or digests_problem is not None
    colour = "red" if failed else "green"
    summary = f"{checked - broken} of {checked} streams intact"
    against = f", against {digested.digests} digests" if digested else ""
    console.print(f"[{colour}]{summary}[/{colour}], {commits} commits checked{against}")
    raise typer.Exit(1 if failed else 0)


def _pinned(public_key: Path | None) -> EcdsaVerifier | None:
    if public_key is None:
        return None
    from adapters.signature_ecdsa import EcdsaVerifier

    try:
        return EcdsaVerifier.from_pem(public_key.read_bytes())
    except (OSError, ValueError) as unreadable:
        errors.print(f"[red]cannot read the public key: {unreadable}[/red]")
        raise typer.Exit(2) from None


class EventsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} events/s" if speed else "… events/s")


@app.command()
def rebuild(
    model: Annotated[
        str | None, typer.Argument(help="the read model to rebuild (default: the first)")
    ] = None,
    settle_seconds: Annotated[
        float, typer.Option(help="wait for cached slot pointers to expire")
    ] = 30.0,
) -> None:
    """Blue/green rebuild of a read model from the event table, then switch readers over."""
    known = [m.name for _, m in DOMAINS.read_models()]
    name = model or known[0]
    if name not in known:
        errors.print(f"unknown read model {name!r}; known: {', '.join(known)}")
        raise typer.Exit(2)
    from esctl.operations import rebuild as rebuild_model

    host = _connect()
    columns = (
        TextColumn("rebuilding {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        EventsPerSecond(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(name, total=None)
        report = rebuild_model(
            host,
            _aws(),
            name,
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
    model: Annotated[
        list[str] | None, typer.Option(help="a read model (repeatable; default: every one)")
    ] = None,
    replay: Annotated[bool, typer.Option("--replay", help="unpark and catch up")] = False,
) -> None:
    """Parked streams and their errors, per read model."""
    known = [m.name for _, m in DOMAINS.read_models()]
    names = model or known
    unknown = [name for name in names if name not in known]
    if unknown:
        errors.print(f"unknown read model {', '.join(unknown)}; known: {', '.join(known)}")
        raise typer.Exit(2)
    from esctl.operations import parked as parked_in
    from esctl.operations import replay_parked

    host = _connect()
    entries = parked_in(host, _aws(), names)
    table = Table("read model", "stream", "version", "parked at", "error")
    for entry in entries:
        table.add_row(
            entry.model, entry.stream_id, str(entry.version), entry.parked_at, entry.error
        )
    console.print(table if entries else "no parked streams")
    if replay and entries:
        for name, stream, parked_again in replay_parked(host, _aws(), names):
            outcome = "caught up" if parked_again is None else f"parked again at {parked_again}"
            console.print(f"{name} {stream}: {outcome}")


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
    source: Annotated[
        list[str] | None,
        typer.Option(help="print only this integration source's events (repeatable)"),
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
                sources=frozenset(source) if source else None,
            )
    except ClientError as failed:
        errors.print(f"[red]{failed}[/red]")
        raise typer.Exit(2) from None


class PhaseProgress:
    """`esctl.republish.Watch` on a rich progress display: one bar per phase. Scan segments
    advance it from several threads."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task: TaskID | None = None
        self.total: int | None = None
        self.done = 0
        self._lock = threading.Lock()

    def phase(self, name: str, total: int | None) -> None:
        with self._lock:
            self.task, self.total, self.done = self.bar.add_task(name, total=total), total, 0

    def advance(self, count: int) -> None:
        with self._lock:
            if self.task is None:
                return
            self.done += count
            # A table's item count is DynamoDB's estimate, refreshed about every six hours.
            if self.total is not None and self.done > self.total:
                self.total = self.done
            self.bar.update(self.task, completed=self.done, total=self.total)


@app.command(name="republish")
def republish_command(
    *,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="list what would be published; change nothing")
    ] = False,
    slack: Annotated[
        float,
        typer.Option(
            min=0,
            help="seconds before a batch's first record and after its last in which its"
            " commits may have been recorded",
        ),
    ] = 60.0,
    segments: Annotated[
        int, typer.Option(min=1, max=32, help="parallel Scan segments (faster, same cost)")
    ] = 1,
    visibility_timeout: Annotated[
        int,
        typer.Option(
            min=30,
            max=43_200,
            help="seconds the run hides the queue's messages from other readers; a run that"
            " dies leaves them hidden this long",
        ),
    ] = 900,
    queue_url: Annotated[
        str | None, typer.Option(help="the on-failure queue (default: the publisher's)")
    ] = None,
    wait_seconds: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=20,
            help="how long a receive waits on a queue that looks empty before the run takes it"
            " as empty (default: 2 on AWS, 0 on the local stack)",
        ),
    ] = None,
) -> None:
    """Publish again, from the event table, every integration event of the batches the
    publisher gave up on; delete each on-failure message once its events are on the bus.

    Exit 0: every batch republished and its message deleted (or none queued); 1: messages left
    on the queue, each listed with why; 2: no such queue, or a setting missing.
    """
    host = _connect()
    with Progress(*_PHASE_COLUMNS, console=errors, transient=True) as bar:
        report = _republish(
            host,
            bar,
            dry_run=dry_run,
            slack=slack,
            segments=segments,
            visibility_timeout=visibility_timeout,
            queue_url=queue_url,
            wait_seconds=wait_seconds,
        )
    _print_republished(report, dry_run)
    raise typer.Exit(1 if report.kept else 0)


_PHASE_COLUMNS = (
    TextColumn("{task.description}"),
    BarColumn(),
    MofNCompleteColumn(),
    TimeElapsedColumn(),
)


def _republish(
    host: Host,
    bar: Progress,
    *,
    dry_run: bool,
    slack: float,
    segments: int,
    visibility_timeout: int,
    queue_url: str | None,
    wait_seconds: int | None,
) -> Report:
    from datetime import timedelta

    from botocore.exceptions import BotoCoreError, ClientError

    from esctl.provision import dead_letter_queue_name
    from esctl.republish import Republisher, Scope
    from eventcore.store import StoreUnavailable
    from handlers import bootstrap
    from handlers.aws_infrastructure import MissingSetting

    aws = _aws()
    stage = Options.target.stage
    sqs, dynamodb = aws.client("sqs"), aws.client("dynamodb")
    table = aws.settings.events_table
    try:
        url = (
            queue_url
            or sqs.get_queue_url(QueueName=dead_letter_queue_name(stage, "publisher"))["QueueUrl"]
        )
        items = dynamodb.describe_table(TableName=table)["Table"].get("ItemCount")
        put = _no_publishing if dry_run else bootstrap.publisher().publish
    except (ClientError, MissingSetting) as missing:
        errors.print(f"[red]{escape(str(missing))}[/red]")
        raise typer.Exit(2) from None
    republisher = Republisher(
        sqs,
        url,
        Scope(table, f"ledger-{stage}-publisher", timedelta(seconds=slack)),
        store=aws.event_store(),
        feeds=host.feeds,
        put=put,
        visibility_timeout=visibility_timeout,
        # An empty short poll of SQS proves nothing (it asks only some of its servers); a long
        # poll asks them all. The local AWS serves one request at a time (see `tail`).
        wait_seconds=(0 if stage == "local" else 2) if wait_seconds is None else wait_seconds,
        segments=segments,
        table_items=items,
        watch=PhaseProgress(bar),
    )
    try:
        return republisher.run(dry_run=dry_run)
    except (ClientError, BotoCoreError, StoreUnavailable) as failed:
        # Nothing is deleted before its events are on the bus: the rest is still queued.
        errors.print(
            f"[red]stopped; what was not republished is still queued:[/red] {escape(str(failed))}"
        )
        raise typer.Exit(1) from None


def _no_publishing(entries: Sequence[BusEntry]) -> list[FailedEntry]:
    raise AssertionError("a dry run publishes nothing")


def _print_republished(report: Report, dry_run: bool) -> None:
    for entry in report.ranges:
        window = f"{entry.window.first}..{entry.window.last}"
        line = f"{entry.batch.describe()}: {len(entry.commits)} commits in {window}"
        console.print(line, soft_wrap=True, markup=False)
    if dry_run:
        # One event a line, event id first, as scripts (and `tail`'s readers) expect.
        for bus_entry in report.entries:
            when = bus_entry.time.isoformat() if bus_entry.time else "?"
            print(f"{bus_entry.event_id}  {bus_entry.detail_type}  {bus_entry.source}  {when}")
    commits = len({e.key for e in report.entries})
    batches = f"{len(report.ranges)} batches"
    if dry_run:
        console.print(
            f"would publish {len(report.entries)} events of {commits} commits from {batches}"
        )
    elif not report.ranges and not report.kept:
        console.print("the publisher's on-failure queue is empty: nothing to republish")
    else:
        console.print(
            f"published {report.published} of {len(report.entries)} events of {commits} commits"
            f" from {batches}; deleted {report.deleted} messages"
        )
    for kept in report.kept:
        errors.print(
            f"[yellow]left on the queue[/yellow] {kept.message.message_id}: {escape(kept.reason)}",
            soft_wrap=True,
        )


@app.command()
def token(
    subject: Annotated[str, typer.Argument(help="who the token is for (its `sub`)")],
    role: Annotated[Role, typer.Option(help="the role its scope grants")],
    expires_in: Annotated[
        int, typer.Option(min=1, max=86_400, help="seconds until it expires")
    ] = 3600,
) -> None:
    """Print a JWT the running local stack accepts (issuer and key of the local stack)."""
    from esctl.local_auth import ISSUER_SECRET
    from esctl.local_auth import token as signed

    pem = _local_secret(ISSUER_SECRET)
    print(signed(pem, subject, role, expires_in))


@app.command()
def credentials(
    role: Annotated[Role, typer.Option(help="operator or auditor: the local IAM principal's role")],
) -> None:
    """Print the keys of the local stack's IAM principal with that role, ready for `export`."""
    from esctl.local_auth import IAM_ROLES, principal_secret

    if role not in IAM_ROLES:
        errors.print(f"no local IAM principal has the role {role.value}; customers use tokens")
        raise typer.Exit(2)
    keys = json.loads(_local_secret(principal_secret(role)))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        print(f"{name}={keys[name]}")


def _local_secret(name: str) -> str:
    if Options.target.stage != "local":
        errors.print("tokens and credentials come from the local stack only (--stage local)")
        raise typer.Exit(2)
    _connect()
    import boto3
    from botocore.exceptions import ClientError

    try:
        return str(boto3.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"])
    except ClientError as missing:
        errors.print(f"[red]is the local stack running? {missing}[/red]")
        raise typer.Exit(2) from None


@app.command()
def schemas(
    check: Annotated[
        bool, typer.Option("--check", help="write nothing; exit 1 if the files are stale")
    ] = False,
) -> None:
    """Write the JSON Schema of every integration event type and version to docs/events/."""
    from esctl.event_schemas import DOCS_EVENTS, stale, write

    changed = stale(DOMAINS) if check else write(DOMAINS)
    for name in changed:
        console.print(f"{'stale' if check else 'wrote'} {DOCS_EVENTS / name}")
    if check and changed:
        raise typer.Exit(1)
    if not changed:
        console.print(f"{DOCS_EVENTS} is up to date")


ledger_proofs.register(app, _connect, _stream)
ledger_transfers.register(app, _connect)
