"""`spasmcheck serve`: the CDS Hooks service over HTTP (Starlette on uvicorn).

The edge only: bytes in, the pure hook logic (cds.py) in between, JSON out. It bounds request
bodies, checks bearer tokens when a JWKS is given, answers CORS for the configured origins,
keeps the feedback log and never shows a stack trace to a caller. Imported only by the
`serve` command: the other commands never load Starlette, uvicorn or PyJWT.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from spasmcheck.core.checker import Checker
from spasmcheck.core.limits import LIMITS
from spasmcheck.core.model import Audience, KnowledgeBase
from spasmcheck.core.record import Record
from spasmcheck.frontends import cds
from spasmcheck.frontends.feedback import FeedbackStore

ALGORITHMS = ["RS384", "ES384"]  # the specification's asymmetric choices; never none or HMAC
MAX_TOKEN_LIFE = 300  # seconds: the specification asks for exp at most 5 minutes ahead
LEEWAY = 30
MAX_SEEN_TOKENS = 100_000


class Options(Record):
    kb: KnowledgeBase
    audience: Audience
    store: FeedbackStore
    public_url: str  # the base URL callers use: tokens' `aud` must name it
    tokens: TokenCheck | None  # None: no token needed (no --jwks)
    cors_origins: tuple[str, ...]
    max_body: int = LIMITS.request_bytes


def _json(content: Any, status: int = 200) -> Response:
    return Response(json.dumps(content, separators=(",", ":")), status,
                    media_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json({"error": {"status": status, "message": message}}, status)


class TokenCheck:
    """Bearer JWTs per CDS Hooks: RS384/ES384 signed by a key of the JWKS, `aud` the service
    URL, not expired, `exp` at most five minutes ahead, each `jti` used once."""

    def __init__(self, jwks: Path) -> None:
        import jwt

        try:
            document = json.loads(jwks.read_text("utf-8"))
            keys = jwt.PyJWKSet.from_dict(document).keys
        except (OSError, ValueError, jwt.PyJWTError) as error:
            from spasmcheck.core.errors import UsageError

            raise UsageError(f"--jwks {jwks}: not a usable JSON Web Key Set ({error})") from None
        self.keys = [key for key in keys if key.key_type in ("RSA", "EC")]
        if not self.keys:
            from spasmcheck.core.errors import UsageError

            raise UsageError(f"--jwks {jwks}: no RSA or EC public key in the set")
        self._seen: dict[str, float] = {}

    def verify(self, authorization: str | None, audiences: list[str]) -> None:
        import jwt

        if not authorization or not authorization.startswith("Bearer "):
            raise cds.HookError(401, "a bearer token is required (Authorization: Bearer JWT)")
        token = authorization[7:].strip()
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in ALGORITHMS:
                raise cds.HookError(401, "the token must be signed with RS384 or ES384")
            keys = [k for k in self.keys if not header.get("kid") or k.key_id == header["kid"]]
            claims = None
            for key in keys:
                try:
                    claims = jwt.decode(token, key.key, algorithms=ALGORITHMS,
                                        audience=audiences, leeway=LEEWAY,
                                        options={"require": ["exp", "iat", "iss", "aud",
                                                             "jti"]})
                    break
                except jwt.InvalidSignatureError:
                    continue
            if claims is None:
                raise cds.HookError(401, "the token is not signed by a trusted key")
        except jwt.PyJWTError as error:
            raise cds.HookError(401, f"the token was refused: {error}") from None
        now = time.time()
        if float(claims["exp"]) > now + MAX_TOKEN_LIFE + LEEWAY:
            raise cds.HookError(401, "the token expires more than 5 minutes ahead")
        jti = str(claims["jti"])
        if jti in self._seen:
            raise cds.HookError(401, "the token was already used (jti)")
        if len(self._seen) >= MAX_SEEN_TOKENS:
            self._seen = {k: exp for k, exp in self._seen.items() if exp > now}
            while len(self._seen) >= MAX_SEEN_TOKENS:
                del self._seen[next(iter(self._seen))]
        self._seen[jti] = float(claims["exp"])


def create_app(options: Options) -> Starlette:
    """The ASGI application (the tests and the benchmark start it on a loopback port)."""
    tokens = options.tokens
    base = options.public_url.rstrip("/")
    checker = Checker(options.kb)  # one for the server's life: it keeps what it works out

    def guard(request: Request) -> None:
        if tokens is not None:
            path = request.url.path.rstrip("/")
            tokens.verify(request.headers.get("authorization"),
                          [base + path, base + "/cds-services", base + "/cds-services/"])

    async def body(request: Request) -> Any:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > options.max_body):
            raise cds.HookError(413, f"the request body is larger than {options.max_body} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > options.max_body:
                raise cds.HookError(413, f"the request body is larger than "
                                         f"{options.max_body} bytes")
            chunks.append(chunk)
        try:
            return json.loads(b"".join(chunks))
        except (ValueError, RecursionError):
            raise cds.HookError(400, "the request body is not valid JSON") from None

    async def discovery(request: Request) -> Response:
        guard(request)
        return _json(cds.discovery())

    async def hook(request: Request) -> Response:
        guard(request)
        service_id = request.path_params["service_id"]
        cds.service(service_id)
        answer = cds.evaluate(service_id, await body(request), options.kb, options.audience,
                              checker)
        options.store.issued(answer.issued)
        return _json({"cards": answer.cards})

    async def feedback(request: Request) -> Response:
        guard(request)
        service_id = request.path_params["service_id"]
        cds.service(service_id)
        options.store.record(service_id, cds.feedback_items(service_id, await body(request)))
        return _json({})

    async def hook_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, cds.HookError)
        response = _error(error.status, error.message)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return _error(error.status_code, str(error.detail))

    async def crash(request: Request, error: Exception) -> Response:
        return _error(500, "internal error in spasmcheck; nothing was checked")

    middleware = []
    if options.cors_origins:
        middleware.append(Middleware(
            CORSMiddleware, allow_origins=list(options.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"], max_age=600))
    return Starlette(
        routes=[Route("/cds-services", discovery, methods=["GET"]),
                Route("/cds-services/{service_id}", hook, methods=["POST"]),
                Route("/cds-services/{service_id}/feedback", feedback, methods=["POST"])],
        middleware=middleware,
        exception_handlers={cds.HookError: hook_error, HTTPException: http_error,
                            Exception: crash})


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 picks a free one), so the address is known before start."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port,
                                                             type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)  # callers may connect as soon as the address is printed
    except OSError as error:
        from spasmcheck.core.errors import UsageError

        raise UsageError(f"cannot listen on {host} port {port}: {error.strerror or error}"
                         ) from None
    return sock


def run(options: Options, sock: socket.socket) -> None:
    """Serve until Ctrl-C or SIGTERM, then return (the command exits 0)."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            """Stop on SIGINT/SIGTERM without raising the signal again afterwards (uvicorn
            does, which would end the process before the command can finish cleanly)."""
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {sig: signal.signal(sig, self.handle_exit)
                        for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    config = uvicorn.Config(create_app(options), log_level="warning", access_log=False,
                            server_header=False, lifespan="off", timeout_keep_alive=5)
    sys.stderr.flush()
    Server(config).run(sockets=[sock])
    options.store.close()
