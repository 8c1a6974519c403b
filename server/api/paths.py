"""The one parser of ids in paths and queries: ASCII digits only, at most 18 (SQLite's integers).
`/api/windows/²/suspended` or `/api/windows/٣/suspended` name nothing, and answer 404."""
from __future__ import annotations

import re

from ..domain.errors import DomainError

ID = re.compile(r"[0-9]{1,18}")  # re.ASCII is implied by the explicit class: no other digits match
PATH_ID_CODES = {"window": "unknown_window", "ticket_id": "unknown_ticket"}


def parse_id(raw: str) -> int | None:
    return int(raw) if ID.fullmatch(raw) else None


def path_ids(match_info: dict) -> dict[str, int]:
    """Every id in the route's path as an int, or the error that says it names nothing."""
    ids = {}
    for name, code in PATH_ID_CODES.items():
        raw = match_info.get(name)
        if raw is None:
            continue
        value = parse_id(raw)
        if value is None:
            raise DomainError(code, f"there is no {name.replace('_id', '')} {raw[:40]!r}")
        ids[name] = value
    return ids


def query_id(query, name: str) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    value = parse_id(raw)
    if value is None:
        raise DomainError("invalid_argument", f"{name} must be a positive integer", field=name)
    return value
