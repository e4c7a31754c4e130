"""The JSON Schema files of the integration events (docs/events/), written from the models.

`esctl schemas` writes them; `esctl schemas --check` (and a test) fails when the committed files
no longer match the pydantic models, so the published schemas cannot drift from the code. Every
domain with an integration feed has its events there (their type names are unique across
domains: the catalogue checks).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eventcore.integration_schemas import json_schemas
from hosting.catalogue import Catalogue

DOCS_EVENTS = Path(__file__).resolve().parent.parent / "docs" / "events"
SUFFIX = ".schema.json"


def schemas(catalogue: Catalogue) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for domain in catalogue:
        if domain.integration is not None:
            found.update(json_schemas(domain.registry, domain.integration))
    return dict(sorted(found.items()))


def rendered(catalogue: Catalogue) -> dict[str, str]:
    """File name -> file content, exactly as committed."""
    return {
        name: json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        for name, schema in schemas(catalogue).items()
    }


def stale(catalogue: Catalogue, directory: Path = DOCS_EVENTS) -> list[str]:
    """Schema files that are missing, different, or no longer generated."""
    expected = rendered(catalogue)
    present = {path.name for path in directory.glob(f"*{SUFFIX}")}
    changed = [
        name
        for name, text in expected.items()
        if not (directory / name).is_file() or (directory / name).read_text() != text
    ]
    return sorted(changed + list(present - set(expected)))


def write(catalogue: Catalogue, directory: Path = DOCS_EVENTS) -> list[str]:
    """Bring the directory in line with the models; return the names written or removed."""
    changed = stale(catalogue, directory)
    directory.mkdir(parents=True, exist_ok=True)
    expected = rendered(catalogue)
    for name in changed:
        path = directory / name
        if name in expected:
            path.write_text(expected[name])
        else:
            path.unlink()
    return changed
