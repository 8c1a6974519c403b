"""Every error leaves as {"error": {"code", "message"}} with its HTTP status; nothing leaks a trace."""
from __future__ import annotations

import logging

from aiohttp import web

from ..domain.errors import ERROR_CODES, DomainError
from ..actions.body import json_response

log = logging.getLogger("hallq.api")


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    body = {"code": code, "message": message}
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
    except Exception:  # noqa: BLE001 - the client gets a clean 500; the log gets the trace
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json_response(error_body("internal_error", ERROR_CODES["internal_error"][1]), status=500)


@web.middleware
async def security_headers(request: web.Request, handler):
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    return response
