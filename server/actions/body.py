"""Reading JSON from the outside (HTTP bodies and WebSocket frames) without trusting it: numbers
must be finite and of sane size, nesting has a documented limit (docs/api.md, "Bodies")."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ..domain.errors import DomainError

MAX_DEPTH = 8  # objects and arrays inside each other; the deepest real body has 2
MAX_INT_DIGITS = 18  # fits SQLite's 64-bit integers


class _BadNumber:
    """Stands in for NaN, ±Infinity, an overflowing float or a huge integer until the walk names its field."""

    def __init__(self, text: str):
        self.text = text


def _parse_float(text: str) -> float | _BadNumber:
    value = float(text)
    return value if value not in (float("inf"), float("-inf")) else _BadNumber(text)


def _parse_int(text: str) -> int | _BadNumber:
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else _BadNumber(text)


def load_json(text: str | bytes) -> Any:
    """Parse JSON; raise malformed_request (not JSON, too deep) or invalid_field (a bad number)."""
    try:
        value = json.loads(text, parse_constant=_BadNumber, parse_float=_parse_float, parse_int=_parse_int)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError):
        raise DomainError("malformed_request", "the body is not valid JSON") from None
    _check_tree(value)
    return value


def _too_deep() -> DomainError:
    return DomainError("malformed_request", f"the JSON is nested deeper than {MAX_DEPTH} levels", max_depth=MAX_DEPTH)


def _check_tree(value: Any) -> None:
    """Depth and numbers, walked without recursion (a parsed value can be hundreds of levels deep)."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, _BadNumber):
            raise DomainError("invalid_field", f"{path or 'the body'} must be a finite number of sane size "
                              f"(got {node.text[:40]})", field=path)
        if isinstance(node, (dict, list)):
            if depth >= MAX_DEPTH:
                raise _too_deep()
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((child, f"{path}.{key}" if path else str(key), depth + 1) for key, child in items)


async def read_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return {}
    return load_json(await request.read())


def dumps(data: Any) -> str:
    """The one JSON encoder of answers: no NaN or Infinity ever leaves (allow_nan=False)."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False)


def json_response(data: dict, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps, headers=headers)
