"""Names the stack gives and the functions look up, in the one form both use."""

from __future__ import annotations

SLOTS = ("blue", "green")


def index_name(attribute: str) -> str:
    """The global secondary index over a read model's indexed attribute (keyed by it, sorted
    by the index's sort key, or the view's key)."""
    return f"by_{attribute}"


def read_model_env_var(model: str, slot: str) -> str:
    """The environment variable naming a read model's table of one slot: `ACCOUNTS_TABLE_BLUE`."""
    return f"{model.upper()}_TABLE_{slot.upper()}"
