"""An in-memory accounts read model, for tests and one-process tools."""

from __future__ import annotations

from accounts.views import AccountView, Page


class InMemoryAccountViews:
    def __init__(self) -> None:
        self.views: dict[str, AccountView] = {}

    def get(self, account_id: str) -> AccountView | None:
        return self.views.get(account_id)

    def page(self, limit: int, cursor: str | None) -> Page:
        ids = sorted(self.views)
        if cursor is not None:
            if cursor not in self.views:
                raise ValueError("cursor is not one this API returned")
            ids = [i for i in ids if i > cursor]
        chosen = ids[:limit]
        more = len(ids) > limit
        return Page([self.views[i] for i in chosen], chosen[-1] if more else None)
