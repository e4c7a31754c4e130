"""`make run`: the whole system on one machine, with moto standing in for AWS.

The real handlers run in this process (commands, optionally, in worker processes of their own,
see `esctl.local_containers`): an HTTP server turns requests into API Gateway events for the
command and query handlers, and two pollers feed the projector and the publisher
handlers from the event table's stream the way the stack's two event source mappings would. The
publisher puts integration events on a local EventBridge bus whose example rule delivers them to
a queue (`esctl tail` prints them).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from esctl.event_source import EventSourceMapping, MappingSettings
from esctl.http_gateway import LambdaContext, LambdaHandler, serve
from esctl.local_auth import LocalAuthority
from esctl.local_aws import start_moto
from esctl.metric_lines import WithoutMetricLines
from esctl.provision import dead_letter_queue_name, provision, provision_integration
from esctl.stream_records import StreamReader, stream_arn
from hosting.routes import routes
from infra.resources import EVENT_BUS_ENV_VAR
from installed_domains import DOMAINS

REGION = "eu-west-1"
CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"


def mapping_settings(stage: str = "dev", consumer: str = "projector") -> MappingSettings:
    """A stream consumer's event source settings (`projector` or `publisher`), as the stack
    configures them (cdk.json)."""
    knobs = json.loads(CDK_JSON.read_text())["context"]["stages"][stage]
    return MappingSettings(
        batch_size=int(knobs[f"{consumer}_batch_size"]),
        batching_window=float(knobs[f"{consumer}_max_batching_window_seconds"]),
        retry_attempts=int(knobs[f"{consumer}_retry_attempts"]),
        bisect_on_error=True,
    )


def local_environment(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "POWERTOOLS_SERVICE_NAME": "ledger",
        "POWERTOOLS_METRICS_NAMESPACE": "Ledger",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def one_at_a_time(handler: Handler, lock: threading.Lock) -> Handler:
    def invoke(event: dict[str, Any], context: Any) -> dict[str, Any]:
        with lock:
            return handler(event, context)

    return invoke


@dataclass
class LocalStack:
    api_url: str
    aws_url: str
    env: dict[str, str]
    dead_letter_queue: str
    publisher_dead_letter_queue: str = ""
    _stopping: threading.Event = field(default_factory=threading.Event)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def stop(self) -> None:
        self._stopping.set()
        for close in reversed(self._closers):
            close()


@dataclass
class _Provisioned:
    moto: Any
    aws_url: str
    env: dict[str, str]
    authority: LocalAuthority
    dead_letters: dict[str, str]


def _provision(host: str, aws_port: int) -> _Provisioned:
    """The local AWS, with everything the stack creates in it, and this process pointed at it."""
    import boto3

    moto = start_moto(host, aws_port)
    aws_url = f"http://{host}:{moto.server_port}"
    os.environ.update(local_environment(aws_url))
    dynamodb, s3, sqs = (boto3.client(s) for s in ("dynamodb", "s3", "sqs"))
    env = provision(dynamodb, s3, boto3.client("kms"), DOMAINS, stage="local", region=REGION)
    env |= provision_integration(boto3.client("events"), sqs, DOMAINS, stage="local")
    authority = LocalAuthority.provision(
        boto3.client("secretsmanager"), boto3.client("iam"), REGION, routes(DOMAINS)
    )
    # As the stack's configuration maps IAM principals to roles.
    env["IAM_PRINCIPAL_ROLES"] = json.dumps(authority.principal_roles())
    # The local gateway takes either, so the document (and the Swagger UI's Authorize) offers both.
    env["API_AUTHORIZATION"] = "iam,jwt"
    os.environ.update(env)
    dead_letters = {
        consumer: sqs.create_queue(QueueName=dead_letter_queue_name("local", consumer))["QueueUrl"]
        for consumer in ("projector", "publisher")
    }
    return _Provisioned(moto, aws_url, env, authority, dead_letters)


def _http_functions(
    containers: int, env: dict[str, str]
) -> tuple[Callable[[str], LambdaHandler], list[Callable[[], None]]]:
    """Which handler serves a method, and what stops them."""
    from handlers import commands, queries

    # A Lambda container serves one invocation at a time, and the handlers rely on it:
    # Powertools' resolver keeps the current request on the module-level app. In this process
    # the command and query functions share that app, so together they serve one request at a
    # time (the threads still overlap in the HTTP layer and with the pollers). Commands then
    # never race each other unless they run in containers of their own.
    resolver = threading.Lock()
    serial = {
        "POST": one_at_a_time(commands.handler, resolver),
        "GET": one_at_a_time(queries.handler, resolver),
    }
    closers: list[Callable[[], None]] = []
    if containers > 1:
        from esctl.local_containers import Containers

        pool = Containers(containers, env)
        serial["POST"] = pool.invoke
        closers.append(pool.close)

    def route(method: str) -> LambdaHandler:
        return serial["POST" if method == "POST" else "GET"]

    return route, closers


# The stack digests every minute; locally every few seconds, so a proof is soon possible.
DIGEST_INTERVAL_SECONDS = 5.0
# The domains' jobs run every minute on AWS; locally every 2 s (a transfer's expiry is then
# recorded within a few seconds of its deadline, once its view is projected).
JOBS_INTERVAL_SECONDS = 2.0


def start(
    host: str = "127.0.0.1",
    port: int = 8000,
    aws_port: int = 5000,
    log: Callable[[str], None] = print,
    containers: int = 1,
) -> LocalStack:
    """Start everything; `containers` > 1 runs commands in that many worker processes
    (`esctl.local_containers`), so that concurrent commands race as on AWS."""
    if not isinstance(sys.stdout, WithoutMetricLines):
        sys.stdout = WithoutMetricLines(sys.stdout)
    aws = _provision(host, aws_port)
    env = {**local_environment(aws.aws_url), **aws.env}
    # Imported only now: the handlers build their clients lazily, from this environment.
    from handlers import bootstrap, digester, jobs, projector, publisher

    route, closers = _http_functions(containers, env)
    gateway = serve(host, port, route, log, aws.authority)
    stack = LocalStack(
        f"http://{host}:{gateway.server_port}",
        aws.aws_url,
        env,
        aws.dead_letters["projector"],
        aws.dead_letters["publisher"],
    )
    # Built here rather than in its poller thread: creating boto3 clients is not thread-safe.
    bootstrap.publisher()
    # Two consumers of one stream, as in the stack: a failing publisher never holds up the
    # projector, and the other way round.
    pollers = [
        _consume(stack, aws, "projector", projector.handler, log),
        _consume(stack, aws, "publisher", publisher.handler, log),
        _schedule(stack, "digester", digester.handler, DIGEST_INTERVAL_SECONDS, log),
        _schedule(stack, "jobs", jobs.handler, JOBS_INTERVAL_SECONDS, log),
    ]
    follow = f"esctl --endpoint-url {aws.aws_url} tail"
    log(f"Event bus    {env[EVENT_BUS_ENV_VAR]} (follow it: {follow})")
    stack._closers += [aws.moto.shutdown, *closers, gateway.shutdown]
    stack._closers += [partial(thread.join, timeout=5) for thread in pollers]
    return stack


def _schedule(
    stack: LocalStack,
    name: str,
    handler: LambdaHandler,
    every: float,
    log: Callable[[str], None],
) -> threading.Thread:
    """A function run on a schedule, as EventBridge runs it on AWS (moto never fires one)."""

    def run() -> None:
        while not stack._stopping.wait(every):
            try:
                handler(
                    {"source": "aws.events", "detail-type": "Scheduled Event"},
                    LambdaContext(f"ledger-{name}"),
                )
            except Exception as failure:  # as on AWS, the next run tries again
                if not stack._stopping.is_set():  # a run cut short by the stack stopping
                    log(f"{name}: {type(failure).__name__}: {failure}")

    thread = threading.Thread(target=run, name=f"{name}-schedule", daemon=True)
    thread.start()
    return thread


def _consume(
    stack: LocalStack,
    aws: _Provisioned,
    consumer: str,
    handler: LambdaHandler,
    log: Callable[[str], None],
) -> threading.Thread:
    """One reader of the stream with its own position, retries and dead-letter queue, as each
    of the stack's event source mappings is."""
    import boto3

    sqs = boto3.client("sqs")

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = handler(event, LambdaContext(f"ledger-{consumer}"))
        return response

    def dead_letter(failure: dict[str, Any]) -> None:
        log(f"{consumer} gave up on a batch: {json.dumps(failure['DDBStreamBatchInfo'])}")
        sqs.send_message(QueueUrl=aws.dead_letters[consumer], MessageBody=json.dumps(failure))

    settings = mapping_settings(consumer=consumer)
    arn = stream_arn(boto3.client("dynamodb"), aws.env["EVENTS_TABLE"])
    mapping = EventSourceMapping(
        StreamReader(boto3.client("dynamodbstreams"), arn, REGION),
        invoke,
        dead_letter,
        MappingSettings(
            settings.batch_size,
            # Locally a short window keeps read models (and subscribers) within about a second
            # of a command.
            min(settings.batching_window, 0.2),
            settings.retry_attempts,
            settings.bisect_on_error,
        ),
        # moto's default account; Lambda names the function in every on-failure message.
        function_arn=f"arn:aws:lambda:{REGION}:123456789012:function:ledger-local-{consumer}",
    )

    def poll() -> None:
        while not stack._stopping.wait(mapping.settings.poll_interval):
            try:
                mapping.run_once()
            except Exception as failure:  # the poller must outlive a hiccup of moto
                log(f"{consumer} poller: {type(failure).__name__}: {failure}")

    thread = threading.Thread(target=poll, name=f"{consumer}-poller", daemon=True)
    thread.start()
    return thread
