"""The ledger's DynamoDB tables as plain data.

This module deliberately imports nothing from CDK or boto3 (only the naming rule the functions
share, `hosting.names`): the CDK constructs build their tables
from these specs, and the local runner creates the same tables in moto from them, so the two can
never disagree about a key name or type. The platform's own tables are fixed; each read model a
domain declares adds two (its blue/green slots).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from eventcore.read_models import Index
from hosting.names import SLOTS, index_name, read_model_env_var


class AttributeType(StrEnum):
    """DynamoDB scalar key types, spelled as the DynamoDB API spells them."""

    STRING = "S"
    NUMBER = "N"
    BINARY = "B"


class StreamView(StrEnum):
    """What a DynamoDB stream record carries."""

    NEW_IMAGE = "NEW_IMAGE"
    OLD_IMAGE = "OLD_IMAGE"
    NEW_AND_OLD_IMAGES = "NEW_AND_OLD_IMAGES"
    KEYS_ONLY = "KEYS_ONLY"


@dataclass(frozen=True)
class Key:
    name: str
    type: AttributeType


@dataclass(frozen=True)
class IndexSpec:
    """A global secondary index (all attributes projected), queried by its partition key."""

    name: str
    partition_key: Key
    sort_key: Key | None = None


@dataclass(frozen=True)
class TableSpec:
    """One table: its keys, stream and TTL, its indexes, and the environment variable naming it
    at run time."""

    logical_name: str
    partition_key: Key
    sort_key: Key | None = None
    stream_view: StreamView | None = None
    ttl_attribute: str | None = None
    env_var: str = ""
    indexes: tuple[IndexSpec, ...] = ()

    def physical_name(self, stage: str) -> str:
        return f"ledger-{stage}-{self.logical_name.replace('_', '-')}"

    def key_schema(self) -> list[dict[str, str]]:
        """KeySchema in the shape both the DynamoDB API and CloudFormation use."""
        schema = [{"AttributeName": self.partition_key.name, "KeyType": "HASH"}]
        if self.sort_key is not None:
            schema.append({"AttributeName": self.sort_key.name, "KeyType": "RANGE"})
        return schema

    def attribute_definitions(self) -> list[dict[str, str]]:
        """Every attribute a key of the table or of one of its indexes uses, once each."""
        keys = [self.partition_key, self.sort_key]
        for index in self.indexes:
            keys += [index.partition_key, index.sort_key]
        defined: dict[str, str] = {}
        for key in keys:
            if key is not None:
                defined.setdefault(key.name, key.type.value)
        return [{"AttributeName": name, "AttributeType": kind} for name, kind in defined.items()]

    def index_requests(self) -> list[dict[str, Any]]:
        """GlobalSecondaryIndexes in the shape the DynamoDB API takes."""
        return [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key.name, "KeyType": "HASH"},
                    *(
                        [{"AttributeName": index.sort_key.name, "KeyType": "RANGE"}]
                        if index.sort_key
                        else []
                    ),
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in self.indexes
        ]


EVENTS = TableSpec(
    logical_name="events",
    partition_key=Key("pk", AttributeType.STRING),
    sort_key=Key("sk", AttributeType.NUMBER),
    # Old images too: a changed or removed commit's original is kept as evidence.
    stream_view=StreamView.NEW_AND_OLD_IMAGES,
    env_var="EVENTS_TABLE",
)
IDEMPOTENCY = TableSpec(
    logical_name="idempotency",
    partition_key=Key("pk", AttributeType.STRING),
    ttl_attribute="expires_at",
    env_var="IDEMPOTENCY_TABLE",
)
PROJECTIONS = TableSpec(
    logical_name="projections",
    partition_key=Key("pk", AttributeType.STRING),
    sort_key=Key("sk", AttributeType.STRING),
    env_var="PROJECTIONS_TABLE",
)

# Data subjects' keys (wrapped by the personal-data master key): deleting one erases the
# subject's personal data wherever its sealed copies went.
SUBJECT_KEYS = TableSpec(
    logical_name="subject_keys",
    partition_key=Key("subject", AttributeType.STRING),
    env_var="SUBJECT_KEYS_TABLE",
)

# The platform's own tables, whatever the domains.
TABLES: tuple[TableSpec, ...] = (EVENTS, IDEMPOTENCY, PROJECTIONS, SUBJECT_KEYS)


def read_model_tables(
    name: str, key: str, indexes: tuple[Index, ...] = ()
) -> tuple[TableSpec, ...]:
    """The blue and green tables of the read model `name`, keyed by its `key` attribute:
    `ledger-<stage>-<name>-blue`, named at run time by `<NAME>_TABLE_BLUE` (and green), with a
    global secondary index over each of `indexes`, sorted by its sort key or else the key."""
    table_key = Key(key, AttributeType.STRING)
    return tuple(
        TableSpec(
            logical_name=f"{name}_{slot}",
            partition_key=table_key,
            env_var=read_model_env_var(name, slot),
            indexes=tuple(
                IndexSpec(
                    index_name(index.attribute),
                    Key(index.attribute, AttributeType.STRING),
                    Key(index.sort_key, AttributeType.STRING) if index.sort_key else table_key,
                )
                for index in indexes
            ),
        )
        for slot in SLOTS
    )


def construct_name(table: TableSpec) -> str:
    """`accounts_blue` -> `AccountsBlue`: the construct id (and stack output prefix) of a table."""
    return "".join(part.capitalize() for part in table.logical_name.split("_"))


SNAPSHOT_BUCKET_ENV_VAR = "SNAPSHOT_BUCKET"
SNAPSHOT_PREFIX = "snapshots/"
# The KMS key that signs snapshots (an ARN on AWS, `snapshot_key_alias(stage)` locally).
SNAPSHOT_KEY_ENV_VAR = "SNAPSHOT_SIGNING_KEY"


def snapshot_key_alias(stage: str) -> str:
    return f"alias/ledger-{stage}-snapshots"


# Digests: the object-locked bucket they are kept in, and the key the digester signs them with.
DIGEST_BUCKET_ENV_VAR = "DIGEST_BUCKET"
DIGEST_KEY_ENV_VAR = "DIGEST_SIGNING_KEY"


def digest_key_alias(stage: str) -> str:
    return f"alias/ledger-{stage}-digests"


# The symmetric KMS key that wraps the data subjects' keys.
PERSONAL_DATA_KEY_ENV_VAR = "PERSONAL_DATA_KEY"


def personal_data_key_alias(stage: str) -> str:
    return f"alias/ledger-{stage}-personal-data"


# Names the handlers, the dashboards and the alarms must agree on.
SERVICE_NAME = "ledger"
METRICS_NAMESPACE = "Ledger"

# The integration feed (EventBridge), named alike by the stack, the local stack and the publisher.
EVENT_BUS_ENV_VAR = "EVENT_BUS_NAME"
EVENT_BUS = "events"  # ledger-<stage>-events
EXAMPLE_SUBSCRIPTION = "integration-example"  # the example rule and its queue
