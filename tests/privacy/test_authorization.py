"""Authorization, generated from what the app serves: every HTTP operation the router carries and
every WebSocket message type (every command included), called by no token, each device kind of the
demo hall, each agent role (print agent, speaker agent), a clerk, a clerk of another window, a
signed-out clerk, a guide and a manager. Whether a
call may pass comes from the endpoint row's roles (and the WebSocket's MESSAGE_ROLES), plus one
rule: a clerk acts on its own window only (docs/api.md, "Access"). A refused call changes nothing.

A route under /api/ without an endpoint row fails here, so a new endpoint cannot skip the table."""
from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from server import appkeys as K
from server.actions.access import own_window_only
from server.api.endpoints import COMMAND_ROWS, Endpoint
from server.api.router import endpoint_of
from server.app import create_app
from server.auth import AGENT_ROLES
from server.config import load_demo
from server.hub.endpoint import HANDLERS, MESSAGE_ROLES
from tests.privacy.kit import GUIDE, MANAGER, staff_token, table_dump
from tests.wsclient import WsClient

HOME, OTHER, GONE = 3, 5, 4  # the clerk's window, another clerk's, and a window whose clerk signed out
REFUSALS = {"unauthorized", "forbidden", "wrong_window", "not_at_this_window"}
TABLES = ("events", "tickets", "sessions", "print_jobs", "audit", "requests")


def routed_endpoints() -> list[Endpoint]:
    """Every endpoint row the app routes; a /api/ route without a row is an error right here."""
    app = create_app(load_demo(), db_path=Path(tempfile.gettempdir()) / "hallq-never-opened.db")
    rows, missing = [], []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method == "HEAD" or not path.startswith("/api/") or path == "/api/ws":
            continue
        row = endpoint_of(route)
        (rows if row is not None else missing).append(row or f"{route.method} {path}")
    assert not missing, f"routes without an endpoint row (add them to an endpoint table): {missing}"
    return rows


ROUTED = routed_endpoints()


def test_every_api_route_has_a_row_and_every_row_is_routed():
    from server.app import create_app as make  # the same factory, read again: nothing cached
    app = make(load_demo(), db_path=Path(tempfile.gettempdir()) / "hallq-never-opened.db")
    assert {ep.operation_id for ep in app[K.ENDPOINTS]} <= {ep.operation_id for ep in ROUTED}
    assert len({(ep.method, ep.path) for ep in ROUTED}) == len(ROUTED)


def test_every_websocket_message_type_has_roles():
    assert set(HANDLERS) <= set(MESSAGE_ROLES), set(HANDLERS) - set(MESSAGE_ROLES)


@dataclass(frozen=True)
class Caller:
    name: str
    token: str | None
    role: str | None  # None: no token
    other_window: bool = False  # a clerk signed in at another window than the one named
    signed_out: bool = False


def clerk_limited(ep: Endpoint) -> bool:
    """A clerk acts on its own window only (the rule docs/api.md states for these rows)."""
    return own_window_only(ep)


def may_pass(roles: tuple[str, ...], caller: Caller, limited: bool) -> bool:
    if not roles:
        return True
    if caller.role is None or caller.signed_out or caller.role not in roles:
        return False
    return not (caller.other_window and limited)


async def cast(hall) -> tuple[list[Caller], dict]:
    """Every caller, and the things they act on: a ticket in hand at window HOME, a tracking token."""
    home = await hall.sign_in(HOME)
    other = await hall.sign_in(OTHER)
    gone = await hall.sign_in(GONE, staff="1004")  # 1003, the clerk of window 3, is at HOME
    status, _ = await hall.call("DELETE", "/api/sessions/current", gone)
    assert status == 200
    callers = [Caller("no token", None, None)]
    kinds: dict[str, str] = {}
    for device in hall.settings.hall.devices:  # one device of each kind, at window HOME where it has one
        if device.id in hall.creds["devices"] and (device.kind not in kinds or device.window == HOME):
            kinds[device.kind] = device.id
    callers += [Caller(f"{kind} {dev}", hall.device_token(dev), kind) for kind, dev in sorted(kinds.items())]
    agents: dict[str, str] = {}  # each agent role, with its device's agent token
    for device in hall.settings.hall.devices:
        if device.id in hall.creds.get("agents", {}):
            agents.setdefault(AGENT_ROLES[device.kind], device.id)
    callers += [Caller(f"{role} {dev}", hall.creds["agents"][dev], role) for role, dev in sorted(agents.items())]
    callers += [Caller("clerk", home, "clerk"), Caller("clerk of another window", other, "clerk", other_window=True),
                Caller("signed-out clerk", gone, "clerk", signed_out=True),
                Caller("guide", await staff_token(hall, GUIDE), "guide"),
                Caller("manager", await staff_token(hall, MANAGER), "manager")]
    _, issued = await hall.issue("business_setup")
    await hall.issue("business_setup")  # one more waiting, so a call-next has someone to call
    status, _ = await hall.post(f"/api/windows/{HOME}/call", home, {"ticket_id": issued["ticket"]["id"]})
    assert status == 200
    targets = {"ticket_id": issued["ticket"]["id"], "window": HOME, "table": "visits",
               "token": issued["tracking_url"].rsplit("/", 1)[1],
               "staff": GUIDE, "pin": hall.creds["staff"][GUIDE]}  # sign-in: a real guide's credentials
    # refusals first: an allowed call may change what the next caller finds
    return sorted(callers, key=lambda c: not c.signed_out and not c.other_window and c.role is not None), targets


def sample(name: str, field, targets: dict):
    if name in targets:
        return targets[name]
    if field.enum:
        return field.enum[0]
    return {"string": "business_setup" if "service" in name else "x", "integer": 1, "number": 1_790_000_000,
            "boolean": False, "array": ["x"]}[field.type]


def http_call(ep: Endpoint, targets: dict) -> tuple[str, dict | None]:
    path = re.sub(r"\{(\w+)\}", lambda m: str(targets.get(m.group(1), 1)), ep.path)
    body = ({n: sample(n, f, targets) for n, f in (ep.body or {}).items() if f.required or n in targets}
            if ep.method != "GET" else None)
    return path, body


def refused(status: int, body) -> bool:
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return status in (401, 403) or code in REFUSALS


async def raw_call(hall, method: str, path: str, token: str | None, body):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with hall.session.request(method, hall.url(path), json=body, headers=headers) as resp:
        text = await resp.text()
        try:
            return resp.status, json.loads(text)
        except ValueError:
            return resp.status, text


@pytest.mark.parametrize("ep", ROUTED, ids=lambda ep: ep.operation_id)
async def test_http_operation(hall, ep: Endpoint):
    callers, targets = await cast(hall)
    path, body = http_call(ep, targets)
    db = hall.app[K.SERVICE].writer.path
    for caller in callers:
        expected = may_pass(ep.roles, caller, clerk_limited(ep))
        before = table_dump(db, *TABLES) if not expected else None
        status, answer = await raw_call(hall, ep.method, path, caller.token, body)
        assert status != 500, (ep.operation_id, caller.name, answer)
        assert refused(status, answer) != expected, (ep.operation_id, caller.name, status, answer)
        if before is not None:
            assert table_dump(db, *TABLES) == before, (ep.operation_id, caller.name, "a refused call changed data")


def ws_cases() -> list[tuple[str, str | None]]:
    plain = [(t, None) for t in sorted(HANDLERS) if t != "command"]
    return plain + [("command", name) for name in sorted(COMMAND_ROWS)]


def ws_message(kind: str, command: str | None, targets: dict) -> dict:
    if kind == "command":
        row = COMMAND_ROWS[command]
        args = {n: sample(n, f, targets) for n, f in row.socket_fields().items() if f.required or n in targets}
        return {"type": "command", "name": command, "args": args}
    return {"auth": {"type": "auth", "token": "x"}, "ping": {"type": "ping"},
            "subscribe": {"type": "subscribe", "scope": {}},
            "printer_status": {"type": "printer_status", "status": "ready"},
            "print_ack": {"type": "print_ack", "job_id": "no-such-job", "status": "printed"}}[kind]


@pytest.mark.parametrize("kind,command", ws_cases(), ids=lambda v: v or "-")
async def test_websocket_message(hall, kind: str, command: str | None):
    callers, targets = await cast(hall)
    roles = COMMAND_ROWS[command].roles if command else MESSAGE_ROLES[kind]
    limited = clerk_limited(COMMAND_ROWS[command]) if command else False
    db = hall.app[K.SERVICE].writer.path
    for caller in callers:
        expected = may_pass(roles, caller, limited)
        before = table_dump(db, *TABLES) if not expected else None
        client = await WsClient.open(hall)
        reply = await client.request({"type": "auth", "token": caller.token or ""})
        if not reply["success"]:
            assert caller.role is None or caller.signed_out, (caller.name, reply)
            assert await client.closed_code() == 4001
            assert not expected or not roles, (kind, command, caller.name)
            continue
        if kind == "print_ack":  # acknowledgements come from a printer agent: report printer status first
            await client.request(ws_message("printer_status", None, targets))
        answer = await client.request(ws_message(kind, command, targets))
        await client.close()
        code = None if answer["success"] else answer["error"]["code"]
        assert code != "internal_error", (kind, command, caller.name, answer)
        if kind == "auth":  # a second auth on an authenticated socket: refused as a bad argument
            assert code == "invalid_argument", (caller.name, answer)
        else:
            assert (code in REFUSALS) != expected, (kind, command, caller.name, answer)
        if before is not None:
            assert table_dump(db, *TABLES) == before, (kind, command, caller.name, "a refused message changed data")
