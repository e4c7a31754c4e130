"""JSON-ready values as DynamoDB attribute values and back: how a view's dict is stored.

Strings, integers, booleans, None, lists and string-keyed dicts round-trip exactly; floats are
stored as numbers and read back as floats. Integers go through DynamoDB's decimal numbers, so
they keep every digit (up to 38), where a float would not.
"""

from __future__ import annotations

from typing import Any

AttributeValue = dict[str, Any]


def to_attribute(value: Any) -> AttributeValue:
    # bool before int: True is an int to Python.
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | float):
        return {"N": repr(value) if isinstance(value, float) else str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, list | tuple):
        return {"L": [to_attribute(v) for v in value]}
    if isinstance(value, dict):
        return {"M": to_attributes(value)}
    raise TypeError(f"cannot store {type(value).__name__} in a view")


def to_attributes(data: dict[str, Any]) -> dict[str, AttributeValue]:
    return {str(name): to_attribute(value) for name, value in data.items()}


def from_attribute(attribute: AttributeValue) -> Any:
    ((kind, value),) = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        text = str(value)
        return float(text) if any(c in text for c in ".eE") else int(text)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "L":
        return [from_attribute(v) for v in value]
    if kind == "M":
        return from_attributes(value)
    raise TypeError(f"views hold no {kind} attributes")


def from_attributes(item: dict[str, AttributeValue]) -> dict[str, Any]:
    return {name: from_attribute(value) for name, value in item.items()}
