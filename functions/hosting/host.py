"""The composition of the platform around a catalogue of domains: what every Lambda function
(and the local stack, and the operator CLI) is built from.

Everything is built on first use and kept, as a warm Lambda container keeps it: the HTTP
functions never build the projector, and the projector never builds the HTTP routes.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from application.commands import CommandRunner
from application.requests import Clock
from eventcore.aggregates import Aggregates
from eventcore.cache import StateCache
from eventcore.categories import ByCategory
from eventcore.commits import Commit
from eventcore.integration import IntegrationFeed
from eventcore.personal import PersonalData
from eventcore.read_models import ReadModel, ViewReader
from eventcore.repository import Repository
from eventcore.signed_snapshots import SignedSnapshots
from eventcore.snapshots import Snapshot, SnapshotStore
from eventcore.store import StoreUnavailable
from hosting.catalogue import Catalogue
from hosting.domain import Domain
from hosting.infrastructure import Infrastructure
from hosting.platform import Platform
from httpkernel.auth import Authentication
from httpkernel.openapi import ApiInfo

if TYPE_CHECKING:
    # The HTTP functions never project, and the stream consumers serve no HTTP: each imports
    # the other's modules only if it builds that side.
    from eventcore.projector import Result, StreamProjector, ViewStore
    from hosting.projections import CategoryProjection
    from httpkernel.app import HttpApp

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    return str(uuid.uuid4())


class Host:
    """The catalogue's domains on one infrastructure.

    `api` describes the HTTP API for its OpenAPI document (or says, when the document is
    made); the domains add their tags. `authentication` says how requests' callers and roles
    are found (JWT scopes need nothing; IAM principals need the deployment's mapping).
    """

    def __init__(
        self,
        catalogue: Catalogue,
        infrastructure: Infrastructure,
        *,
        clock: Clock = utc_now,
        new_id: Callable[[], str] = new_uuid,
        api: ApiInfo | Callable[[], ApiInfo] | None = None,
        authentication: Callable[[], Authentication] = Authentication,
        snapshot_rejected: Callable[[Snapshot, str], None] | None = None,
        snapshot_failed: Callable[[str, int, StoreUnavailable], None] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.snapshot_rejected = snapshot_rejected
        self.snapshot_failed = snapshot_failed
        self.infrastructure = infrastructure
        self.clock = clock
        self.new_id = new_id
        default = ApiInfo(title="API", version="1.0.0")
        self._api = api if callable(api) else (lambda: api or default)
        self.authentication = authentication
        self._built: dict[str, Any] = {}
        self._lock = threading.RLock()

    def _once(self, name: str, build: Callable[[], T]) -> T:
        # Threads of the local stack share one host; each part is built once, by one of them.
        # Once built, a part is read without the lock (a dict lookup is atomic).
        if name in self._built:
            found: T = self._built[name]
            return found
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            built: T = self._built[name]
            return built

    # ---- the write side ------------------------------------------------------------------

    @property
    def aggregates(self) -> Aggregates:
        return self._once("aggregates", self._aggregates)

    def _aggregates(self) -> Aggregates:
        store = self.infrastructure.event_store()
        snapshots: SnapshotStore = self.infrastructure.snapshot_store()
        if (keys := self.infrastructure.snapshot_keys()) is not None:
            snapshots = SignedSnapshots(
                snapshots, keys.verifier, keys.signer, rejected=self.snapshot_rejected
            )
        size = self.infrastructure.state_cache_size
        repositories = {
            d.category: Repository(
                store=store,
                registry=d.registry,
                decider=d.decider,
                # A category never snapshotted is never looked for in the bucket either.
                snapshots=snapshots if d.snapshot_every is not None else None,
                codec=d.codec,
                cache=StateCache(size) if size else None,
                rejected=self.snapshot_rejected,
            )
            for d in self.catalogue
        }
        return Aggregates(store, repositories)

    @property
    def platform(self) -> Platform:
        return self._once("platform", self._platform)

    def _platform(self) -> Platform:
        commands = CommandRunner(self.aggregates, self.clock, self.infrastructure.receipt_ttl)
        personal = PersonalData(
            lambda: self._once("subject_keys", self.infrastructure.subject_keys)
        )
        return Platform(self.aggregates, commands, self.views, self.clock, self.new_id, personal)

    def views(self, name: str) -> ViewReader[Any]:
        """The read model `name`'s views, as queries read them."""
        _, model = self.catalogue.read_model(name)
        return self._once(f"views:{name}", lambda: self.infrastructure.views(model))

    def service(self, name: str) -> Any:
        """The application service of the domain `name`."""
        domain = self.catalogue.by_name(name)
        return self._once(f"service:{name}", lambda: domain.service(self.platform))

    # ---- HTTP ----------------------------------------------------------------------------

    @property
    def http_app(self) -> HttpApp:
        """The HTTP application with every domain's routes."""
        return self._once("http_app", self._http_app)

    def _http_app(self) -> HttpApp:
        from httpkernel.app import HttpApp

        routers = [
            domain.routes(_service_of(self, domain))
            for domain in self.catalogue
            if domain.routes is not None
        ]
        tags = tuple((d.name, d.description) for d in self.catalogue if d.routes is not None)

        def info() -> ApiInfo:
            api = self._api()
            return dataclasses.replace(api, tags=api.tags + tags)

        return HttpApp(routers, info, self.authentication)

    # ---- the read side -------------------------------------------------------------------

    @property
    def projections(self) -> ByCategory[CategoryProjection]:
        return self._once("projections", self._projections)

    def _projections(self) -> ByCategory[CategoryProjection]:
        return ByCategory({d.category: self._projection(d) for d in self.catalogue})

    def projector_into(
        self, domain: Domain[Any], model: ReadModel[Any], views: ViewStore[Any]
    ) -> StreamProjector[Any]:
        """A projector of one read model into `views` (a rebuild's own slot, say)."""
        from eventcore.projector import StreamProjector

        return StreamProjector(
            views=views,
            projection=model.projection,
            store=self.aggregates.store,
            registry=domain.registry,
        )

    def _projection(self, domain: Domain[Any]) -> CategoryProjection:
        from eventcore.projector import StreamProjector
        from eventcore.snapshotting import SnapshotWriter
        from hosting.projections import CategoryProjection

        # The stack's cadence overrides the domain's, but never turns on what it turned off.
        every = domain.snapshot_every and (
            self.infrastructure.snapshot_every or domain.snapshot_every
        )
        repository = self.aggregates.repositories[domain.category]
        projectors = []
        for position, model in enumerate(domain.read_models):
            # The snapshots follow the first read model: its projector hands them commits it
            # has checked against the view's hash chain.
            snapshots = None
            if position == 0 and every is not None and repository.snapshots is not None:
                snapshots = SnapshotWriter(
                    repository, repository.snapshots, every, failed=self.snapshot_failed
                )
            projectors.append(
                StreamProjector(
                    views=self.infrastructure.view_store(model),
                    projection=model.projection,
                    store=self.aggregates.store,
                    registry=domain.registry,
                    after_apply=snapshots,
                )
            )
        return CategoryProjection(projectors)

    def mark_changed(self, stream_ids: Sequence[str]) -> None:
        """Note that these streams changed, for the next digest to sign their heads."""
        if stream_ids:
            self._once("change_marks", self.infrastructure.change_marks).mark(stream_ids)

    def keep_evidence(self, records: Sequence[dict[str, Any]]) -> list[str]:
        """Keep the records of commits changed or removed in the table; where each went."""
        evidence = self._once("tamper_evidence", self.infrastructure.tamper_evidence)
        return [evidence.keep(record) for record in records]

    def project(self, stream_id: str, commits: Sequence[Commit]) -> Result | None:
        """Project `commits` of one stream; None when no domain claims its category."""
        projection = self.projections.get(stream_id)
        return None if projection is None else projection.project(stream_id, commits)

    def catch_up(self) -> dict[str, Result]:
        """Bring every read model up to the event store, stream by stream (what the projector
        does from stream records; for the in-memory platform, which has none, and tools)."""
        results = {}
        for stream_id in self.aggregates.store.stream_ids():
            result = self.project(stream_id, [])
            if result is not None:
                results[stream_id] = result
        return results

    @property
    def feeds(self) -> ByCategory[IntegrationFeed | None]:
        """Every domain's category and its feed (None: the domain publishes nothing)."""
        return self._once(
            "feeds", lambda: ByCategory({d.category: d.integration for d in self.catalogue})
        )


def _service_of(host: Host, domain: Domain[Any]) -> Callable[[], Any]:
    return lambda: host.service(domain.name)
