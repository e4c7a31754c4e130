"""`make run`: the whole system on one machine, with moto standing in for AWS.

The real handlers run in this process: an HTTP server turns requests into API Gateway events
for the command and query handlers, and a poller feeds the projector handler from the event
table's stream the way the stack's event source mapping would.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from esctl.event_source import EventSourceMapping, MappingSettings
from esctl.http_gateway import LambdaContext, serve
from esctl.local_aws import start_moto
from esctl.provision import provision
from esctl.stream_records import StreamReader, stream_arn

REGION = "eu-west-1"
CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"


def mapping_settings(stage: str = "dev") -> MappingSettings:
    """The projector's event source settings, as the stack configures them (cdk.json)."""
    knobs = json.loads(CDK_JSON.read_text())["context"]["stages"][stage]
    return MappingSettings(
        batch_size=int(knobs["projector_batch_size"]),
        batching_window=float(knobs["projector_max_batching_window_seconds"]),
        retry_attempts=int(knobs["projector_retry_attempts"]),
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


class WithoutMetricLines(io.TextIOBase):
    """Standard output minus CloudWatch EMF lines: they are for CloudWatch, and locally they
    would bury the request log. (Disabling metrics instead makes Powertools keep them in memory.)
    """

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._dropped = False

    def write(self, text: str) -> int:
        # print() writes the line and its newline separately: drop both.
        dropping = text.startswith('{"_aws":') or (self._dropped and text == "\n")
        if not dropping:
            self._target.write(text)
        self._dropped = dropping
        return len(text)

    def flush(self) -> None:
        self._target.flush()


@dataclass
class LocalStack:
    api_url: str
    aws_url: str
    env: dict[str, str]
    dead_letter_queue: str
    _stopping: threading.Event = field(default_factory=threading.Event)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def stop(self) -> None:
        self._stopping.set()
        for close in reversed(self._closers):
            close()


def start(
    host: str = "127.0.0.1",
    port: int = 8000,
    aws_port: int = 5000,
    log: Callable[[str], None] = print,
) -> LocalStack:
    import boto3

    if not isinstance(sys.stdout, WithoutMetricLines):
        sys.stdout = WithoutMetricLines(sys.stdout)
    moto = start_moto(host, aws_port)
    aws_url = f"http://{host}:{moto.server_port}"
    os.environ.update(local_environment(aws_url))
    dynamodb, s3, sqs = (boto3.client(s) for s in ("dynamodb", "s3", "sqs"))
    env = provision(dynamodb, s3, stage="local", region=REGION)
    os.environ.update(env)
    dead_letters = sqs.create_queue(QueueName="ledger-local-projector-dlq")["QueueUrl"]

    # Imported only now: the handlers build their clients lazily, from this environment.
    from handlers import commands, projector, queries

    def route(method: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        return commands.handler if method == "POST" else queries.handler

    gateway = serve(host, port, route, log)
    api_url = f"http://{host}:{gateway.server_port}"
    stack = LocalStack(api_url, aws_url, {**local_environment(aws_url), **env}, dead_letters)

    reader = StreamReader(
        boto3.client("dynamodbstreams"), stream_arn(dynamodb, env["EVENTS_TABLE"]), REGION
    )

    def invoke_projector(event: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = projector.handler(event, LambdaContext("ledger-projector"))
        return response

    def dead_letter(failure: dict[str, Any]) -> None:
        log(f"projector gave up on a batch: {json.dumps(failure['DDBStreamBatchInfo'])}")
        sqs.send_message(QueueUrl=dead_letters, MessageBody=json.dumps(failure))

    settings = mapping_settings()
    mapping = EventSourceMapping(
        reader,
        invoke_projector,
        dead_letter,
        MappingSettings(
            settings.batch_size,
            # Locally a short window keeps read models within about a second of a command.
            min(settings.batching_window, 0.2),
            settings.retry_attempts,
            settings.bisect_on_error,
        ),
    )

    def poll() -> None:
        while not stack._stopping.wait(mapping.settings.poll_interval):
            try:
                mapping.run_once()
            except Exception as failure:  # the poller must outlive a hiccup of moto
                log(f"stream poller: {type(failure).__name__}: {failure}")

    poller = threading.Thread(target=poll, name="stream-poller", daemon=True)
    poller.start()
    stack._closers += [moto.shutdown, gateway.shutdown, lambda: poller.join(timeout=5)]
    return stack
