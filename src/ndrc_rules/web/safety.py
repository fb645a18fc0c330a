"""What every request passes before a route sees it: the Host must be the served
address (no DNS rebinding), a request that writes must come from the served origin
and carry the page's CSRF token, and no body may exceed its bound."""

from __future__ import annotations

import hmac
import json

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ndrc_rules.common.messages import text
from ndrc_rules.web.cohorts import MAX_UPLOAD

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY = 4 * 1024 * 1024  # bytes of a request body other than an upload
UPLOAD_PATH = "/cohort"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class BodyTooLarge(Exception):
    """The body of a request went beyond its bound while it was read."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def mebibytes(size: int) -> str:
    """A bound in bytes as people read it: « 64 Mio », « 12 Kio »."""
    return f"{size // 1048576} Mio" if size >= 1048576 else f"{size // 1024} Kio"


def refusal(request_path: str, status: int, message: str) -> Response:
    """A refusal in the form the caller reads: JSON for the API, a page otherwise."""
    if request_path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    from ndrc_rules.web.pages import page

    shown = page("error.html", title=text("web.error_heading"), message=message, csrf="")
    return HTMLResponse(shown, status_code=status)


class Guard:
    """ASGI middleware: Host, Origin, CSRF header on the API, body size."""

    def __init__(
        self, app: ASGIApp, *, hosts: frozenset[str], token: str, max_upload: int = MAX_UPLOAD
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.token = token
        self.max_upload = max_upload

    def limit(self, path: str) -> int:
        """The bytes a body may have: an upload's bound and room for the form around it."""
        return self.max_upload + MAX_BODY if path == UPLOAD_PATH else MAX_BODY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refused = self.refused(request)
        if refused is not None:
            await refused(scope, receive, send)
            return
        await self.app(scope, _bounded(receive, self.limit(request.url.path)), send)

    def refused(self, request: Request) -> Response | None:
        path = request.url.path
        host = request.headers.get("host", "")
        if host not in self.hosts:
            expected = " ou ".join(sorted(self.hosts))
            return refusal(path, 421, text("web.bad_host", expected=expected))
        if request.method in SAFE_METHODS:
            return None
        origin = request.headers.get("origin")
        if origin is not None and origin != f"http://{host}":
            return refusal(path, 403, text("web.cross_origin"))
        limit = self.limit(path)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            return refusal(path, 413, text("web.too_large", size=mebibytes(limit)))
        header = request.headers.get(CSRF_HEADER)
        if path.startswith("/api/") and not self.valid(header):
            return refusal(path, 403, text("web.bad_csrf"))
        return None

    def valid(self, token: object) -> bool:
        return isinstance(token, str) and hmac.compare_digest(token, self.token)


def _bounded(receive: Receive, limit: int) -> Receive:
    """`receive`, raising BodyTooLarge once more than `limit` bytes of body came."""
    seen = 0

    async def bounded() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return bounded


async def json_body(request: Request) -> dict[str, object]:
    """The request's JSON object; ValueError for anything else."""
    try:
        body = json.loads(await request.body())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(str(error)) from None
    if not isinstance(body, dict):
        raise ValueError(text("web.json_object"))
    return body
