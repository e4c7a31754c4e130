"""The JSON Schema files of the integration events (docs/events/), written from the models.

`esctl schemas` writes them; `esctl schemas --check` (and a test) fails when the committed files
no longer match the pydantic models, so the published schemas cannot drift from the code.
"""

from __future__ import annotations

import json
from pathlib import Path

from accounts.integration_schemas import json_schemas

DOCS_EVENTS = Path(__file__).resolve().parent.parent / "docs" / "events"
SUFFIX = ".schema.json"


def rendered() -> dict[str, str]:
    """File name -> file content, exactly as committed."""
    return {
        name: json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        for name, schema in json_schemas().items()
    }


def stale(directory: Path = DOCS_EVENTS) -> list[str]:
    """Schema files that are missing, different, or no longer generated."""
    expected = rendered()
    present = {path.name for path in directory.glob(f"*{SUFFIX}")}
    changed = [
        name
        for name, text in expected.items()
        if not (directory / name).is_file() or (directory / name).read_text() != text
    ]
    return sorted(changed + list(present - set(expected)))


def write(directory: Path = DOCS_EVENTS) -> list[str]:
    """Bring the directory in line with the models; return the names written or removed."""
    changed = stale(directory)
    directory.mkdir(parents=True, exist_ok=True)
    expected = rendered()
    for name in changed:
        path = directory / name
        if name in expected:
            path.write_text(expected[name])
        else:
            path.unlink()
    return changed
