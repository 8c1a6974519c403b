"""Tokens never reach a log line. Device pages carry their token as ?token=..., phones follow a
ticket at /t/<token> and /api/track/<token>, and API calls carry `Authorization: Bearer ...`; any of
these may end up in a message (the access log, an error naming a path). `mask` blanks them, and
`MaskingFilter` applies it to every record a handler writes."""
from __future__ import annotations

import logging
import re

MASK = "***"
_PATTERNS = (
    re.compile(r"(/t/|/api/track/)[^/\s?#\"']+"),  # tracking links and the tracking API
    re.compile(r"((?:^|[?&;\s])token=)[^&\s\"']+", re.I),  # ?token=... on device page URLs
    re.compile(r"(bearer\s+)[^\s\"']+", re.I),  # Authorization headers
    re.compile(r"(\"token\"\s*:\s*\")[^\"]+"),  # a token inside a JSON text
)


_MARKS = ("/t/", "/track/", "token", "bearer")  # every pattern needs one of them (in lower case)


def mask(text: str) -> str:
    lowered = text.lower()
    if not any(mark in lowered for mark in _MARKS):
        return text  # most lines (every access log line of the API) have nothing to mask: no regex runs
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


class MaskingFilter(logging.Filter):
    """Rewrites each record's message (and traceback text) with tokens masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        # the message is formatted once here and kept (the formatter would format it again)
        record.msg, record.args = mask(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


def install(handlers: list[logging.Handler] | None = None) -> None:
    """Add the masking filter to the given handlers (default: the root logger's), once each."""
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
