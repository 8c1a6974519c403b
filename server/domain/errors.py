"""Domain errors: a stable snake_case code, an English message, and the HTTP status it maps to."""
from __future__ import annotations

from typing import Any

# code -> (HTTP status, meaning). docs/api.md must list every code (tests/test_docs.py checks).
ERROR_CODES: dict[str, tuple[int, str]] = {
    "malformed_request": (400, "the body is not valid JSON or a field has the wrong type"),
    "malformed_message": (400, "a WebSocket frame is not a JSON object with a known type"),
    "invalid_argument": (400, "a field is missing or has a value that is not allowed"),
    "invalid_field": (400, "a number is not finite or out of its range (details name the field)"),
    "unauthorized": (401, "no token, or the token is wrong or expired"),
    "forbidden": (403, "the caller's role may not do this"),
    "forbidden_origin": (403, "the WebSocket Origin header is not allowed"),
    "wrong_window": (403, "the clerk's session is for another window"),
    "not_found": (404, "no such route"),
    "unknown_service": (404, "no such service"),
    "unknown_window": (404, "no such window"),
    "unknown_ticket": (404, "no such ticket today"),
    "unknown_appointment": (404, "no such booking code"),
    "unknown_staff": (404, "no such staff member"),
    "method_not_allowed": (405, "the route does not take this method"),
    "invalid_transition": (409, "the ticket is not in a state that allows this action"),
    "window_not_open": (409, "the window is closed or paused"),
    "window_already_open": (409, "the window is already open"),
    "window_not_paused": (409, "the window is not paused"),
    "window_taken": (409, "another clerk is signed in at this window"),
    "already_signed_in": (409, "this clerk is signed in at another window"),
    "not_signed_in": (409, "no clerk is signed in at this window"),
    "ticket_in_hand": (409, "the window still has a called or serving ticket; finish it first"),
    "not_at_this_window": (409, "the ticket is held by another window"),
    "queue_empty": (409, "no ticket waits for this window"),
    "return_window_expired": (409, "the missed ticket's return window has passed"),
    "max_recalls": (409, "the ticket was recalled the maximum number of times"),
    "already_rated": (409, "this visit was rated already"),
    "rating_closed": (409, "the time to rate this visit has passed, or there is nothing to rate"),
    "appointment_used": (409, "the booking code has been checked in already"),
    "appointment_other_day": (409, "the booking is for another day"),
    "request_conflict": (409, "the request id was used before with a different request"),
    "request_id_reused": (409, "the request id was used before for another action or target"),
    "reprint_expired": (409, "the ticket's reprint time has passed, or it was reprinted too often"),
    "print_pending": (409, "the ticket is still waiting for the printer; it prints when the printer is back"),
    "daily_cap_reached": (409, "today's tickets for this service have all been issued"),
    "outside_issuing_hours": (409, "the service does not issue tickets at this time"),
    "hall_closed": (409, "the hall is closed now"),
    "service_not_served": (409, "no window serves this service"),
    "agent_already_connected": (409, "another print agent already serves this kiosk's printer"),
    # supervision (docs/supervision.md)
    "unknown_case": (404, "no such supervision case, or not one of the caller's department"),
    "invalid_case_transition": (409, "the supervision case is not in a state that allows this action"),
    "callback_closed": (409, "the time to leave a call-back number has passed, or the visit has no bad-review case"),
    "payload_too_large": (413, "the request body is too large"),
    "too_many_attempts": (429, "too many failed sign-ins; wait and try again"),
    "rate_limited": (429, "too many requests from this device; slow down"),
    "internal_error": (500, "an unexpected error; nothing was changed"),
    "unavailable": (503, "the server cannot save actions now (storage fault, start-up, shutdown); "
                       "retry after Retry-After"),
}


class DomainError(Exception):
    """A refused action. Raised before any change, so the state is untouched."""

    def __init__(self, code: str, message: str, **details: Any):
        if code not in ERROR_CODES:
            raise ValueError(f"unregistered error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def http_status(self) -> int:
        return ERROR_CODES[self.code][0]

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body
