"""The `[city]` table as a frozen settings object (keys, defaults and checks: server/config_schema.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class CitySettings:
    dsn: str = ""
    hall_id: str = ""
    password_file: str = ""
    sslmode: str = "prefer"
    sslrootcert: str = ""
    batch_size: int = 500
    poll_s: float = 1.0
    retry_min_s: float = 1.0
    retry_max_s: float = 300.0
    connect_timeout_s: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.dsn)

    @classmethod
    def from_table(cls, values: Mapping[str, Any] | None) -> CitySettings:
        return cls(**dict(values or {}))

    def password(self) -> str | None:
        """Read at connect time from password_file (so it is in neither the TOML nor a log)."""
        if not self.password_file:
            return None
        return Path(self.password_file).read_text(encoding="utf-8").strip() or None

    def safe_dsn(self) -> str:
        return redact_dsn(self.dsn)


def cross_check(values: Mapping[str, Any]) -> tuple[str, str] | None:
    """(key, problem) when the table is inconsistent, else None."""
    if values.get("dsn") and not values.get("hall_id"):
        return "hall_id", "is required when dsn is set (the id the city knows this hall by)"
    if values.get("retry_min_s", 1) > values.get("retry_max_s", 300):
        return "retry_min_s", "must not be larger than retry_max_s"
    if _has_password(values.get("dsn", "")):
        return "dsn", "must not contain a password; put it in password_file"
    return None


def _has_password(dsn: str) -> bool:
    try:
        parts = urlsplit(dsn)
    except ValueError:
        return False
    return bool(parts.password) or bool(re.search(r"(^|[?&\s])password=", dsn))


def redact_dsn(dsn: str) -> str:
    """The DSN without any password, fit for a log line."""
    try:
        parts = urlsplit(dsn)
    except ValueError:
        return "<unparseable dsn>"
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(":" + parts.password + "@", ":***@", 1)
    query = re.sub(r"(password=)[^&]*", r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
