"""moto in server mode: a local AWS endpoint that any process (esctl, the AWS CLI) can use."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from esctl import moto_patches

StartResponse = Callable[..., Any]


class OneRequestAtATime:
    """moto checks a write's condition and then writes, in two steps that concurrent requests
    can interleave; DynamoDB does both atomically. Serving one request at a time restores that,
    so concurrent clients see DynamoDB's semantics, not moto's races."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


def start_moto(host: str, port: int) -> BaseWSGIServer:
    """Start moto on `host:port` (0 picks a free port) in a daemon thread."""
    moto_patches.apply()
    # One line per AWS call would bury the API's own log.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
    return server
