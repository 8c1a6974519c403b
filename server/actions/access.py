"""Who is calling and what their role may do. The router checks every endpoint row's roles here,
for HTTP and WebSocket alike; handlers never repeat them."""
from __future__ import annotations

from aiohttp import web

from .. import appkeys as K
from ..auth import Principal
from ..domain.errors import DomainError

PRINCIPAL = web.RequestKey("principal", Principal)  # set by the router once the row's roles are checked


def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def principal_for_token(app: web.Application, token: str | None) -> Principal | None:
    p = app[K.AUTH].principal(token, app[K.CLOCK].now())
    if p is not None and p.role == "clerk" and not clerk_still_signed_in(app, p):
        return None
    return p


def principal_for_hash(app: web.Application, token_hash: str) -> Principal | None:
    """As principal_for_token, from the token's hash (what a WebSocket keeps to check itself again)."""
    p = app[K.AUTH].principal_for_hash(token_hash, app[K.CLOCK].now())
    if p is not None and p.role == "clerk" and not clerk_still_signed_in(app, p):
        return None
    return p


def clerk_still_signed_in(app: web.Application, p: Principal) -> bool:
    """A clerk session lives only while its clerk is signed in at its window (not after the day's turn)."""
    return app[K.SERVICE].state.window(p.window).staff == p.staff


def own_window_only(row) -> bool:
    """A clerk may use this endpoint row for its own window only: a path naming a window, or an
    action on a ticket (the ticket must be held at the clerk's window or wait in a queue it
    serves). Enforced by the command builders (wrong_window) and the rules (not_at_this_window)."""
    return "clerk" in row.roles and ("{window}" in row.path or row.method != "GET" and "{ticket_id}" in row.path)


def authorize(p: Principal | None, roles: tuple[str, ...]) -> Principal | None:
    """The caller if its role may use an endpoint whose roles are `roles` (() = public)."""
    if not roles:
        return p
    if p is None:
        raise DomainError("unauthorized", "sign in or send a valid device token (Authorization: Bearer ...)")
    if p.role not in roles:
        raise DomainError("forbidden", f"a {p.role} may not do this")
    return p


def caller(request: web.Request) -> Principal | None:
    """The principal the router resolved for this request (None on a public endpoint without a token)."""
    if PRINCIPAL in request:
        return request[PRINCIPAL]
    return principal_for_token(request.app, bearer(request))


def require(request: web.Request, roles: tuple[str, ...]) -> Principal:
    """The caller, checked against `roles` (the router did this already for every table row)."""
    p = authorize(caller(request), roles)
    assert p is not None
    return p


# --- a one-time PIN (a new person, or after a reset) only lets one choose one's own (administration) ---
FIRST_PIN_ROWS = ("setOwnPin", "signOut", "getSession")


def refuse_until_own_pin(app: web.Application, p: Principal | None, operation_id: str) -> None:
    if p is None or not p.is_session or operation_id in FIRST_PIN_ROWS:
        return
    staff = app[K.SERVICE].hall.staff_member(p.staff or "")
    if staff is not None and staff.pin_change_required:
        raise DomainError("pin_change_required", "choose your own PIN first (POST /api/sessions/current/pin)")
