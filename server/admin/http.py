"""Administration over HTTP (managers only): the configuration, its versions, entries of each table,
PIN resets, device tokens, and a person setting their own PIN. Every change goes through
ConfigKeeper.change with the version the page read, so two managers never overwrite each other.
"""
from __future__ import annotations

import asyncio
import copy
import re
import secrets

from aiohttp import web

from .. import appkeys as K
from ..api.endpoints import Endpoint
from ..api.fields import Field, parse_fields
from ..actions.access import require
from ..actions.body import json_response, read_body
from ..config_cli import PIN_RE
from ..config_schema import REQUIRED, SCHEMA
from ..domain.errors import DomainError
from ..security import hash_pin, hash_token, new_token
from .live import Author, ConfigKeeper
from .store import version_rows
from .rules import IDENTITY

MANAGER = ("manager",)
STAFF_ROLES = ("clerk", "manager", "guide")
KEEPER = web.AppKey("config_keeper", ConfigKeeper)
SECTIONS = ("center", "rules", "voice", "calendar", "supervision")
POSITIONAL = ("rota", "notices")
NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only: "²".isdigit() is true, int("²") is not
VERSION = Field("integer", required=True, doc="The configuration version the change was made on.", minimum=0)
ERRORS = ("invalid_config", "version_conflict", "would_strand_tickets", "invalid_argument")

ADMIN_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/admin/config", "getAdminConfig", "The live configuration document and its version",
             MANAGER, special="admin_config", tag="admin"),
    Endpoint("PUT", "/api/admin/config", "putAdminConfig", "Replace the whole configuration (a new version)",
             MANAGER, special="admin_put_config", tag="admin", errors=ERRORS,
             body={"version": VERSION, "document": Field("object", required=True, doc="The whole document.")}),
    Endpoint("POST", "/api/admin/config/check", "checkAdminConfig",
             "Dry run: the difference a document would make and why it would be refused", MANAGER,
             special="admin_check_config", tag="admin",
             body={"document": Field("object", required=True, doc="The whole document.")}),
    Endpoint("GET", "/api/admin/versions", "getAdminVersions", "Stored configuration versions: who, when, what",
             MANAGER, special="admin_versions", tag="admin"),
    Endpoint("GET", "/api/admin/schema", "getAdminSchema", "Every configuration key: kind, default, meaning",
             MANAGER, special="admin_schema", tag="admin"),
    Endpoint("PUT", "/api/admin/sections/{section}", "putAdminSection",
             "Replace [center], [rules], [voice], [calendar] or [supervision]",
             MANAGER, special="admin_put_section", tag="admin", errors=ERRORS,
             body={"version": VERSION, "value": Field("object", required=True, doc="The table's keys.")}),
    Endpoint("PUT", "/api/admin/entries/{table}/{key}", "putAdminEntry",
             "Add or replace one department, service, window, staff member, device, rota turn or notice", MANAGER,
             special="admin_put_entry", tag="admin", errors=ERRORS,
             body={"version": VERSION, "entry": Field("object", required=True, doc="The entry's keys."),
                   "windows": Field("array", doc="Services only: the window numbers that call it (its place in "
                                                 "each window's list is kept; new ones go last).")}),
    Endpoint("DELETE", "/api/admin/entries/{table}/{key}", "deleteAdminEntry", "Remove one entry",
             MANAGER, special="admin_delete_entry", tag="admin", errors=ERRORS,
             query={"version": Field("integer", doc="The configuration version the change was made on.")}),
    Endpoint("POST", "/api/admin/staff/{number}/reset-pin", "resetStaffPin",
             "A new one-time PIN for a staff member (they choose their own at the next sign-in)", MANAGER,
             special="admin_reset_pin", tag="admin", errors=ERRORS + ("unknown_staff",), body={"version": VERSION}),
    Endpoint("POST", "/api/admin/devices/{device}/rotate-token", "rotateDeviceToken",
             "A new token for a device; the old one is refused at once", MANAGER,
             special="admin_rotate_token", tag="admin", errors=ERRORS + ("unknown_device",), body={"version": VERSION}),
    Endpoint("POST", "/api/admin/devices/{device}/revoke-token", "revokeDeviceToken",
             "Revoke a lost device's token (nobody learns a new one)", MANAGER,
             special="admin_revoke_token", tag="admin", errors=ERRORS + ("unknown_device",), body={"version": VERSION}),
    Endpoint("GET", "/api/admin/devices", "getAdminDevices", "Every device: kind, online, last seen, printer health",
             MANAGER, special="admin_devices", tag="admin"),
    Endpoint("POST", "/api/sessions/current/pin", "setOwnPin",
             "Choose a new PIN (required after a reset, at the first sign-in)", STAFF_ROLES,
             special="admin_own_pin", tag="sessions", errors=("invalid_argument", "unauthorized"),
             body={"current_pin": Field("string", required=True, doc="The PIN used to sign in.", max_length=12),
                   "new_pin": Field("string", required=True, doc="4 to 12 digits.", max_length=12)}),
)


# --- helpers -----------------------------------------------------------------------------------------

def _keeper(request: web.Request) -> ConfigKeeper:
    return request.app[KEEPER]


def _author(request: web.Request, p, target: str, action: str = "config_change", source: str = "admin") -> Author:
    """Who acts, for the version history and the audit log (a manager's session has no device)."""
    return Author(actor=p.staff or p.id, source=source, device=None if p.is_session else p.id, action=action,
                  target=target)


def public_document(doc: dict) -> dict:
    """The document as pages see it: PIN hashes left out (a short PIN's hash can be brute-forced)."""
    out = copy.deepcopy(doc)
    for person in out.get("staff", []):
        person.pop("pin_hash", None)
    return out


def keep_secrets(new: dict, old: dict) -> None:
    """Entries sent without their hash keep the stored one (pages never see PIN hashes)."""
    for table, secret in (("staff", "pin_hash"), ("devices", "token_hash")):
        key = IDENTITY[table]
        stored = {row.get(key): row.get(secret) for row in old.get(table, []) if isinstance(row, dict)}
        for row in new.get(table, []) if isinstance(new.get(table), list) else []:
            if isinstance(row, dict) and secret not in row and stored.get(row.get(key)):
                row[secret] = stored[row.get(key)]


def _table_key(request: web.Request) -> tuple[str, object]:
    table, raw = request.match_info["table"], request.match_info["key"]
    known = [*IDENTITY, *POSITIONAL]
    if table not in known:
        raise DomainError("invalid_argument", f"unknown table {table!r} (known: {', '.join(known)})", field="table")
    if table == "windows" or table in POSITIONAL:
        if not NUMBER.fullmatch(raw):
            raise DomainError("invalid_argument", f"{table} entries are numbered, got {raw[:20]!r}", field="key")
        return table, int(raw)
    return table, raw


def _find(doc: dict, table: str, key: object) -> int | None:
    rows = doc.get(table, [])
    if table in POSITIONAL:  # rota turns and notices have no name: their place in the list is their key
        return key if isinstance(key, int) and key < len(rows) else None
    return next((i for i, row in enumerate(rows) if row.get(IDENTITY[table]) == key), None)


async def _body(request: web.Request, op: str) -> dict:
    fields = next(ep.body for ep in ADMIN_ENDPOINTS if ep.operation_id == op)
    return parse_fields(fields, await read_body(request))


def _temporary_pin() -> str:
    return f"{secrets.randbelow(10 ** 6):06d}"


async def _hash_pin(pin: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(None, hash_pin, pin)


# --- handlers ----------------------------------------------------------------------------------------

async def get_config(request: web.Request) -> web.Response:
    require(request, MANAGER)
    keeper = _keeper(request)
    return json_response({"version": keeper.version, "document": public_document(keeper.document)})


async def put_config(request: web.Request) -> web.Response:
    p = require(request, MANAGER)
    body = await _body(request, "putAdminConfig")
    keeper = _keeper(request)

    def replace(doc: dict) -> dict:
        new = copy.deepcopy(body["document"])
        new.pop("server", None)
        keep_secrets(new, doc)
        return new
    return json_response(await keeper.change(replace, body["version"], _author(request, p, "config")))


async def check_config(request: web.Request) -> web.Response:
    require(request, MANAGER)
    body = await _body(request, "checkAdminConfig")
    keeper = _keeper(request)
    new = copy.deepcopy(body["document"])
    new.pop("server", None)
    keep_secrets(new, keeper.document)
    return json_response(keeper.preview(new))


async def versions(request: web.Request) -> web.Response:
    require(request, MANAGER)
    rows = await request.app[K.SERVICE].reader.run(version_rows)
    return json_response({"version": _keeper(request).version, "versions": rows})


async def schema(request: web.Request) -> web.Response:
    require(request, MANAGER)
    tables = {name: {key: {"kind": k.kind, "required": k.default is REQUIRED,
                           "default": None if k.default is REQUIRED else k.default, "doc": k.doc}
                     for key, k in keys.items()} for name, keys in SCHEMA.items()}
    identity = {**IDENTITY, **{table: None for table in POSITIONAL}}
    return json_response({"tables": tables, "identity": identity, "sections": list(SECTIONS)})


async def put_section(request: web.Request) -> web.Response:
    p = require(request, MANAGER)
    section = request.match_info["section"]
    if section not in SECTIONS:
        raise DomainError("invalid_argument", f"unknown section {section!r} (known: {', '.join(SECTIONS)})",
                          field="section")
    body = await _body(request, "putAdminSection")

    def edit(doc: dict) -> None:
        doc[section] = body["value"]
    author = _author(request, p, f"section:{section}")
    return json_response(await _keeper(request).change(edit, body["version"], author))


async def put_entry(request: web.Request) -> web.Response:
    p = require(request, MANAGER)
    table, key = _table_key(request)
    body = await _body(request, "putAdminEntry")
    entry = copy.deepcopy(body["entry"])
    if table in POSITIONAL:
        count = len(_keeper(request).document.get(table, []))
        if _find(_keeper(request).document, table, key) is None and key != count:
            raise DomainError("invalid_argument", f"{table} entries are numbered from 0; a new one is number "
                              f"{len(_keeper(request).document.get(table, []))}", field="key")
    elif entry.get(IDENTITY[table], key) != key:
        raise DomainError("invalid_argument", f"{IDENTITY[table]} in the body differs from the path",
                          field=IDENTITY[table])
    else:
        entry[IDENTITY[table]] = key
    secret = await _new_secret_if_needed(request.app, table, key, entry)

    def edit(doc: dict) -> None:
        rows = doc.setdefault(table, [])
        index = _find(doc, table, key)
        if index is None:
            rows.append(entry)
        else:
            rows[index] = entry
        keep_secrets(doc, _keeper(request).document)
        if table == "services" and "windows" in body:
            _served_at(doc, str(key), _window_numbers(body["windows"]))
    answer = await _keeper(request).change(edit, body["version"], _author(request, p, f"{table}:{key}"))
    return json_response(answer | secret)


def _window_numbers(raw: list[str]) -> set[int]:
    if not all(NUMBER.fullmatch(v.strip()) for v in raw):
        raise DomainError("invalid_argument", "windows must be window numbers", field="windows")
    return {int(v) for v in raw}


def _served_at(doc: dict, code: str, numbers: set[int]) -> None:
    """Exactly the windows `numbers` call service `code` (unknown numbers are named by the rules)."""
    known = {w.get("number") for w in doc.get("windows", [])}
    missing = sorted(numbers - known)
    if missing:
        raise DomainError("invalid_argument", f"there is no window {missing[0]}", field="windows")
    for window in doc.get("windows", []):
        services = list(window.get("services", []))
        if window.get("number") in numbers:
            window["services"] = services if code in services else [*services, code]
        else:
            window["services"] = [c for c in services if c != code]


async def _new_secret_if_needed(app: web.Application, table: str, key: object, entry: dict) -> dict:
    """A new person gets a one-time PIN; a new device a token. Shown once, in this answer only."""
    known = _find(app[KEEPER].document, table, key) is not None
    if table == "staff" and "pin_hash" not in entry and not known:
        pin = _temporary_pin()
        entry["pin_hash"], entry["pin_change_required"] = await _hash_pin(pin), True
        return {"pin": pin}
    if table == "devices" and "token_hash" not in entry and not known:
        token = new_token()
        entry["token_hash"] = hash_token(token)
        return {"token": token}
    return {}


async def delete_entry(request: web.Request) -> web.Response:
    p = require(request, MANAGER)
    table, key = _table_key(request)
    raw = request.query.get("version", "")
    if not NUMBER.fullmatch(raw):
        raise DomainError("invalid_argument", "version is required (the configuration version you read)",
                          field="version")
    keeper = _keeper(request)
    if _find(keeper.document, table, key) is None:
        raise DomainError("invalid_argument", f"there is no {table} entry {key!r}", field="key")

    def edit(doc: dict) -> None:
        index = _find(doc, table, key)
        doc[table] = [row for i, row in enumerate(doc.get(table, [])) if i != index]
        if not doc[table] and table in POSITIONAL:
            del doc[table]  # an empty rota is no rota: the exported file stays as it was
        if table == "services":  # windows stop calling it (a window left with none is refused by the rules)
            for window in doc.get("windows", []):
                window["services"] = [code for code in window.get("services", []) if code != key]
    return json_response(await keeper.change(edit, int(raw), _author(request, p, f"{table}:{key}")))


async def reset_pin(request: web.Request) -> web.Response:
    p = require(request, MANAGER)
    number = request.match_info["number"]
    body = await _body(request, "resetStaffPin")
    if _find(_keeper(request).document, "staff", number) is None:
        raise DomainError("unknown_staff", f"there is no staff member {number[:20]!r}")
    pin = _temporary_pin()
    pin_hash = await _hash_pin(pin)

    def edit(doc: dict) -> None:
        person = doc["staff"][_find(doc, "staff", number)]
        person["pin_hash"], person["pin_change_required"] = pin_hash, True
    answer = await _keeper(request).change(edit, body["version"], _author(request, p, f"staff:{number}", "pin_reset"))
    _end_sessions(request.app, number)
    return json_response(answer | {"pin": pin})


def _end_sessions(app: web.Application, staff: str) -> None:
    """A reset PIN ends the person's manager or guide sessions (a clerk keeps the window until sign-out)."""
    auth = app[K.AUTH]
    for digest, session in list(auth.sessions.items()):
        if session.staff == staff and session.window is None:
            del auth.sessions[digest]


def _token_handler(reveal: bool):
    async def handler(request: web.Request) -> web.Response:
        p = require(request, MANAGER)
        device = request.match_info["device"]
        body = await _body(request, "rotateDeviceToken")
        if _find(_keeper(request).document, "devices", device) is None:
            raise DomainError("unknown_device", f"there is no device {device[:40]!r}")
        token = new_token()

        def edit(doc: dict) -> None:
            doc["devices"][_find(doc, "devices", device)]["token_hash"] = hash_token(token)
        action = "token_rotated" if reveal else "token_revoked"
        answer = await _keeper(request).change(edit, body["version"], _author(request, p, f"device:{device}", action))
        return json_response(answer | ({"token": token} if reveal else {"revoked": device}))
    return handler


async def devices(request: web.Request) -> web.Response:
    require(request, MANAGER)
    hub, tz = request.app[K.HUB], request.app[K.SERVICE].hall.center.timezone
    from ..domain.calendar import iso_local
    rows = [row | {"last_seen": iso_local(row.get("at"), tz) if row.get("at") else None}
            for row in hub.device_list()]
    return json_response({"devices": rows})


async def own_pin(request: web.Request) -> web.Response:
    p = require(request, STAFF_ROLES)
    body = await _body(request, "setOwnPin")
    if not PIN_RE.match(body["new_pin"]):
        raise DomainError("invalid_argument", "the new PIN must be 4 to 12 digits", field="new_pin")
    keeper = _keeper(request)
    index = _find(keeper.document, "staff", p.staff)
    from ..security import verify_pin
    loop = asyncio.get_running_loop()
    if index is None or not await loop.run_in_executor(None, verify_pin, body["current_pin"],
                                                       keeper.document["staff"][index]["pin_hash"]):
        raise DomainError("unauthorized", "the current PIN is wrong")
    if body["new_pin"] == body["current_pin"]:
        raise DomainError("invalid_argument", "choose a PIN different from the one you were given", field="new_pin")
    pin_hash = await _hash_pin(body["new_pin"])

    def edit(doc: dict) -> None:
        person = doc["staff"][_find(doc, "staff", p.staff)]
        person["pin_hash"] = pin_hash
        person.pop("pin_change_required", None)
    answer = await keeper.change(edit, None, _author(request, p, f"staff:{p.staff}", "pin_changed", source="pin"))
    return json_response({"version": answer["version"], "pin_changed": True})


ADMIN_HANDLERS = {
    "admin_config": get_config, "admin_put_config": put_config, "admin_check_config": check_config,
    "admin_versions": versions, "admin_schema": schema, "admin_put_section": put_section,
    "admin_put_entry": put_entry, "admin_delete_entry": delete_entry, "admin_reset_pin": reset_pin,
    "admin_rotate_token": _token_handler(reveal=True), "admin_revoke_token": _token_handler(reveal=False),
    "admin_devices": devices, "admin_own_pin": own_pin,
}
