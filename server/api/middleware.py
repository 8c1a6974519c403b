"""Every error leaves as {"error": {"code", "message"}} with its HTTP status; nothing leaks a trace."""
from __future__ import annotations

import logging
from typing import Any

from aiohttp import ClientPayloadError, web
from aiohttp.http_exceptions import HttpProcessingError

from .. import appkeys as K
from ..actions.body import json_response
from ..domain.errors import ERROR_CODES, DomainError

log = logging.getLogger("hallq.api")


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def retry_after(exc: DomainError) -> dict | None:
    """Retry-After on every refusal that says when to try again (rate limits, storage faults)."""
    seconds = exc.details.get("retry_after_s")
    return {"Retry-After": str(int(seconds))} if seconds is not None else None


@web.middleware
async def errors(request: web.Request, handler):
    try:
        return await handler(request)
    except DomainError as exc:
        return json_response({"error": exc.to_dict()}, status=exc.http_status, headers=retry_after(exc))
    except web.HTTPRequestEntityTooLarge:
        return json_response(error_body("payload_too_large", "the request body is too large"), status=413)
    except web.HTTPNotFound:
        return json_response(error_body("not_found", f"no route {request.path}"), status=404)
    except web.HTTPMethodNotAllowed:
        return json_response(error_body("method_not_allowed", f"{request.method} is not allowed here"), status=405)
    except web.HTTPException:
        raise
    except (ClientPayloadError, HttpProcessingError, ConnectionResetError) as exc:
        # the client went away mid-body (a closed tab, a dropped Wi-Fi): one line, nothing to trace
        log.info("request body aborted: %s %s (%s)", request.method, request.path, type(exc).__name__)
        return json_response(error_body("malformed_request", "the request body was cut short"), status=400)
    except Exception:  # the client gets a clean 500; the log gets the trace
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json_response(error_body("internal_error", ERROR_CODES["internal_error"][1]), status=500)


# Every page and answer: scripts, styles, images, sounds and sockets only from this server; no
# plugins; no <base> tricks; forms post only here. Nothing may frame a page (clickjacking), except
# the display pages for the origins in server.frame_ancestors (a signage player), see docs/security.md.
CSP = "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors {ancestors}"


def security_header_values(request: web.Request) -> dict[str, str]:
    framers = request.app[K.CONFIG].server.frame_ancestors if request.path.startswith("/display/") else ()
    headers = {"Content-Security-Policy": CSP.format(ancestors=" ".join(framers) or "'none'"),
               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
               "Cache-Control": "no-store"}
    if not framers:
        headers["X-Frame-Options"] = "DENY"
    return headers


@web.middleware
async def security_headers(request: web.Request, handler):
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # 304, redirects and the like raised by static files
        _add_headers(exc, request)
        raise
    if not response.prepared:  # a WebSocket or a stream has sent its headers already
        _add_headers(response, request)
    return response


def _add_headers(response: web.StreamResponse, request: web.Request) -> None:
    for name, value in security_header_values(request).items():
        response.headers.setdefault(name, value)
