"""Markdown for docs/api.md, generated from the endpoint table and the error codes:
`python -m server.api.docs > docs/api.md` (tests/test_docs.py checks the file is current)."""
from __future__ import annotations

from ..admin import ENDPOINTS as ADMIN_ENDPOINTS
from ..actions.body import MAX_DEPTH, MAX_INT_DIGITS
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
  same id (from the same device or staff member, on the same business day) returns the first answer
  and changes nothing. An id is bound to its operation, its target (the ids in the path) and its
  body: the same id for another operation or ticket is refused with `request_id_reused`, for a
  different body of the same operation with `request_conflict`. Ids are kept per business day: an
  id used on an earlier day is a new request.
- **Errors**: always `{"error": {"code": "...", "message": "...", "details": {...}}}` with the HTTP
  status below. A refused request changes nothing.
- **Bodies**: JSON objects, nested at most {depth} levels deep (deeper: `malformed_request`).
  Numbers must be finite and inside the field's range: `NaN`, `Infinity`, a float that overflows,
  an integer of more than {digits} digits or a value out of range is refused with `invalid_field`,
  whose `details.field` names the field. Answers never contain `NaN` or `Infinity`.
- **Durability**: an answer is sent only after the action is committed to SQLite (WAL,
  `synchronous=FULL`); screens hear of it only after that too.
- **Storage faults**: when an action cannot be saved (database locked by another program,
  read-only, deleted or replaced, disk full) it is refused with `503 unavailable`, a `Retry-After`
  header and `details.reason`; nothing of it is kept, and a retry with the same `request_id` is
  safe. Reads keep working. `GET /api/health` answers 503 with the same reason until the fault
  clears; the hall then goes on by itself (docs/reliability.md).
""".replace("{depth}", str(MAX_DEPTH)).replace("{digits}", str(MAX_INT_DIGITS))


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
