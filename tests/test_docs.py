"""Docs are part of the product: these fail when a message type, error code, endpoint or state is
missing from the docs or the docs are stale."""
from __future__ import annotations

import re
from pathlib import Path

from server.api import docs as api_docs
from server.api.endpoints import COMMAND_ROWS, ENDPOINTS, OTHER_ENDPOINTS
from server.api.openapi import build_spec
from server.domain import docs as event_docs
from server.domain.errors import ERROR_CODES
from server.domain.events import EVENT_TYPES
from server.domain.lifecycle import mermaid_diagram
from server.hub.endpoint import HANDLERS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PUSHED_TYPES = ("result", "event", "notice", "print_job", "device_status", "resync")
REQUIRED_OPERATIONS = (
    "issueTicket", "getTicket", "checkInAppointment", "signIn", "signOut", "callNext", "callTicket",
    "recallTicket", "startService", "finishService", "markNoShow", "suspendTicket", "resumeTicket",
    "transferTicket", "cancelTicket", "pauseWindow", "resumeWindow", "closeWindow", "rateVisit",
    "getHallState", "getStats",
)


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_api_doc_is_generated_from_the_current_table():
    assert read("api.md") == api_docs.render(), "run: python -m server.api.docs > docs/api.md"


def test_every_error_code_raised_in_the_code_is_registered_and_documented():
    used = set()
    for path in (ROOT / "server").rglob("*.py"):
        used |= set(re.findall(r'DomainError\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert used - set(ERROR_CODES) == set()
    api = read("api.md")
    assert [code for code in ERROR_CODES if f"`{code}`" not in api] == []


def test_protocol_lists_every_message_type_and_command():
    protocol = read("protocol.md")
    for message_type in list(HANDLERS) + list(PUSHED_TYPES):
        assert f"`{message_type}`" in protocol or f'"{message_type}"' in protocol, message_type
    for name in COMMAND_ROWS:  # every command row of the endpoint table is offered over the socket
        assert f"`{name}`" in protocol, name


def test_protocol_event_table_is_current():
    assert read("protocol.md") == event_docs.rewrite(DOCS / "protocol.md"), "run: python -m server.domain.docs"
    for event_type in EVENT_TYPES:
        assert f"`{event_type}`" in read("protocol.md")


def test_protocol_error_codes_are_registered():
    used = set(re.findall(r'"code": "([a-z_]+)"', read("protocol.md")))
    assert used - set(ERROR_CODES) == set()


def test_lifecycle_doc_matches_the_transition_table():
    assert mermaid_diagram() in read("lifecycle.md")


def test_openapi_covers_every_route_and_the_required_operation_ids():
    spec = build_spec(ENDPOINTS + OTHER_ENDPOINTS)
    operations = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    missing = [op for op in REQUIRED_OPERATIONS if op not in operations]
    assert missing == []
    assert len(operations) == len(ENDPOINTS + OTHER_ENDPOINTS)
