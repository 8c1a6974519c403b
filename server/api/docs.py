"""Markdown for docs/api.md, generated from the endpoint table and the error codes:
`python -m server.api.docs > docs/api.md` (tests/test_docs.py checks the file is current)."""
from __future__ import annotations

from ..admin.http import ADMIN_ENDPOINTS
from ..domain.errors import ERROR_CODES
from .center import CENTER_ENDPOINTS
from .endpoints import ENDPOINTS, OTHER_ENDPOINTS

INTRO = """# hallq HTTP API

JSON over HTTP. The OpenAPI 3 description is served at `GET /api/openapi.json` and is generated
from the same table as the routes, so it always matches them.

- **Authentication**: `Authorization: Bearer <token>`: a device token (kiosk, display, counter,
  rating pad) or a staff session token from `POST /api/sessions`. Clerks sign in at their window's
  counter terminal (the request carries the counter's device token and the clerk's staff number and
  PIN); managers and guides sign in without a device.
- **Idempotency**: issuing a ticket and every clerk action accept `request_id`. A retry with the
  same id (from the same device or staff member) returns the first answer and changes nothing; the
  same id with a different body is refused with `request_conflict`.
- **Errors**: always `{"error": {"code": "...", "message": "...", "details": {...}}}` with the HTTP
  status below. A refused request changes nothing.
- **Durability**: an answer is sent only after the action is committed to SQLite (WAL,
  `synchronous=FULL`); screens hear of it only after that too.
"""


def endpoint_table() -> str:
    rows = ["| method | path | operationId | roles | what |", "|---|---|---|---|---|"]
    from ..supervision.http import SUPERVISION_ENDPOINTS  # imported here: it imports the API handlers
    for ep in ENDPOINTS + OTHER_ENDPOINTS + CENTER_ENDPOINTS + SUPERVISION_ENDPOINTS + ADMIN_ENDPOINTS:
        roles = ", ".join(ep.roles) if ep.roles else "public"
        rows.append(f"| {ep.method} | `{ep.path}` | `{ep.operation_id}` | {roles} | {ep.summary} |")
    return "\n".join(rows)


def error_table() -> str:
    rows = ["| code | HTTP | meaning |", "|---|---|---|"]
    rows += [f"| `{code}` | {status} | {meaning} |" for code, (status, meaning) in ERROR_CODES.items()]
    return "\n".join(rows)


def render() -> str:
    return "\n".join([INTRO, "## Endpoints\n", endpoint_table(), "", "## Error codes\n", error_table(), ""])


if __name__ == "__main__":
    print(render(), end="")
