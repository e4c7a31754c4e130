"""`SubjectKeys` on DynamoDB and KMS: one item per data subject holding its data key as KMS
wrapped it (envelope encryption under the personal-data master key, with the subject as
encryption context, so a wrapped key cannot be unwrapped as another subject's). Destroying a
key deletes its item: the wrapped copy is gone, and the master key alone opens nothing.

Reads check the items every time (one BatchGetItem per 100 subjects); what this keeps is the
unwrapped key of each wrapped one it has seen, so a warm container asks KMS nothing, and a
destroyed key, whose item is gone, is never used again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from adapters.dynamodb_calls import call
from eventcore.personal import PersonalDataUnavailable

_BATCH = 100  # BatchGetItem's most keys per request
_KEPT = 10_000  # unwrapped keys a container keeps


class DynamoDBKmsSubjectKeys:
    def __init__(
        self,
        dynamodb: Callable[[], Any],
        kms: Callable[[], Any],
        table: str,
        master_key: str,
    ) -> None:
        self._dynamodb = dynamodb
        self._kms = kms
        self.table = table
        self.master_key = master_key
        self._unwrapping: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, subject: str) -> bytes:
        made = self._kms_call(
            "generate_data_key",
            KeyId=self.master_key,
            KeySpec="AES_256",
            EncryptionContext={"subject": subject},
        )
        try:
            call(
                self._dynamodb(),
                "put_item",
                TableName=self.table,
                Item={"subject": {"S": subject}, "wrapped": {"B": made["CiphertextBlob"]}},
                ConditionExpression="attribute_not_exists(subject)",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            existing = self.get(subject)  # another writer made it first: use theirs
            if existing is None:
                raise PersonalDataUnavailable(f"the key of {subject} vanished") from error
            return existing
        plaintext: bytes = made["Plaintext"]
        with self._lock:
            self._unwrapping[bytes(made["CiphertextBlob"])] = plaintext
        return plaintext

    def get(self, subject: str) -> bytes | None:
        return self.get_many([subject]).get(subject)

    def get_many(self, subjects: Collection[str]) -> dict[str, bytes]:
        wrapped: dict[str, bytes] = {}
        wanted = sorted(subjects)
        for start in range(0, len(wanted), _BATCH):
            keys = [{"subject": {"S": s}} for s in wanted[start : start + _BATCH]]
            request = {self.table: {"Keys": keys, "ConsistentRead": True}}
            while request:
                answer = call(self._dynamodb(), "batch_get_item", RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table, []):
                    wrapped[item["subject"]["S"]] = bytes(item["wrapped"]["B"])
                request = answer.get("UnprocessedKeys") or {}
        return {subject: self._unwrapped(subject, blob) for subject, blob in wrapped.items()}

    def _unwrapped(self, subject: str, blob: bytes) -> bytes:
        with self._lock:
            known = self._unwrapping.get(blob)
        if known is not None:
            return known
        opened = self._kms_call(
            "decrypt",
            CiphertextBlob=blob,
            EncryptionContext={"subject": subject},
            KeyId=self.master_key,
        )
        plaintext: bytes = opened["Plaintext"]
        with self._lock:
            self._unwrapping[blob] = plaintext
            while len(self._unwrapping) > _KEPT:
                self._unwrapping.popitem(last=False)
        return plaintext

    def destroy(self, subject: str) -> None:
        answer = call(
            self._dynamodb(),
            "delete_item",
            TableName=self.table,
            Key={"subject": {"S": subject}},
            ReturnValues="ALL_OLD",
        )
        # Nor does this container keep the unwrapped key a moment longer.
        old = answer.get("Attributes", {}).get("wrapped", {}).get("B")
        if old is not None:
            with self._lock:
                self._unwrapping.pop(bytes(old), None)

    def _kms_call(self, operation: str, **request: Any) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = getattr(self._kms(), operation)(**request)
        except (ClientError, BotoCoreError) as error:
            raise PersonalDataUnavailable(
                f"personal-data key {self.master_key}: {error}"
            ) from error
        return answer
