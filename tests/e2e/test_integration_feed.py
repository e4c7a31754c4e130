"""The integration feed of the local stack: a command's events reach `esctl tail`."""

from __future__ import annotations

import json
import time

from tests.e2e.conftest import Stack
from tests.e2e.helpers import Api


def test_tail_prints_the_events_of_a_deposit(stack: Stack) -> None:
    api = Api(stack.api, stack.operator)
    account = api.open("Tailed")
    assert api.post(f"/accounts/{account}/deposits", {"amount": 4200}).status_code == 201
    output = ""
    # The publisher polls the stream on its own schedule; a drained queue may simply be early.
    for _ in range(3):
        tailed = stack.esctl("tail", "--no-follow", "--idle-seconds", "2")
        assert tailed.returncode == 0, tailed.stderr
        output += tailed.stdout
        if f"Account-{account}/2" in output:
            break
    mine = [line.split(maxsplit=3) for line in output.splitlines() if f"Account-{account}/" in line]
    opened, deposited = (fields[1:] for fields in sorted(mine, key=lambda f: f[2]))
    assert opened[:2] == ["AccountOpened", f"Account-{account}/1"]
    # Subscribers get the name sealed, a token naming the account's key, never the name.
    data = json.loads(opened[2])
    assert data["owner"].startswith(f"pd1:{account}:")
    assert "Tailed" not in opened[2]
    assert {k: v for k, v in data.items() if k != "owner"} == {
        "currency": "EUR",
        "owner_principal": "arn:aws:iam::123456789012:user/ledger-local-operator",
    }
    assert deposited == ["Deposited", f"Account-{account}/2", '{"amount":4200}']
    # What was printed was deleted: a second look shows none of it again.
    again = stack.esctl("tail", "--no-follow", "--idle-seconds", "0.5")
    assert f"Account-{account}/" not in again.stdout


def test_republish_puts_a_batch_the_publisher_gave_up_on_back_on_the_bus(stack: Stack) -> None:
    api = Api(stack.api, stack.operator)
    account = api.open("Republished")
    api.converged(account)
    dynamodb, sqs = stack.client("dynamodb"), stack.client("sqs")
    (item,) = dynamodb.query(
        TableName="ledger-local-events",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"Account-{account}"}},
    )["Items"]
    # What the local publisher's mapping would have sent, had it given up on the commit.
    arrival = item["recorded_at"]["S"][:19] + "Z"
    failure = {
        "requestContext": {
            "condition": "RetryAttemptsExhausted",
            "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:ledger-local-publisher",
        },
        "DDBStreamBatchInfo": {
            "shardId": "shard-1",
            "startSequenceNumber": "1",
            "endSequenceNumber": "1",
            "approximateArrivalOfFirstRecord": arrival,
            "approximateArrivalOfLastRecord": arrival,
            "batchSize": 1,
            "streamArn": dynamodb.describe_table(TableName="ledger-local-events")["Table"][
                "LatestStreamArn"
            ],
        },
    }
    url = sqs.get_queue_url(QueueName="ledger-local-publisher-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(failure))
    republished = stack.esctl("republish")
    assert republished.returncode == 0, republished.stderr
    assert "deleted 1 messages" in republished.stdout
    # The live publisher's copy and the republished one, with the same event id.
    example = sqs.get_queue_url(QueueName="ledger-local-integration-example")["QueueUrl"]
    copies, deadline = 0, time.monotonic() + 10
    while copies < 2 and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=example, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            copies += json.loads(message["Body"])["detail"]["event_id"] == f"Account-{account}:1"
            sqs.delete_message(QueueUrl=example, ReceiptHandle=message["ReceiptHandle"])
    assert copies == 2
