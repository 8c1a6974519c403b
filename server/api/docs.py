"""Markdown for docs/api.md, generated from the endpoint table and the error codes:
`python -m server.api.docs > docs/api.md` (tests/test_docs.py checks the file is current)."""
from __future__ import annotations

from ..actions.access import own_window_only
from ..actions.body import MAX_DEPTH, MAX_INT_DIGITS
from ..domain.errors import ERROR_CODES
from .center import CENTER_ENDPOINTS
from .guide_desk import GUIDE_DESK_ENDPOINTS
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


ACCESS = """## Access

Who may call what is the `roles` column below, checked by the router for every row (HTTP and the
WebSocket's commands alike): a caller without a token gets `401 unauthorized`, a role not listed
`403 forbidden`. On top of the roles:

- **Clerks act at their own window only.** Where the column says *clerk (own window)*, a clerk
  may name only the window signed in at (`403 wrong_window`), and acts only on a ticket held at
  that window or waiting in a queue the window serves, cancelling included (`409
  not_at_this_window`). A clerk reads only its own window's missed, suspended and today's lists.
- **Guides** (the guide desk) issue tickets (green channel included), check bookings in, book
  appointments and cancel any waiting ticket (a citizen who left); they read the hall and every
  window's lists. They never see rating levels.
- **Managers** may do what guides do and read statistics, reports, CSV exports and bad ratings
  with their reasons.
- **Devices**: kiosks issue and check in (and reprint their own tickets), rating pads rate the
  visit at their window, displays and counters only read. Devices never receive text a person
  typed (docs/security.md).
- Every refusal changes nothing. Sign-in failures, sign-ins, sign-outs, manual cancels and
  reprints are kept in the audit record. Sign-in attempts are throttled per staff number
  (`429 too_many_attempts` with `Retry-After`), never for long at a clerk's own counter.
"""


def roles_cell(ep) -> str:
    if not ep.roles:
        return "public"
    return ", ".join("clerk (own window)" if r == "clerk" and own_window_only(ep) else r for r in ep.roles)


def endpoint_table() -> str:
    rows = ["| method | path | operationId | roles | what |", "|---|---|---|---|---|"]
    from ..supervision.http import SUPERVISION_ENDPOINTS  # imported here: it imports the API handlers
    for ep in ENDPOINTS + OTHER_ENDPOINTS + SUPERVISION_ENDPOINTS + CENTER_ENDPOINTS + GUIDE_DESK_ENDPOINTS:
        roles = roles_cell(ep)
        rows.append(f"| {ep.method} | `{ep.path}` | `{ep.operation_id}` | {roles} | {ep.summary} |")
    return "\n".join(rows)


def error_table() -> str:
    rows = ["| code | HTTP | meaning |", "|---|---|---|"]
    rows += [f"| `{code}` | {status} | {meaning} |" for code, (status, meaning) in ERROR_CODES.items()]
    return "\n".join(rows)


def render() -> str:
    return "\n".join([INTRO, ACCESS, "## Endpoints\n", endpoint_table(), "", "## Error codes\n", error_table(), ""])


if __name__ == "__main__":
    print(render(), end="")
