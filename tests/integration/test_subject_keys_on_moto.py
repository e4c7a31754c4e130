"""The key store on DynamoDB and KMS (moto): a subject's key is made once, wrapped under the
master key with the subject as encryption context, read back on every reveal, unwrapped by KMS
once per container, and gone for good once destroyed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from adapters.subject_keys_dynamodb_kms import DynamoDBKmsSubjectKeys
from esctl.provision import table_request
from eventcore.personal import PersonalData
from infra.resources import SUBJECT_KEYS


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any, str, str]]:
    with mock_aws():
        dynamodb, kms = boto3.client("dynamodb"), boto3.client("kms")
        dynamodb.create_table(**table_request(SUBJECT_KEYS, "test"))
        key = kms.create_key(Description="wraps")["KeyMetadata"]["Arn"]
        yield dynamodb, kms, SUBJECT_KEYS.physical_name("test"), key


def keys_on(aws: tuple[Any, Any, str, str]) -> DynamoDBKmsSubjectKeys:
    dynamodb, kms, table, key = aws
    return DynamoDBKmsSubjectKeys(lambda: dynamodb, lambda: kms, table, key)


def kms_calls(kms: Any) -> Counter[str]:
    calls: Counter[str] = Counter()
    kms.meta.events.register("before-call.*.*", lambda model, **_: calls.update([model.name]))
    return calls


def test_a_key_is_kept_wrapped_and_only_its_subject_unwraps_it(aws):
    dynamodb, kms, table, _ = aws
    keys = keys_on(aws)
    made = keys.create("acct-1")
    assert len(made) == 32
    item = dynamodb.get_item(TableName=table, Key={"subject": {"S": "acct-1"}})["Item"]
    wrapped = item["wrapped"]["B"]
    assert made not in wrapped  # stored wrapped, never as it is
    with pytest.raises(kms.exceptions.InvalidCiphertextException):
        kms.decrypt(CiphertextBlob=wrapped, EncryptionContext={"subject": "acct-2"})
    assert keys_on(aws).get_many(["acct-1", "nobody"]) == {"acct-1": made}


def test_a_second_create_keeps_the_first_key(aws):
    first = keys_on(aws).create("acct-1")
    assert keys_on(aws).create("acct-1") == first


def test_a_warm_container_asks_kms_nothing_and_a_destroyed_key_is_gone(aws):
    _, kms, _, _ = aws
    keys = keys_on(aws)
    personal = PersonalData(lambda: keys)
    token = personal.seal("acct-1", "owner", "Ada")
    calls = kms_calls(kms)
    cold = keys_on(aws)  # another container
    assert PersonalData(lambda: cold).reveal(token, "owner") == "Ada"
    assert calls == Counter({"Decrypt": 1})
    assert PersonalData(lambda: cold).reveal(token, "owner") == "Ada"
    assert calls == Counter({"Decrypt": 1})  # unwrapped once per container
    personal.forget("acct-1")
    assert PersonalData(lambda: cold).reveal(token, "owner") is None  # its cache does not help
    assert cold.get_many(["acct-1"]) == {}


def test_more_subjects_than_one_batch_are_read_in_batches(aws):
    keys = keys_on(aws)
    made = {f"acct-{n}": keys.create(f"acct-{n}") for n in range(130)}
    assert keys_on(aws).get_many(sorted(made)) == made
