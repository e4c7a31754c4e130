"""A local stand-in for API Gateway (HTTP API, payload 2.0) in front of the real handlers.

Like API Gateway it authenticates a request before any function sees it (`esctl.local_auth`),
hands the function the authorizer context it established, and answers a method no route has
(TRACE, DELETE, ...) with a 404 of its own.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from esctl.local_auth import Incoming, LocalAuthority, Refusal

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
# API Gateway refuses bodies over 10 MB before any Lambda runs; so does this stand-in.
MAX_GATEWAY_BODY = 10 * 1024 * 1024


@dataclass
class LambdaContext:
    """The parts of Lambda's context object that Powertools reads."""

    function_name: str = "ledger"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:local:000000000000:function:ledger"
    aws_request_id: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def to_event(
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    source_ip: str,
    *,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The API Gateway HTTP API v2 event for one request, with the authorizer context the
    gateway established (none for the public document and docs page)."""
    url = urlsplit(target)
    query = parse_qsl(url.query, keep_blank_values=True)
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": url.path,
        "rawQueryString": url.query,
        "headers": {name.lower(): value for name, value in headers.items()},
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": headers.get("Host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": url.path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("User-Agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": "$default",
            "stage": "$default",
            "time": formatdate(now, usegmt=True),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if authorizer:
        event["requestContext"]["authorizer"] = authorizer
    if query:
        event["queryStringParameters"] = dict(query)
    if body:
        try:
            event["body"] = body.decode()
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog is 5. Clients that connect all at once (the e2e and load
    # tests start 16) overflow it while the accept loop waits for the GIL; with SYN cookies
    # on, a connection dropped from a full queue is then reset when its request arrives.
    request_queue_size = 128


# The methods the API's routes use; any other has no route, as on API Gateway.
ROUTED_METHODS = frozenset({"GET", "POST"})


def _plain_host(host: str | None) -> bool:
    """A Host header that is a name or address and maybe a port, nothing more."""
    return host is None or (bool(host) and not any(c in host for c in "/?#@\\ "))


def serve(
    host: str,
    port: int,
    route: Callable[[str], LambdaHandler],
    log: Callable[[str], None] = print,
    authority: LocalAuthority | None = None,
) -> ThreadingHTTPServer:
    """Start a threaded HTTP server that authenticates each request (when given an authority)
    and hands it to `route(method)`'s handler."""

    class Gateway(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ledger-local"
        # Headers and body go out in separate writes; with Nagle's algorithm and delayed ACKs
        # every response would wait ~40 ms for nothing.
        disable_nagle_algorithm = True

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_GATEWAY_BODY:
                self._reply(
                    413,
                    {"Content-Type": "application/json"},
                    b'{"message":"Request Entity Too Large"}',
                )
                self.close_connection = True
                return
            body = self.rfile.read(length) if length else b""
            # Only an origin-form target ("/path?query") and a bare host name what the request
            # is about: anything else could make the route checked differ from the route run.
            if not self.path.startswith("/") or not _plain_host(self.headers.get("Host")):
                self._reply(400, {"Content-Type": "application/json"}, b'{"message":"Bad Request"}')
                return
            if self.command not in ROUTED_METHODS:
                self._reply(404, {"Content-Type": "application/json"}, b'{"message":"Not Found"}')
                return
            authorizer = self._authenticated(body)
            if authorizer is None:
                return
            event = to_event(
                self.command,
                self.path,
                dict(self.headers),
                body,
                self.client_address[0],
                authorizer=authorizer,
            )
            context = LambdaContext(
                "ledger-" + self.command.lower(),
                aws_request_id=event["requestContext"]["requestId"],
            )
            try:
                response = route(self.command)(event, context)
            except Exception as failure:  # what API Gateway does when the function errors
                log(f"{self.command} {self.path}: function error: {failure!r}")
                body = b'{"message":"Internal Server Error"}'
                self._reply(500, {"Content-Type": "application/json"}, body)
                return
            payload = response.get("body") or ""
            raw = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode()
            headers = dict(response.get("headers") or {})
            headers.setdefault("Content-Type", "application/json")
            self._reply(int(response["statusCode"]), headers, raw)

        def _authenticated(self, body: bytes) -> dict[str, Any] | None:
            """The authorizer context of the request, or None once it was refused."""
            if authority is None:
                return {}
            incoming = Incoming(
                self.command,
                f"http://{self.headers.get('Host', f'{host}:{port}')}{self.path}",
                {name.lower(): value for name, value in self.headers.items()},
                body,
            )
            decided = authority.authorize(incoming)
            if isinstance(decided, Refusal):
                self._reply(decided.status, {"Content-Type": "application/json"}, decided.body())
                return None
            return decided

        def __getattr__(self, name: str) -> Any:
            # BaseHTTPRequestHandler answers 501 for a method it has no `do_<METHOD>` for; every
            # method comes here instead, as API Gateway takes any method.
            if name.startswith("do_"):
                return self._handle
            raise AttributeError(name)

        def _reply(self, status: int, headers: dict[str, str], raw: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            if self.command != "HEAD":  # a HEAD answer has the headers of a body, not the body
                self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            log(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}")

    server = _Server((host, port), Gateway)
    threading.Thread(target=server.serve_forever, name="http-gateway", daemon=True).start()
    return server
