"""Load and validate the hall TOML into frozen Settings (docs/configuration.md).

Every key is checked against server.config_schema.SCHEMA; a wrong, missing or unknown key raises
ConfigError naming the key path, e.g. `services[3].prefix: must be one or two capital letters, got 'a1'`.
"""
from __future__ import annotations

import dataclasses
import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable

from .config_schema import (ARRAY_TABLES, FORBIDDEN, KINDS, REQUIRED, SCHEMA, TOP_LEVEL, BadValue, Key)
from .domain.hall import (Center, Department, Device, EstimateRules, HallConfig, Names, RoutingPolicy, Rules,
                          Service, ServiceGuide, Staff, Window)
from .security import hash_token, verify_pin
from .domain.workdays import WorkCalendar
from .supervision.settings import SupervisionSettings

DEMO_HALL_PATH = Path(__file__).with_name("demo_hall.toml")
DEMO_CREDENTIALS_PATH = Path(__file__).with_name("demo_credentials.toml")


class ConfigError(ValueError):
    """A configuration problem: `key_path` names the key, `message` says what is wrong."""

    def __init__(self, key_path: str, message: str, source: str = "") -> None:
        self.key_path = key_path
        self.message = message
        self.source = source
        super().__init__(f"{key_path}: {message}" if key_path else message)


@dataclass(frozen=True)
class ServerSettings:
    """The [server] table. Defaults live in one place, server/config_schema.py (SERVER)."""

    host: str
    port: int
    db_path: str
    public_url: str
    allowed_origins: tuple[str, ...]
    log_level: str
    ws_auth_timeout_s: float
    ws_heartbeat_s: float
    ws_send_queue: int
    ws_max_frame_bytes: int
    ws_replay_limit: int
    max_body_bytes: int
    signin_max_failures: int
    signin_lockout_s: int
    kiosk_rate_per_min: int
    session_ttl_h: float
    tracking_ttl: str
    estimate_recent: int
    estimate_min_samples: int
    reprint_window_min: int
    db_busy_timeout_s: float
    # --- privacy and access ---
    ws_max_messages: int
    ws_rate_window_s: float
    frame_ancestors: tuple[str, ...]
    # --- device agents (docs/printing.md) ---
    print_job_max_age_s: int
    agent_timeout_s: float


@dataclass(frozen=True)
class Settings:
    hall: HallConfig
    server: ServerSettings
    voice: Mapping[str, Any]  # the raw [voice] table, already validated by VoiceSettings.from_dict
    demo_credentials: Mapping[str, Mapping[str, str]] | None = None  # {"staff": {number: pin}, "devices": {id: token}}
    source: str = "<dict>"
    city: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # the [city] table (server/citylink); empty: no link
    # supervision: the working calendar and the [supervision] table
    calendar: WorkCalendar = WorkCalendar()
    supervision: SupervisionSettings = SupervisionSettings()


# --- reading one table --------------------------------------------------------------------------------

def _unknown_key(key: str, spec: Mapping[str, Key], path: str) -> ConfigError:
    close = difflib.get_close_matches(key, list(spec), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(spec)})"
    return ConfigError(_join(path, key), "unknown key" + hint)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _value(raw: Mapping[str, Any], key: str, spec: Key, path: str) -> Any:
    if key not in raw:
        if spec.default is REQUIRED:
            raise ConfigError(_join(path, key), "is required")
        return None if spec.default is None else KINDS[spec.kind](spec.default)
    try:
        value = KINDS[spec.kind](raw[key])
        problem = spec.check(value) if spec.check else None
    except BadValue as exc:
        raise ConfigError(_join(path, key), str(exc)) from None
    if problem:
        raise ConfigError(_join(path, key), problem)
    return value


def read_table(raw: Any, table: str, path: str) -> dict[str, Any]:
    """The keys of one table, converted and checked; unknown and forbidden keys are errors."""
    spec = SCHEMA[table]
    if not isinstance(raw, dict):
        raise ConfigError(path, f"must be a table, got {raw!r}")
    forbidden = FORBIDDEN.get(table, {})
    for key in raw:
        if key in forbidden:
            raise ConfigError(_join(path, key), forbidden[key])
        if key not in spec:
            raise _unknown_key(key, spec, path)
    return {key: _value(raw, key, k, path) for key, k in spec.items()}


def _read_array(raw: Mapping[str, Any], table: str) -> list[dict[str, Any]]:
    items = raw.get(table, [])
    if not isinstance(items, list):
        raise ConfigError(table, f"must be an array of tables written [[{table}]]")
    return [read_table(item, table, f"{table}[{i}]") for i, item in enumerate(items)]


# --- cross-references -------------------------------------------------------------------------------

def _unique(rows: list[dict], key: str, table: str) -> None:
    seen: dict[Any, int] = {}
    for i, row in enumerate(rows):
        if row[key] in seen:
            raise ConfigError(f"{table}[{i}].{key}", f"{row[key]!r} is already used by {table}[{seen[row[key]]}]")
        seen[row[key]] = i


def _must_exist(value: Any, known: Iterable, path: str, what: str) -> None:
    known = list(known)
    if value not in known:
        listed = ", ".join(str(k) for k in known) or "none defined"
        raise ConfigError(path, f"unknown {what} {value!r} (known: {listed})")


def _check_services(t: dict[str, list[dict]]) -> None:
    departments = [d["code"] for d in t["departments"]]
    for i, s in enumerate(t["services"]):
        _must_exist(s["department"], departments, f"services[{i}].department", "department")
        if not s["warning_wait_min"] <= s["target_wait_min"] <= s["action_wait_min"]:
            raise ConfigError(f"services[{i}].target_wait_min",
                              "thresholds must satisfy warning_wait_min <= target_wait_min <= action_wait_min, got "
                              f"{s['warning_wait_min']} / {s['target_wait_min']} / {s['action_wait_min']}")
        if not any(s["code"] in w["services"] for w in t["windows"]):
            raise ConfigError(f"services[{i}].code", f"no window serves {s['code']!r}; add it to a window's services")


def _check_windows(t: dict[str, list[dict]]) -> None:
    departments = [d["code"] for d in t["departments"]]
    services = [s["code"] for s in t["services"]]
    for i, w in enumerate(t["windows"]):
        if w["department"] is not None:
            _must_exist(w["department"], departments, f"windows[{i}].department", "department")
        for j, code in enumerate(w["services"]):
            _must_exist(code, services, f"windows[{i}].services[{j}]", "service")
            if code in w["services"][:j]:
                raise ConfigError(f"windows[{i}].services[{j}]", f"{code!r} is listed twice")


def _check_staff(t: dict[str, list[dict]]) -> None:
    numbers = [w["number"] for w in t["windows"]]
    for i, s in enumerate(t["staff"]):
        for j, number in enumerate(s["windows"]):
            _must_exist(number, numbers, f"staff[{i}].windows[{j}]", "window")
        if s["role"] == "clerk" and not s["windows"]:
            raise ConfigError(f"staff[{i}].windows", "a clerk needs at least one window to sign in at")
        _check_liaison(i, s, t)


def _check_liaison(i: int, s: dict, t: dict[str, list[dict]]) -> None:
    if s["role"] == "liaison" and s["department"] is None:
        raise ConfigError(f"staff[{i}].department", "a liaison needs the department whose cases they follow")
    if s["department"] is not None:
        _must_exist(s["department"], [d["code"] for d in t["departments"]], f"staff[{i}].department", "department")


# Which optional keys each device kind needs (True), may have (None) or must not have (False).
_DEVICE_KEYS = MappingProxyType({
    "kiosk": {"window": False, "zone": False, "green_channel": None, "printer": None, "agent_token_hash": None},
    "display": {"window": None, "zone": None, "green_channel": False, "printer": False, "agent_token_hash": None},
    "counter": {"window": True, "zone": False, "green_channel": False, "printer": False, "agent_token_hash": False},
    "rating_pad": {"window": True, "zone": False, "green_channel": False, "printer": False,
                   "agent_token_hash": False},
})


def _check_device(i: int, d: dict, windows: list[int], zones: list[str]) -> None:
    for key, rule in _DEVICE_KEYS[d["kind"]].items():
        present = d[key] not in (None, False)
        if rule is True and not present:
            raise ConfigError(f"devices[{i}].{key}", f"is required for a {d['kind']}")
        if rule is False and present:
            raise ConfigError(f"devices[{i}].{key}", f"is not allowed for a {d['kind']}")
    if d["window"] is not None and d["zone"] is not None:
        raise ConfigError(f"devices[{i}].zone", "a display shows either a zone or a window, not both")
    if d["window"] is not None:
        _must_exist(d["window"], windows, f"devices[{i}].window", "window")
    if d["zone"] is not None:
        _must_exist(d["zone"], zones, f"devices[{i}].zone", "zone")


def _check_devices(t: dict[str, list[dict]]) -> None:
    windows = [w["number"] for w in t["windows"]]
    zones = list(dict.fromkeys(w["zone"] for w in t["windows"]))
    for i, d in enumerate(t["devices"]):
        _check_device(i, d, windows, zones)
    _check_agent_hashes(t["devices"])


def _check_agent_hashes(devices: list[dict]) -> None:
    """An agent token must be its own: equal to any device's token, the page could pose as the agent."""
    page_hashes = {d["token_hash"] for d in devices}
    seen: set[str] = set()
    for i, d in enumerate(devices):
        agent = d.get("agent_token_hash")
        if agent is not None and (agent in page_hashes or agent in seen):
            raise ConfigError(f"devices[{i}].agent_token_hash", "must differ from every other token hash")
        seen.add(agent)


def _check_references(t: dict[str, list[dict]]) -> None:
    for table, key in (("departments", "code"), ("services", "code"), ("services", "prefix"),
                       ("windows", "number"), ("staff", "number"), ("devices", "id"), ("devices", "token_hash")):
        _unique(t[table], key, table)
    if not t["services"]:
        raise ConfigError("services", "at least one [[services]] is required")
    _check_windows(t)
    _check_services(t)
    _check_staff(t)
    _check_devices(t)


# --- building the domain objects ----------------------------------------------------------------------

def _names(d: dict[str, str]) -> Names:
    return Names(d["zh-Hans"], d["zh-Hant"], d["en"])


def _window_name(number: int) -> Names:
    return Names(f"{number}号窗口", f"{number}號窗口", f"Window {number}")


def _window(w: dict, policy: dict) -> Window:
    name = _names(w["name"]) if w["name"] else _window_name(w["number"])
    return Window(number=w["number"], name=name, department=w["department"], zone=w["zone"],
                  services=w["services"], kind=w["kind"], policy=RoutingPolicy(**policy))


def _guide(g: dict) -> ServiceGuide:
    optional = lambda d: _names(d) if d else None  # noqa: E731
    return ServiceGuide(materials=tuple(_names(m) for m in g["materials"]), steps=tuple(_names(s) for s in g["steps"]),
                        time_limit_days=g["time_limit_days"], fees=optional(g["fees"]),
                        legal_basis=optional(g["legal_basis"]), consult_phone=g["consult_phone"] or "")


def _build_hall(center: dict, rules: dict, t: dict[str, list[dict]], policies: list[dict],
                guides: list[dict]) -> HallConfig:
    return HallConfig(
        center=Center(name=_names(center["name"]), timezone=center["timezone"],
                      day_boundary_min=center["day_boundary"], opening_hours=center["opening_hours"],
                      missed_rule=_names(center["missed_rule"]), notice=_names(center["notice"]),
                      default_lang=center["default_lang"]),
        departments=tuple(Department(d["code"], _names(d["name"])) for d in t["departments"]),
        services=tuple(Service(**{**s, "name": _names(s["name"]), "guide": _guide(g)})
                       for s, g in zip(t["services"], guides)),
        windows=tuple(_window(w, p) for w, p in zip(t["windows"], policies)),
        staff=tuple(Staff(**s) for s in t["staff"]),
        devices=tuple(Device(**d) for d in t["devices"]),
        rules=Rules(**rules),
    )


def _server(raw: dict) -> ServerSettings:
    values = read_table(raw, "server", "server")
    if not values["public_url"]:
        values["public_url"] = f"http://{values['host']}:{values['port']}"
    values["public_url"] = values["public_url"].rstrip("/")
    return ServerSettings(**values)


def _calendar(raw: Any) -> WorkCalendar:
    values = read_table(raw, "calendar", "calendar")
    return WorkCalendar.of(values["weekend"], values["holidays"], values["workdays"])


def _voice(raw: Any) -> dict:
    """The [voice] table, validated by the voice module (which owns its keys, see docs/voice.md)."""
    if not isinstance(raw, dict):
        raise ConfigError("voice", f"must be a table, got {raw!r}")
    from .voice.templates import VoiceSettings  # imported here: config must not pull voice in at import
    try:
        VoiceSettings.from_dict(raw)
    except ValueError as exc:
        key, _, message = str(exc).partition(": ")
        raise ConfigError(key if message else "voice", message or key) from None
    return dict(raw)


def _city(raw: Any) -> Mapping[str, Any]:
    """The [city] table: the link to the city's PostgreSQL (docs/city.md)."""
    from .citylink.settings import cross_check
    values = read_table(raw, "city", "city")
    problem = cross_check(values)
    if problem:
        raise ConfigError(f"city.{problem[0]}", problem[1])
    return MappingProxyType(values)


def parse_config(raw: Mapping[str, Any], source: str = "<dict>") -> Settings:
    """Validate a parsed TOML document and build Settings; raises ConfigError naming the key."""
    try:
        for key in raw:
            if key not in TOP_LEVEL:
                raise _unknown_key(key, {k: None for k in TOP_LEVEL}, "")
        if "center" not in raw:
            raise ConfigError("center", "the [center] table is required")
        center = read_table(raw["center"], "center", "center")
        rules = read_table(raw.get("rules", {}), "rules", "rules")
        tables = {table: _read_array(raw, table) for table in ARRAY_TABLES}
        policies = [read_table(w["policy"], "windows.policy", f"windows[{i}].policy")
                    for i, w in enumerate(tables["windows"])]
        guides = [read_table(s["guide"], "services.guide", f"services[{i}].guide")
                  for i, s in enumerate(tables["services"])]
        _check_references(tables)
        for w in tables["windows"]:
            del w["policy"]
        server = _server(raw.get("server", {}))
        hall = replace(_build_hall(center, rules, tables, policies, guides),
                       estimate=EstimateRules(server.estimate_recent, server.estimate_min_samples))
        return Settings(hall=hall, server=server, voice=_voice(raw.get("voice", {})), source=source,
                        city=_city(raw.get("city", {})), calendar=_calendar(raw.get("calendar", {})),
                        supervision=SupervisionSettings(**read_table(raw.get("supervision", {}), "supervision",
                                                                     "supervision")))
    except ConfigError as exc:
        exc.source = source
        raise


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise ConfigError("", f"cannot read {path}: {exc.strerror or exc}", str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"{path} is not valid TOML: {exc}", str(path)) from None


def load_config(path: str | Path, credentials_path: str | Path | None = None) -> Settings:
    """Load the hall TOML at `path`; with `credentials_path`, also the demo credentials (printed at start-up)."""
    settings = parse_config(_read_toml(Path(path)), source=str(path))
    if credentials_path is None:
        return settings
    credentials = parse_credentials(_read_toml(Path(credentials_path)), settings.hall, str(credentials_path))
    return dataclasses.replace(settings, demo_credentials=credentials)


def load_demo() -> Settings:
    """The built-in demo hall with its plaintext credentials."""
    return load_config(DEMO_HALL_PATH, DEMO_CREDENTIALS_PATH)


# --- demo credentials -------------------------------------------------------------------------------

def _credential_table(raw: Mapping, table: str, known: set[str], source: str) -> dict[str, str]:
    values = raw.get(table, {})
    if not isinstance(values, dict):
        raise ConfigError(table, "must be a table of id = \"secret\"", source)
    for key, secret in values.items():
        if key not in known:
            raise ConfigError(f"{table}.{key}", f"no such {table} entry in the hall file", source)
        if not isinstance(secret, str) or not secret:
            raise ConfigError(f"{table}.{key}", "must be a non-empty string", source)
    return dict(values)


def parse_credentials(raw: Mapping[str, Any], hall: HallConfig, source: str = "<dict>",
                      verify_pins: bool = False) -> dict[str, dict[str, str]]:
    """Plaintext demo credentials: {"staff": {number: pin}, "devices": {id: token}}, checked against `hall`.

    Tokens are always checked against their hashes (cheap); PINs only with `verify_pins` (scrypt is slow).
    """
    for key in raw:
        if key not in ("staff", "devices", "agents"):
            raise ConfigError(key, "unknown table (known: staff, devices, agents)", source)
    staff = _credential_table(raw, "staff", {s.number for s in hall.staff}, source)
    devices = _credential_table(raw, "devices", {d.id for d in hall.devices}, source)
    hashes = {d.id: d.token_hash for d in hall.devices}
    for device_id, token in devices.items():
        if hash_token(token) != hashes[device_id]:
            raise ConfigError(f"devices.{device_id}", "token does not match the device's token_hash", source)
    agents = _credential_table(raw, "agents", {d.id for d in hall.devices}, source)
    agent_hashes = {d.id: d.agent_token_hash for d in hall.devices}
    for device_id, token in agents.items():
        if hash_token(token) != agent_hashes[device_id]:
            raise ConfigError(f"agents.{device_id}", "token does not match the device's agent_token_hash", source)
    pin_hashes = {s.number: s.pin_hash for s in hall.staff}
    for number, pin in staff.items() if verify_pins else ():
        if not verify_pin(pin, pin_hashes[number]):
            raise ConfigError(f"staff.{number}", "PIN does not match the staff member's pin_hash", source)
    return {"staff": staff, "devices": devices, "agents": agents}


def format_credentials(settings: Settings) -> str:
    """The demo credentials as lines for the start-up banner (empty when there are none)."""
    creds = settings.demo_credentials
    if not creds:
        return ""
    roles = {s.number: f"{s.role} {s.name}" + (f" windows {','.join(map(str, s.windows))}" if s.windows else "")
             for s in settings.hall.staff}
    kinds = {d.id: d.kind for d in settings.hall.devices}
    lines = ["Demo credentials (demo only, never use in a real hall):", "  staff number  PIN"]
    lines += [f"  {number:<12}  {pin}   ({roles[number]})" for number, pin in creds["staff"].items()]
    lines += ["  device id     token"]
    lines += [f"  {device:<12}  {token}   ({kinds[device]})" for device, token in creds["devices"].items()]
    return "\n".join(lines)
