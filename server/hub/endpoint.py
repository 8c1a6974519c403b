"""GET /api/ws: the auth phase, then subscribe / command / ping / printer messages (docs/protocol.md)."""
from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import WSMsgType, web
from yarl import URL

from .. import appkeys as K
from ..actions import runner
from ..actions.access import authorize, clerk_still_signed_in, principal_for_hash, principal_for_token
from ..actions.body import load_json
from ..api.endpoints import COMMAND_ROWS
from ..api.fields import parse_fields
from ..audience import hall_for
from ..domain.calendar import iso_local
from ..domain.errors import DomainError
from ..printjobs import PRINTER_FAULTS, jobs_to_resend
from ..ratelimit import MessageRate
from ..security import hash_token
from ..views import hall_view
from .connection import Connection, encode
from .hub import audience_of, event_frame
from .scope import Scope, relevant

log = logging.getLogger("hallq.hub")

CLOSE_UNAUTHORIZED = 4001
CLOSE_AGENT_SILENT = 4002
CLOSE_TOO_MANY_MESSAGES = 4029
PRINTER_STATES = ("ready", "paper_low", "paper_out", "cover_open", "offline", "error")
AGENT_ROLES = ("print_agent", "speaker_agent")


def allowed_origins(app: web.Application) -> set[str]:
    """Browser origins a socket may come from: public_url's and server.allowed_origins. Never the
    request's own Host header (a DNS-rebinding page would send one that matches)."""
    configured = (app[K.SETTINGS].public_url, *app[K.CONFIG].server.allowed_origins)
    origins = {origin_of(url) for url in configured}
    return origins | {alias for o in origins for alias in loopback_aliases(o)}


LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def loopback_aliases(origin: str) -> list[str]:
    """A loopback origin's other names (a demo at http://127.0.0.1:8080 opened as localhost:8080).
    Only names of this machine: a rebinding page's origin is its own domain, never one of these."""
    parsed = URL(origin)
    if parsed.host not in ("127.0.0.1", "localhost", "::1"):
        return []
    port = f":{parsed.port}" if parsed.port and not parsed.is_default_port() else ""
    return [f"{parsed.scheme}://{host}{port}" for host in LOOPBACK]


def origin_of(url: str) -> str:
    parsed = URL(url.strip())
    default = {"http": 80, "https": 443}.get(parsed.scheme)
    port = "" if parsed.port in (None, default) else f":{parsed.port}"
    host = (parsed.host or "").lower()
    return f"{parsed.scheme}://{'[' + host + ']' if ':' in host else host}{port}"


def check_origin(request: web.Request) -> None:
    origin = request.headers.get("Origin")
    if origin is None:
        return  # not a browser (agents, tests)
    if origin_of(origin) not in allowed_origins(request.app):
        raise DomainError("forbidden_origin", f"origin {origin[:100]} is not allowed")


async def ws_handler(request: web.Request) -> web.WebSocketResponse:
    check_origin(request)
    server = request.app[K.CONFIG].server
    ws = web.WebSocketResponse(heartbeat=server.ws_heartbeat_s, max_msg_size=server.ws_max_frame_bytes,
                               compress=False)
    await ws.prepare(request)
    conn = Connection(ws, server.ws_send_queue, request.remote or "?")
    hub = request.app[K.HUB]
    hub.add(conn)
    try:
        if await _authenticate(request.app, conn, server.ws_auth_timeout_s):
            await _serve(request.app, conn)
    finally:
        hub.remove(conn)
        await conn.close()
        if not ws.closed:
            await ws.close()
    return ws


def result(msg_id, value: dict) -> dict:
    return {"id": msg_id, "type": "result", "success": True, "result": value}


def failure(msg_id, code: str, message: str) -> dict:
    return {"id": msg_id, "type": "result", "success": False, "error": {"code": code, "message": message}}


async def _receive(ws: web.WebSocketResponse, timeout: float | None = None):
    """The next frame as (message dict | None, error code | None); (None, None) when closed."""
    msg = await (asyncio.wait_for(ws.receive(), timeout) if timeout else ws.receive())
    if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
        return None, None
    if msg.type != WSMsgType.TEXT:
        return {}, "malformed_message"
    try:
        data = load_json(msg.data)
    except DomainError as exc:  # not JSON, too deep, or a bad number: an error frame, the connection stays
        if exc.code == "malformed_request":
            exc = DomainError("malformed_message", exc.message, **exc.details)
        return {}, exc
    return (data, None) if isinstance(data, dict) and isinstance(data.get("type"), str) else ({}, "malformed_message")


async def _authenticate(app: web.Application, conn: Connection, timeout: float) -> bool:
    try:
        data, error = await _receive(conn.ws, timeout)
    except TimeoutError:
        await conn.ws.close(code=CLOSE_UNAUTHORIZED, message=b"auth timeout")
        return False
    if data is None:
        return False
    principal = None
    if error is None and data["type"] == "auth" and isinstance(data.get("token"), str):
        principal = principal_for_token(app, data["token"])
    if principal is None:
        await conn.ws.send_str(json.dumps(failure(data.get("id"), "unauthorized", "send auth with a valid token first")))
        await conn.ws.close(code=CLOSE_UNAUTHORIZED, message=b"unauthorized")
        return False
    conn.principal = principal
    conn.token_hash = hash_token(data["token"])
    session = app[K.AUTH].sessions.get(conn.token_hash)
    conn.expires_at = session.expires_at if session is not None else None
    service = app[K.SERVICE]
    conn.send(result(data.get("id"), principal.to_dict() | {
        "server_time": iso_local(app[K.CLOCK].now(), service.hall.center.timezone), "last_seq": service.state.last_seq}))
    if not principal.is_session and principal.role != "print_agent":  # a print agent reports its printer
        app[K.HUB].device_changed(principal.id, online=True,
                                  **({"agent": True} if principal.role == "speaker_agent" else {}))
    return True


async def _serve(app: web.Application, conn: Connection) -> None:
    # an agent sends a heartbeat every few seconds: one silent for agent_timeout_s is gone (hung,
    # or its network is), and the board must say so instead of showing its last state
    silence = app[K.CONFIG].server.agent_timeout_s if conn.principal.role in AGENT_ROLES else None
    server = app[K.CONFIG].server
    rate = MessageRate(server.ws_max_messages, server.ws_rate_window_s)
    loop = asyncio.get_running_loop()
    while not conn.dropped:
        try:
            data, error = await _receive(conn.ws, silence)
        except TimeoutError:
            log.warning("agent %s silent for %s s: closing its connection", conn.principal.id, silence)
            await conn.ws.close(code=CLOSE_AGENT_SILENT, message=b"agent silent")
            return
        if data is None:
            return
        if conn.token_hash is not None and principal_for_hash(app, conn.token_hash) is None:
            conn.end("session ended")  # signed out, expired or revoked since the last frame: 4003
            return
        if not rate.allow(loop.time()):  # wall time: a flood is a flood whatever the hall clock says
            log.warning("closing %s (%s): more than %d messages in %g s", conn.remote, conn.principal.id,
                        server.ws_max_messages, server.ws_rate_window_s)
            await conn.ws.close(code=CLOSE_TOO_MANY_MESSAGES, message=b"too many messages")
            return
        if isinstance(error, DomainError):
            conn.send({"id": None, "type": "result", "success": False, "error": error.to_dict()})
            continue
        if error is not None:
            conn.send(failure(_frame_id(data), error, "each frame must be a JSON object with a type"))
            continue
        await _dispatch(app, conn, data)


def _frame_id(data: dict):
    """The frame's id, echoed in its result only if it is a plain string or integer."""
    msg_id = data.get("id")
    ok = isinstance(msg_id, str) and len(msg_id) <= 100 or isinstance(msg_id, int) and not isinstance(msg_id, bool)
    return msg_id if ok else None


async def _dispatch(app: web.Application, conn: Connection, data: dict) -> None:
    handler = HANDLERS.get(data["type"])
    msg_id = _frame_id(data)
    if handler is None:
        conn.send(failure(msg_id, "malformed_message", f"unknown message type {data['type']!r}"))
        return
    try:
        authorize(conn.principal, MESSAGE_ROLES.get(data["type"], ("nobody",)))
        answer = await handler(app, conn, data)
        # the result goes out before the frames that follow it (a replay, pending print jobs)
        answer, follow = answer if isinstance(answer, tuple) else (answer, [])
        conn.send(result(msg_id, answer))
        if callable(follow):
            await follow()
        else:
            for frame in follow:
                conn.offer(frame)
    except DomainError as exc:
        conn.send({"id": msg_id, "type": "result", "success": False, "error": exc.to_dict()})
    except Exception:  # noqa: BLE001 - one bad message must not end the connection
        log.exception("message %s failed", data.get("type"))
        conn.send(failure(msg_id, "internal_error", "an unexpected error; nothing was changed"))


# --- message handlers ----------------------------------------------------------------------------

async def _auth_again(app, conn, data) -> dict:
    raise DomainError("invalid_argument", "already authenticated")


async def _ping(app, conn, data) -> dict:
    return {"server_time": iso_local(app[K.CLOCK].now(), app[K.SERVICE].hall.center.timezone)}


def _scope_for(app: web.Application, conn: Connection, raw) -> Scope:
    if not isinstance(raw, dict) or set(raw) - {"zone", "window"}:
        raise DomainError("invalid_argument", "scope must be {}, {\"zone\": Z} or {\"window\": N}")
    zone, window = raw.get("zone"), raw.get("window")
    hall = app[K.SERVICE].hall
    if window is not None and (not isinstance(window, int) or isinstance(window, bool) or hall.window(window) is None):
        raise DomainError("unknown_window", f"there is no window {window}")
    if zone is not None and (not isinstance(zone, str) or zone not in {w.zone for w in hall.windows}):
        raise DomainError("invalid_argument", f"there is no zone {zone!r}")
    p = conn.principal
    if p.window is not None and p.role in ("counter", "rating_pad", "clerk") and (
            zone is not None or window not in (None, p.window)):
        raise DomainError("forbidden", f"a {p.role} may only follow its own window or the hall")
    return Scope.of(hall, zone=zone, window=window)


async def _subscribe(app, conn: Connection, data: dict) -> dict:
    scope = _scope_for(app, conn, data.get("scope", {}))
    since = data.get("since")
    if since is not None and (not isinstance(since, int) or isinstance(since, bool) or since < 0):
        raise DomainError("invalid_argument", "since must be a non-negative integer")
    service = app[K.SERVICE]
    if since is not None and since <= service.state.last_seq:
        replay = await _replay(app, conn, scope, since)
        if replay is not None:
            return replay
    return _snapshot(app, conn, scope)


def _snapshot(app, conn: Connection, scope: Scope) -> dict:
    """Register and snapshot with no await in between: no event can fall in the gap."""
    service = app[K.SERVICE]
    conn.scope, conn.buffer = scope, None
    conn.min_seq = service.state.last_seq
    snapshot = hall_for(hall_view(service.state, service.hall, app[K.CLOCK].now(), zone=scope.zone,
                                  window=scope.window), audience_of(conn))
    if conn.principal.role in ("manager", "guide"):
        snapshot["devices"] = app[K.HUB].device_list()
    return {"mode": "snapshot", "snapshot": snapshot, "seq": conn.min_seq}


async def _replay(app, conn: Connection, scope: Scope, since: int):
    """Hold live events back, read the missed ones from SQLite, then stream both, without gap or
    repeat, at the pace the client reads (a long replay never overflows its send queue)."""
    service, limit = app[K.SERVICE], app[K.CONFIG].server.ws_replay_limit
    conn.scope, conn.min_seq, conn.buffer = scope, since, []
    missed = await service.events_since(since, limit + 1)
    if len(missed) > limit or (missed and missed[0]["day"] != service.state.day):
        conn.buffer = None
        return None
    last = max([since] + [e["seq"] for e in missed])
    audience = audience_of(conn)

    async def stream() -> None:
        for event in missed:
            if relevant(event, scope) and not await conn.put(event_frame(event, audience)):
                return
        sent = last
        while conn.buffer:  # live events that arrived meanwhile, oldest first
            held, conn.buffer = conn.buffer, []
            for event in (e for e in held if e["seq"] > sent):
                if not await conn.put(event_frame(event, audience)):
                    return
                sent = event["seq"]
        conn.buffer, conn.min_seq = None, sent  # no await since the empty check: nothing slips by
    return {"mode": "replay", "from": since + 1, "seq": last}, stream


async def _command(app, conn: Connection, data: dict) -> dict:
    """A queue action over the socket: the same endpoint row, roles, body and answer as over HTTP;
    the row's path ids (ticket_id, window) travel in args."""
    name, args = data.get("name"), data.get("args", {})
    row = COMMAND_ROWS.get(name) if isinstance(name, str) else None
    if row is None:
        raise DomainError("malformed_message", f"unknown command {name!r}")
    p = conn.principal
    if p.role not in row.roles:
        raise DomainError("forbidden", f"a {p.role} may not {name}")
    if p.role == "clerk" and not clerk_still_signed_in(app, p):
        raise DomainError("unauthorized", "your session has ended; sign in again")
    body = parse_fields(row.socket_fields(), args)
    ids = {k: body.pop(k) for k in row.path_params() if k in body}
    return await runner.run_row(app, p, row, body, ids)


async def _printer_status(app, conn: Connection, data: dict) -> dict:
    """The print agent's report and heartbeat. Jobs waiting for the printer go out when it can
    print: on the agent's first report, and when a fault clears (the age rule applies)."""
    p = conn.principal
    if p.role != "print_agent":
        raise DomainError("forbidden", "only a kiosk's print agent reports printer status (with its agent token)")
    status = data.get("status")
    if status not in PRINTER_STATES:
        raise DomainError("invalid_argument", "status must be one of " + ", ".join(PRINTER_STATES))
    detail = str(data.get("detail", ""))[:200]
    hub = app[K.HUB]
    if not conn.printer_agent:
        hub.claim_printer(conn)  # refuses a second agent for the same printer
    was = conn.printer_state
    conn.printer_state = status
    if (status, detail) != (was, conn.printer_detail) or was is None:
        hub.device_changed(p.id, agent=True, printer=status, detail=detail)
    conn.printer_detail = detail
    can_print_again = status not in PRINTER_FAULTS and (was is None or was in PRINTER_FAULTS)
    if not can_print_again:
        return {"printer": status}
    jobs = await jobs_to_resend(app[K.SERVICE], p.id, app[K.CONFIG].server.print_job_max_age_s)
    return {"printer": status}, [encode(job) for job in jobs]


async def _print_ack(app, conn: Connection, data: dict) -> dict:
    p = conn.principal
    if p.role != "print_agent" or not conn.printer_agent:
        raise DomainError("forbidden", "only a kiosk's print agent acknowledges print jobs")
    job_id, status = data.get("job_id"), data.get("status")
    if not isinstance(job_id, str) or status not in ("printed", "failed"):
        raise DomainError("invalid_argument", "print_ack needs job_id and status printed|failed")
    found = await app[K.SERVICE].ack_print_job(p.id, job_id, status, str(data.get("error", ""))[:200])
    if not found:
        raise DomainError("not_found", f"no print job {job_id} for this kiosk")
    return {"job_id": job_id, "status": status}


# Who may send each message type once authenticated, () meaning any authenticated device or
# session: the WebSocket's part of the access table (a command is checked again against its own
# endpoint row's roles; docs/api.md, "Access").
MESSAGE_ROLES: dict[str, tuple[str, ...]] = {
    "auth": (), "ping": (), "subscribe": (), "command": (),
    "printer_status": ("print_agent",), "print_ack": ("print_agent",),  # the agent token, never the page
}

HANDLERS = {"auth": _auth_again, "ping": _ping, "subscribe": _subscribe, "command": _command,
            "printer_status": _printer_status, "print_ack": _print_ack}
