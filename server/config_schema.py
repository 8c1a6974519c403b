"""Every key of the hall TOML, as data: kind, default, one-line meaning and a value check.

server.config validates with this table and tests/test_config_docs.py checks docs/configuration.md
against it, so the validator and the docs cannot drift apart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .domain.hall import DEVICE_KINDS, GREEN_CATEGORIES, LANGS, ROLES_STAFF, ROUTING_MODES, WINDOW_KINDS, TimeRange
from .security import is_pin_hash, is_token_hash


class _Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED: Any = _Required()

# A check takes a converted value and returns what is wrong with it, or None.
Check = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class Key:
    kind: str  # one of KINDS
    default: Any
    doc: str
    check: Check | None = None


class BadValue(ValueError):
    """A value is wrong; the caller adds the key path."""


# --- kinds: TOML value -> Python value -------------------------------------------------------------

_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_LANG_KEYS = ("zh-Hans", "zh-Hant", "en")


def _type_error(expected: str, value: Any) -> BadValue:
    hint = " (quote it)" if expected == "a string" and isinstance(value, (int, float)) else ""
    return BadValue(f"must be {expected}, got {value!r}{hint}")


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise _type_error("a string", value)
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _type_error("an integer", value)
    return value


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _type_error("a number", value)
    return float(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _type_error("true or false", value)
    return value


def _list(value: Any, item: Callable[[Any], Any], what: str) -> tuple:
    if not isinstance(value, list):
        raise _type_error(f"a list of {what}", value)
    return tuple(item(v) for v in value)  # an item's BadValue already quotes the bad item


def _minutes(text: Any, allow_24: bool) -> int:
    match = _HHMM.match(text) if isinstance(text, str) else None
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not match or minutes > 24 * 60 or (minutes == 24 * 60 and not allow_24):
        raise _type_error('a time "HH:MM"', text)
    return minutes


def _hhmm(value: Any) -> int:
    return _minutes(value, allow_24=False)


def _range(text: Any) -> TimeRange:
    parts = text.split("-") if isinstance(text, str) else []
    if len(parts) != 2:
        raise _type_error('a range "HH:MM-HH:MM"', text)
    try:
        start, end = _minutes(parts[0], False), _minutes(parts[1], True)
    except BadValue:
        raise _type_error('a range "HH:MM-HH:MM"', text) from None
    if start >= end:
        raise BadValue(f"range {text!r} must end after it starts (ranges do not cross midnight)")
    return TimeRange(start, end)


def _hours(value: Any) -> tuple[TimeRange, ...]:
    ranges = _list(value, _range, 'ranges "HH:MM-HH:MM"')
    for earlier, later in zip(ranges, ranges[1:]):
        if later.start_min < earlier.end_min:
            raise BadValue(f"ranges must be in order and not overlap: {later.label()!r} "
                           f"starts before {earlier.label()!r} ends")
    return ranges


def _names(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _type_error('a table { zh-Hans = "...", zh-Hant = "...", en = "..." }', value)
    wrong = sorted(set(value) ^ set(_LANG_KEYS))
    if wrong:
        raise BadValue(f"needs exactly the keys zh-Hans, zh-Hant and en (wrong or missing: {', '.join(wrong)})")
    for lang in _LANG_KEYS:
        if not isinstance(value[lang], str):
            raise BadValue(f"{lang} must be a string, got {value[lang]!r}")
    return {lang: value[lang] for lang in _LANG_KEYS}


def _names_list(value: Any) -> tuple[dict[str, str], ...]:
    if not isinstance(value, list):
        raise _type_error('a list of { zh-Hans = "...", zh-Hant = "...", en = "..." } tables', value)
    items = []
    for i, item in enumerate(value):
        try:
            names = _names(item)
        except BadValue as exc:
            raise BadValue(f"entry {i} (counted from 0): {exc}") from None
        empty = _names_filled(names)
        if empty:
            raise BadValue(f"entry {i} (counted from 0): {empty}")
        items.append(names)
    return tuple(items)


def _table(value: Any) -> dict:
    if not isinstance(value, dict):
        raise _type_error("a table", value)
    return dict(value)


KINDS: MappingProxyType = MappingProxyType({
    "string": _str,
    "integer": _int,
    "number": _float,
    "boolean": _bool,
    "time": _hhmm,
    "hours": _hours,
    "names": _names,
    "strings": lambda v: _list(v, _str, "strings"),
    "integers": lambda v: _list(v, _int, "integers"),
    "table": _table,
    "names_list": _names_list,
})


# --- checks on converted values ----------------------------------------------------------------------

def _matches(pattern: str, what: str) -> Check:
    compiled = re.compile(pattern)
    return lambda v: None if compiled.match(v) else f"must be {what}, got {v!r}"


def _at_least(low: float) -> Check:
    return lambda v: None if v >= low else f"must be at least {low}, got {v!r}"


def _between(low: int, high: int) -> Check:
    return lambda v: None if low <= v <= high else f"must be between {low} and {high}, got {v!r}"


def _one_of(choices: tuple[str, ...]) -> Check:
    return lambda v: None if v in choices else f"must be one of {', '.join(choices)}; got {v!r}"


def _all_of(choices: tuple[str, ...]) -> Check:
    def check(values: tuple) -> str | None:
        wrong = [v for v in values if v not in choices]
        return f"unknown {wrong[0]!r}; allowed: {', '.join(choices)}" if wrong else None
    return check


def _nonempty(v: Any) -> str | None:
    return None if len(v) else "must not be empty"


def _names_filled(v: dict[str, str]) -> str | None:
    empty = [lang for lang, text in v.items() if not text.strip()]
    return f"{empty[0]} must not be empty" if empty else None


def _phone(v: str) -> str | None:
    ok = re.match(r"^\+?[0-9][0-9 ()\-]{2,29}$", v)
    return None if ok else f"must be a phone number (digits, spaces, - and parentheses, e.g. \"0571-12345\"), got {v!r}"


def _timezone(v: str) -> str | None:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {v!r} (use an IANA name such as Asia/Shanghai or Asia/Hong_Kong)"
    return None


def _pin_hash(v: str) -> str | None:
    return None if is_pin_hash(v) else "must be a hash made by `hallq hash-pin` (scrypt$16384$8$1$<salt>$<hash>)"


def _token_hash(v: str) -> str | None:
    return None if is_token_hash(v) else "must be a hash made by `hallq new-token` (sha256$<64 hex digits>)"


def _url(v: str) -> str | None:
    return None if v == "" or re.match(r"^https?://[^/\s]+(/\S*)?$", v) else f"must be an http(s) URL, got {v!r}"


def _origins(values: tuple[str, ...]) -> str | None:
    bad = [v for v in values if not re.match(r"^https?://[^/\s]+$", v)]
    return f"must be origins like 'http://host:port' without a path, got {bad[0]!r}" if bad else None


CODE = _matches(r"^[a-z][a-z0-9_]*$", "lower-case letters, digits and _ starting with a letter")
DEVICE_ID = _matches(r"^[a-z0-9][a-z0-9_-]*$", "lower-case letters, digits, - and _")
PREFIX = _matches(r"^[A-Z]{1,2}$", "one or two capital letters")
POSITIVE = _at_least(1)
NON_NEGATIVE = _at_least(0)
LOG_LEVELS = ("debug", "info", "warning", "error")
TRACKING_TTLS = ("business_day",)


# --- the schema --------------------------------------------------------------------------------------

def _keys(**keys: Key) -> MappingProxyType:
    return MappingProxyType(keys)


CENTER = _keys(
    name=Key("names", REQUIRED, "Name of the center, printed on tickets and shown on screens.", _names_filled),
    timezone=Key("string", "Asia/Shanghai", "IANA time zone of the hall; business days and hours are local to it.", _timezone),
    day_boundary=Key("time", "04:00", "Local time at which one business day ends and the next begins (ticket numbers restart)."),
    opening_hours=Key("hours", [], "Ranges in which the kiosks issue tickets at all; empty means always open."),
    missed_rule=Key("names", {"zh-Hans": "过号请到服务台登记", "zh-Hant": "過號請到服務台登記",
                              "en": "Missed your number? Please see the service desk."},
                    "The missed-number rule printed on every ticket.", _names_filled),
    notice=Key("names", {"zh-Hans": "", "zh-Hant": "", "en": ""},
               "Optional notice shown on the kiosk and the hall displays (empty: none)."),
    default_lang=Key("string", "zh-Hans", "Language every page starts in and returns to when idle: zh-Hans, zh-Hant or en.",
                     _one_of(LANGS)),
)

RULES = _keys(
    no_show_return_min=Key("integer", 30, "Minutes after a no-show during which the citizen may come back (回呼).", NON_NEGATIVE),
    appointment_early_min=Key("integer", 15, "Minutes before the slot at which an appointment may check in.", NON_NEGATIVE),
    appointment_late_min=Key("integer", 15, "Minutes after the slot start at which check-in still counts as on time.", NON_NEGATIVE),
    appointment_call_early_min=Key("integer", 10, "Minutes before its slot from which a checked-in appointment may be called (0: not before the slot); its wait counts from the slot and is never negative.", NON_NEGATIVE),
    rating_timeout_s=Key("integer", 90, "Seconds after finish during which the citizen may rate the visit.", POSITIVE),
    max_recalls=Key("integer", 3, "Recalls allowed per call before the clerk must mark a no-show.", NON_NEGATIVE),
    green_channel_categories=Key("strings", list(GREEN_CATEGORIES),
                                 "Who may get a green-channel ticket; empty turns the green channel off.",
                                 _all_of(GREEN_CATEGORIES)),
)

SERVER = _keys(
    host=Key("string", "127.0.0.1", "Address the server listens on (0.0.0.0 for the hall network).", _nonempty),
    port=Key("integer", 8080, "TCP port (0 picks a free one, for tests).", _between(0, 65535)),
    db_path=Key("string", "var/hallq.db", "SQLite database file, relative to the working directory.", _nonempty),
    public_url=Key("string", "", "Base URL citizens' phones reach (tracking links, QR codes); empty: http://<host>:<port>.", _url),
    allowed_origins=Key("strings", [], "Extra browser origins allowed for WebSocket and API calls besides public_url's.", _origins),
    log_level=Key("string", "info", "Log level: debug, info, warning or error.", _one_of(LOG_LEVELS)),
    ws_auth_timeout_s=Key("number", 5, "Seconds a new WebSocket has to send `auth` before it is closed.", _at_least(0.1)),
    ws_heartbeat_s=Key("number", 20, "WebSocket ping interval; a peer silent for 1.5 × this is dropped.", _at_least(1)),
    ws_send_queue=Key("integer", 1000, "Outbound frames queued per connection before a slow client is dropped.", POSITIVE),
    ws_max_frame_bytes=Key("integer", 65536, "Largest WebSocket frame accepted from a client (bigger: close 1009).", _at_least(1024)),
    ws_replay_limit=Key("integer", 5000, "Most missed events replayed to a reconnecting client; beyond it, a fresh snapshot.", POSITIVE),
    max_body_bytes=Key("integer", 65536, "Largest HTTP request body accepted.", _at_least(1024)),
    signin_max_failures=Key("integer", 5, "Wrong PINs for a staff number that cost nothing; after them each attempt waits 1 s, 2 s, 4 s... (a clerk's own counter counts apart).", POSITIVE),
    signin_lockout_s=Key("integer", 300, "Longest wait between sign-in attempts after wrong PINs (the growing delay stops here).", POSITIVE),
    kiosk_rate_per_min=Key("integer", 30, "Tickets one kiosk may issue per minute (guards against a stuck button).", POSITIVE),
    session_ttl_h=Key("number", 14, "Hours a staff sign-in session lasts.", _at_least(0.1)),
    tracking_ttl=Key("string", "business_day", "How long a ticket's tracking link works: business_day (until the day ends).", _one_of(TRACKING_TTLS)),
    estimate_recent=Key("integer", 20, "Recent handling times per service that feed the wait estimate (at most 500).", _between(1, 500)),
    estimate_min_samples=Key("integer", 3, "Below this many recent handling times, the estimate uses typical_handling_min.", POSITIVE),
    reprint_window_min=Key("integer", 10, "Minutes after issue during which the issuing kiosk may reprint a ticket.", POSITIVE),
    # --- the store ---
    db_busy_timeout_s=Key("number", 10, "Seconds a write waits for another program's lock on the database before it is refused as `unavailable`.", _at_least(0.05)),
    # device agents (docs/printing.md)
    print_job_max_age_s=Key("integer", 300, "A ticket that could not print (printer fault, agent away) is printed when the printer is back only if issued less than this many seconds ago; older ones wait for a reprint.", POSITIVE),
    agent_timeout_s=Key("number", 10, "Seconds of silence after which a print agent or speaker agent counts as gone (agents send a heartbeat every few seconds).", _at_least(1)),
    # --- privacy and access ---
    ws_max_messages=Key("integer", 100, "Messages one WebSocket may send within ws_rate_window_s; more: closed with 4029.", POSITIVE),
    ws_rate_window_s=Key("number", 10, "The window, in seconds, of the WebSocket message rate limit.", _at_least(1)),
    frame_ancestors=Key("strings", [], "Origins that may show the display pages (/display/) in a frame, e.g. a signage player; no other page is ever framed.", _origins),
)

DEPARTMENTS = _keys(
    code=Key("string", REQUIRED, "Identifier used by services and windows.", CODE),
    name=Key("names", REQUIRED, "Department name in the three languages.", _names_filled),
)

SERVICES = _keys(
    code=Key("string", REQUIRED, "Identifier used by windows, reports and the API.", CODE),
    prefix=Key("string", REQUIRED, "Ticket prefix, one or two capital letters; unique per service (A012).", PREFIX),
    name=Key("names", REQUIRED, "Service name in the three languages.", _names_filled),
    department=Key("string", REQUIRED, "Code of the department that owns the service."),
    target_wait_min=Key("integer", 20, "Target waiting time in minutes (service level).", POSITIVE),
    warning_wait_min=Key("integer", 15, "Waiting time at which the dashboard warns; at most target_wait_min.", POSITIVE),
    action_wait_min=Key("integer", 30, "Waiting time at which a ticket is promoted and managers alerted; at least target_wait_min.", POSITIVE),
    daily_cap=Key("integer", None, "Tickets per business day (限號); absent means no cap.", POSITIVE),
    issuing_hours=Key("hours", [], "Ranges in which tickets for this service are issued; empty means whenever the hall is open."),
    typical_handling_min=Key("number", 8.0, "Typical handling minutes, used for wait estimates until real data exists.", _at_least(0.1)),
    guide=Key("table", {}, "The `[services.guide]` sub-table: the citizen's guide (办事指南) shown before the ticket is taken."),
)

GUIDE = _keys(
    materials=Key("names_list", [], "What to bring, one entry per document; the counter offers them as the one-time notice checklist."),
    steps=Key("names_list", [], "How the case proceeds, in order."),
    time_limit_days=Key("integer", None, "Working days the department promises to finish in (承诺时限); absent: not shown.", POSITIVE),
    fees=Key("names", None, "What it costs (e.g. 不收费 / free of charge); absent: not shown.", _names_filled),
    legal_basis=Key("names", None, "The regulation the service rests on; absent: not shown.", _names_filled),
    consult_phone=Key("string", None, "Telephone number for questions about this service; absent: not shown.", _phone),
)

WINDOWS = _keys(
    number=Key("integer", REQUIRED, "Window number shown on screens and announced.", POSITIVE),
    name=Key("names", None, "Window name; absent: 「N号窗口」/「N號窗口」/\"Window N\"."),
    kind=Key("string", "normal", "normal, comprehensive (serves several departments) or appointment.", _one_of(WINDOW_KINDS)),
    department=Key("string", None, "Code of the department staffing it; absent for comprehensive and appointment windows."),
    zone=Key("string", "main", "Floor zone; zone displays show the windows of their zone.", _nonempty),
    services=Key("strings", REQUIRED, "Service codes this window calls, in priority order.", _nonempty),
    policy=Key("table", {}, "The `[windows.policy]` sub-table: how call-next chooses."),
)

POLICY = _keys(
    mode=Key("string", "service_order", "service_order (first listed service with someone waiting) or longest_wait.", _one_of(ROUTING_MODES)),
    normal_per_priority=Key("integer", 2, "Normal calls after a priority call before the next priority one (0: priority always first).", NON_NEGATIVE),
    promote_past_action=Key("boolean", True, "Call a ticket waiting past its action threshold first, whatever its service."),
)

STAFF = _keys(
    number=Key("string", REQUIRED, "Staff number used to sign in (a string: quote it).", _nonempty),
    name=Key("string", REQUIRED, "Full name, shown with the staff number on the window-top screen and the rating pad (staff, not citizens: citizens' names are never shown).", _nonempty),
    pin_hash=Key("string", REQUIRED, "scrypt hash of the PIN, made with `hallq hash-pin`.", _pin_hash),
    role=Key("string", "clerk", "clerk, manager, guide or liaison (a department's supervision contact).", _one_of(ROLES_STAFF)),
    windows=Key("integers", [], "Window numbers this person may sign in at (a clerk needs at least one)."),
    department=Key("string", None, "A liaison's department: the liaison sees only that department's supervision "
                   "cases.", CODE),
)

DEVICES = _keys(
    id=Key("string", REQUIRED, "Device identifier, e.g. kiosk-1.", DEVICE_ID),
    kind=Key("string", REQUIRED, "kiosk, display, counter or rating_pad.", _one_of(DEVICE_KINDS)),
    token_hash=Key("string", REQUIRED, "sha256 hash of the device token, made with `hallq new-token`.", _token_hash),
    window=Key("integer", None, "Window of a counter or rating pad (required there), or of a window-top display."),
    zone=Key("string", None, "Zone of a zone display; a display with neither zone nor window covers the whole hall.", _nonempty),
    green_channel=Key("boolean", False, "Kiosks only: may issue green-channel tickets itself."),
    printer=Key("table", None, "Kiosks only: the `[devices.printer]` table, keys in docs/printing.md."),
    # device agents (docs/printing.md, docs/voice.md)
    agent_token_hash=Key("string", None, "Kiosks and displays: sha256 hash of the token of the device's agent (`hallq kiosk-agent` for a kiosk, `hallq speaker` for a display), made with `hallq new-token`; accepted for that agent only, never for the page.", _token_hash),
)

# --- [city]: the optional link to the city's PostgreSQL (server/citylink, docs/city.md) -------------

SSL_MODES = ("disable", "prefer", "require", "verify-ca", "verify-full")
CITY = _keys(
    dsn=Key("string", "", "PostgreSQL connection string of the city database, without a password; empty: no city link."),
    hall_id=Key("string", "", "This hall's id at the city (its PostgreSQL role is hallq_hall_<hall_id>).",
                _matches(r"^([a-z0-9][a-z0-9_]{0,39})?$", "lower-case letters, digits and _ (at most 40)")),
    password_file=Key("string", "", "File holding the hall role's password (read at connect time, never logged); empty: none."),
    sslmode=Key("string", "prefer", "TLS to the city: disable, prefer, require, verify-ca or verify-full.", _one_of(SSL_MODES)),
    sslrootcert=Key("string", "", "CA certificate file that signs the city server's certificate (verify-ca, verify-full)."),
    batch_size=Key("integer", 500, "Events shipped per transaction.", _between(1, 10000)),
    poll_s=Key("number", 1.0, "Seconds between looks for newly committed events.", _at_least(0.05)),
    retry_min_s=Key("number", 1.0, "First wait after the city could not be reached; doubles on each failure.", _at_least(0.05)),
    retry_max_s=Key("number", 300.0, "Longest wait between two attempts to reach the city.", _at_least(0.05)),
    connect_timeout_s=Key("number", 10.0, "Seconds to wait for the city's database to answer a connection.", _at_least(0.1)),
)

# --- working calendar and supervision (docs/supervision.md) ----------------------------------------

def _iso_dates(values: tuple[str, ...]) -> str | None:
    for v in values:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            return f"must be dates \"YYYY-MM-DD\", got {v!r}"
        try:
            date.fromisoformat(v)
        except ValueError:
            return f"{v!r} is not a real date"
    return None


def _iso_weekdays(values: tuple[int, ...]) -> str | None:
    bad = [v for v in values if not 1 <= v <= 7]
    return f"must be ISO weekdays 1 (Monday) to 7 (Sunday), got {bad[0]!r}" if bad else None


CALENDAR = _keys(
    weekend=Key("integers", [6, 7], "ISO weekdays (1 Monday ... 7 Sunday) that are not working days.",
                _iso_weekdays),
    holidays=Key("strings", [], "Public holidays \"YYYY-MM-DD\": not working days even on a weekday.",
                 _iso_dates),
    workdays=Key("strings", [], "Make-up working days (調休) \"YYYY-MM-DD\": working days even on a weekend.",
                 _iso_dates),
)

SUPERVISION = _keys(
    bad_review_due_days=Key("integer", 5, "Working days from a bad rating to its case's due date (verify, rectify, "
                            "answer, call back).", POSITIVE),
    callback_window_min=Key("integer", 10, "Minutes after a bad rating during which the rating pad may add a "
                            "call-back phone number.", POSITIVE),
    callback_retention_days=Key("integer", 30, "Days after a case closes at which its call-back phone number is "
                                "deleted.", NON_NEGATIVE),
    work_hours=Key("hours", ["09:00-12:00", "13:30-17:30"], "Staff working hours on a working day: attendance "
                   "counts signed-in time against them."),
    late_grace_min=Key("integer", 5, "Minutes after the start of work_hours before a first sign-in counts as late.",
                       NON_NEGATIVE),
    score_satisfaction=Key("number", 30, "Appraisal points for a 100 % satisfaction rate.", NON_NEGATIVE),
    score_service_level=Key("number", 20, "Appraisal points for a 100 % service level.", NON_NEGATIVE),
    score_rectification=Key("number", 20, "Appraisal points for a 100 % on-time rectification rate (no bad review "
                            "also earns them).", NON_NEGATIVE),
    score_promised=Key("number", 15, "Appraisal points for 100 % of promised cases done on time (none due also "
                       "earns them).", NON_NEGATIVE),
    score_attendance=Key("number", 15, "Appraisal points for 100 % attendance (signed-in time against work_hours).",
                         NON_NEGATIVE),
    late_penalty=Key("number", 2, "Appraisal points taken off per late sign-in.", NON_NEGATIVE),
    min_visits=Key("integer", 20, "Visits a window or clerk needs in the month to be a 紅旗窗口 / 服務明星 "
                   "candidate.", NON_NEGATIVE),
    red_flag_windows=Key("integer", 1, "How many 紅旗窗口 candidates the appraisal names (best scores first).",
                         NON_NEGATIVE),
    service_stars=Key("integer", 3, "How many 服務明星 candidates the appraisal names (best scores first).",
                      NON_NEGATIVE),
)

SCHEMA: MappingProxyType = MappingProxyType({
    "center": CENTER,
    "rules": RULES,
    "server": SERVER,
    "departments": DEPARTMENTS,
    "services": SERVICES,
    "windows": WINDOWS,
    "windows.policy": POLICY,
    "services.guide": GUIDE,
    "staff": STAFF,
    "devices": DEVICES,
    "city": CITY,
    # supervision
    "calendar": CALENDAR,
    "supervision": SUPERVISION,
})

ARRAY_TABLES = ("departments", "services", "windows", "staff", "devices")
TOP_LEVEL: tuple[str, ...] = ("center", "rules", "server", "voice", *ARRAY_TABLES)
TOP_LEVEL += ("city",)
TOP_LEVEL += ("calendar", "supervision")

# Keys refused with a pointer to the right tool, so a plaintext secret never sits in the file.
FORBIDDEN = MappingProxyType({
    "staff": MappingProxyType({"pin": "plaintext PINs are not allowed; run `hallq hash-pin` and put the result in pin_hash"}),
    "devices": MappingProxyType({"token": "plaintext tokens are not allowed; run `hallq new-token` and put its hash in token_hash"}),
})
