"""The domains one deployment hosts, checked to fit together: no two claim a category, a read
model, an integration source or (since their schemas share one folder) an event type name."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from eventcore.categories import ByCategory
from eventcore.read_models import ReadModel
from hosting.domain import Domain, Job


class Catalogue:
    def __init__(self, domains: Sequence[Domain[Any]]) -> None:
        if not domains:
            raise ValueError("a catalogue needs at least one domain")
        self.domains = tuple(domains)
        _unique("domain name", (d.name for d in domains))
        _unique("category", (d.category for d in domains))
        _unique("read model", (m.name for _, m in self.read_models()))
        _unique("integration source", (s for s in self.sources()))
        _unique("event type", (name for d in domains for name in _event_types(d)))
        self._by_category = ByCategory({d.category: d for d in domains})
        self._by_name = {d.name: d for d in domains}

    def __iter__(self) -> Iterator[Domain[Any]]:
        return iter(self.domains)

    def for_stream(self, stream_id: str) -> Domain[Any] | None:
        """The domain whose category the stream is of, or None when no domain claims it."""
        return self._by_category.get(stream_id)

    def by_category(self, category: str) -> Domain[Any]:
        if category not in self._by_category:
            known = ", ".join(d.category for d in self.domains)
            raise KeyError(f"no domain has the category {category!r}; known: {known}")
        return self._by_category[category]

    def by_name(self, name: str) -> Domain[Any]:
        if name not in self._by_name:
            raise KeyError(f"no domain is named {name!r}; known: {', '.join(self._by_name)}")
        return self._by_name[name]

    def read_models(self) -> list[tuple[Domain[Any], ReadModel[Any]]]:
        return [(domain, model) for domain in self.domains for model in domain.read_models]

    def read_model(self, name: str) -> tuple[Domain[Any], ReadModel[Any]]:
        for domain, model in self.read_models():
            if model.name == name:
                return domain, model
        known = ", ".join(m.name for _, m in self.read_models()) or "none"
        raise KeyError(f"no read model is named {name!r}; known: {known}")

    def jobs(self) -> list[tuple[Domain[Any], Job[Any]]]:
        """Every domain's scheduled jobs, in domain order."""
        return [(domain, job) for domain in self.domains for job in domain.jobs]

    def sources(self) -> list[str]:
        """The integration sources, in domain order."""
        return [d.integration.source for d in self.domains if d.integration is not None]


def _event_types(domain: Domain[Any]) -> set[str]:
    return {str(model.model_fields["type"].default) for model in domain.registry.models()}


def _unique(what: str, names: Iterable[str]) -> None:
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise ValueError(f"more than one domain declares the {what} {', '.join(repeated)}")
