"""Lambda-shaped DynamoDB Streams records for commits, as the event source mapping sends them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from adapters.commit_item import to_item
from eventcore.commits import Commit

TEMPLATE = json.loads(
    (Path(__file__).parent / "fixtures" / "dynamodb-stream-event.json").read_text()
)["Records"][0]


def record(commit: Commit, sequence: int) -> dict[str, Any]:
    shaped = copy.deepcopy(TEMPLATE)
    item = to_item(commit)
    shaped["eventID"] = f"{commit.stream_id}-{commit.version}-{sequence}"
    shaped["dynamodb"]["Keys"] = {"pk": item["pk"], "sk": item["sk"]}
    shaped["dynamodb"]["NewImage"] = item
    shaped["dynamodb"]["SequenceNumber"] = str(10**20 + sequence)
    return shaped


def batch(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": records}
