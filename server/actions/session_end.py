"""Ending sessions: every token of the session stops working and every WebSocket opened with one
is closed with 4003 (docs/protocol.md), whether the session ended by sign-out, by time, or because
its device was revoked."""
from __future__ import annotations

from aiohttp import web

from .. import appkeys as K
from ..auth import Principal
from .access import principal_for_hash


def tokens_to_end(app: web.Application, p: Principal) -> set[str]:
    """A clerk's sign-out ends every token of that clerk (a clerk works at one window at a time, so
    an older token must not come back to life at the next sign-in); a manager's or guide's ends
    the token used (they may be signed in on a phone and a PC at once)."""
    used = {p.session_hash} if p.session_hash else set()
    if p.role == "clerk" and p.staff:
        return {s.token_hash for s in app[K.AUTH].sessions_of(p.staff) if s.role == "clerk"} | used
    return used


def end_sessions(app: web.Application, token_hashes: set[str], reason: str) -> int:
    """Forget the tokens and close their sockets (call once the revocation is on disk)."""
    app[K.AUTH].forget(token_hashes)
    hub = app[K.HUB]  # the WebSocket hub (server/hub/hub.py), reached through the app: no import of the adapter
    return hub.end_connections(token_hashes, reason)


def end_lapsed(app: web.Application) -> int:
    """Housekeeping: drop expired sessions, and close every socket whose token is no longer valid
    (expired, revoked device, a clerk no longer signed in at the window). Returns sockets closed."""
    now = app[K.CLOCK].now()
    app[K.AUTH].forget({s.token_hash for s in app[K.AUTH].expired(now)})
    hub = app[K.HUB]  # the WebSocket hub (server/hub/hub.py), reached through the app: no import of the adapter
    lapsed = {c.token_hash for c in list(hub.connections)
              if c.token_hash is not None and c.principal is not None and principal_for_hash(app, c.token_hash) is None}
    return hub.end_connections(lapsed, "session ended") if lapsed else 0
