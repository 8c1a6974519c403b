"""The hall as configured: departments, services, windows, staff, devices and rules.

Frozen dataclasses built by server.config from the TOML file; the rules read them, never change them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from functools import cached_property

LANGS = ("zh-Hans", "zh-Hant", "en")
ROLES_STAFF = ("clerk", "manager", "guide", "liaison")  # liaison: a department's supervision contact
DEVICE_KINDS = ("kiosk", "display", "counter", "rating_pad")
ROUTING_MODES = ("service_order", "longest_wait")
WINDOW_KINDS = ("normal", "comprehensive", "appointment")
GREEN_CATEGORIES = ("elderly", "disabled", "pregnant", "military")


@dataclass(frozen=True)
class Names:
    """One text in the three UI languages."""

    zh_hans: str
    zh_hant: str
    en: str

    def get(self, lang: str) -> str:
        return {"zh-Hans": self.zh_hans, "zh-Hant": self.zh_hant, "en": self.en}.get(lang, self.zh_hant)

    def to_dict(self) -> dict[str, str]:
        return {"zh-Hans": self.zh_hans, "zh-Hant": self.zh_hant, "en": self.en}


@dataclass(frozen=True)
class TimeRange:
    """Local wall-clock range within a day, minutes since midnight, end exclusive."""

    start_min: int
    end_min: int

    def contains(self, minute_of_day: int) -> bool:
        return self.start_min <= minute_of_day < self.end_min

    def label(self) -> str:
        return f"{self.start_min // 60:02d}:{self.start_min % 60:02d}-{self.end_min // 60:02d}:{self.end_min % 60:02d}"


@dataclass(frozen=True)
class Department:
    code: str
    name: Names


@dataclass(frozen=True)
class ServiceGuide:
    """What a citizen needs to know before taking a ticket (办事指南): shown at the kiosk, on the
    phone, and offered as the checklist of the counter's one-time notice (一次性告知)."""

    materials: tuple[Names, ...] = ()
    steps: tuple[Names, ...] = ()
    time_limit_days: int | None = None  # working days the department promises (承诺时限)
    fees: Names | None = None
    legal_basis: Names | None = None
    consult_phone: str = ""

    def is_empty(self) -> bool:
        return self == ServiceGuide()

    def to_dict(self) -> dict[str, object]:
        return {"materials": [m.to_dict() for m in self.materials], "steps": [s.to_dict() for s in self.steps],
                "time_limit_days": self.time_limit_days,
                "fees": self.fees.to_dict() if self.fees else None,
                "legal_basis": self.legal_basis.to_dict() if self.legal_basis else None,
                "consult_phone": self.consult_phone}


@dataclass(frozen=True)
class Service:
    code: str
    prefix: str
    name: Names
    department: str
    target_wait_min: int = 20
    warning_wait_min: int = 15
    action_wait_min: int = 30
    daily_cap: int | None = None
    issuing_hours: tuple[TimeRange, ...] = ()
    typical_handling_min: float = 8.0
    guide: ServiceGuide = field(default_factory=ServiceGuide)


@dataclass(frozen=True)
class RoutingPolicy:
    """How call-next chooses among the window's services (see docs/routing.md)."""

    mode: str = "service_order"
    normal_per_priority: int = 2  # after a priority call, this many normal calls before the next (2 : 1)
    promote_past_action: bool = True


@dataclass(frozen=True)
class Window:
    number: int
    name: Names
    department: str | None
    zone: str
    services: tuple[str, ...]
    kind: str = "normal"
    policy: RoutingPolicy = field(default_factory=RoutingPolicy)


@dataclass(frozen=True)
class Staff:
    number: str
    name: str
    pin_hash: str
    windows: tuple[int, ...] = ()
    role: str = "clerk"
    department: str | None = None  # a liaison's department (sees only its cases)
    disabled: bool = False  # cannot sign in (administration keeps the entry for the history)
    pin_change_required: bool = False  # must choose a new PIN at the next sign-in


@dataclass(frozen=True)
class Device:
    id: str
    kind: str
    token_hash: str
    window: int | None = None
    zone: str | None = None
    printer: dict[str, Any] | None = None
    green_channel: bool = False  # may this kiosk issue green-channel tickets itself
    agent_token_hash: str | None = None  # the device's agent (print agent, speaker) signs in with its own token


@dataclass(frozen=True)
class Rules:
    """Hall-wide rules with their defaults."""

    no_show_return_min: int = 30
    appointment_early_min: int = 15
    appointment_late_min: int = 15
    appointment_call_early_min: int = 10  # a checked-in appointment may be called this long before its slot
    rating_timeout_s: int = 90
    max_recalls: int = 3
    green_channel_categories: tuple[str, ...] = GREEN_CATEGORIES


@dataclass(frozen=True)
class EstimateRules:
    """How the wait estimate reads the day's history ([server] estimate_recent, estimate_min_samples)."""

    recent: int = 20  # latest finished visits per service whose median cycle and handling time count
    min_samples: int = 3  # below this many, the service's typical_handling_min stands in


@dataclass(frozen=True)
class Center:
    name: Names
    timezone: str = "Asia/Shanghai"
    day_boundary_min: int = 4 * 60
    opening_hours: tuple[TimeRange, ...] = ()
    missed_rule: Names = Names("过号请到服务台登记", "過號請到服務台登記",
                               "Missed your number? Please see the service desk.")
    notice: Names = Names("", "", "")
    default_lang: str = "zh-Hans"  # every page starts in it and returns to it when idle


@dataclass(frozen=True)
class RotaEntry:
    """A window's turn (輪流值崗): on these weekdays or dates and in these hours it serves these
    services for this department instead of its own (docs/administration.md)."""

    window: int
    services: tuple[str, ...]
    department: str | None = None
    weekdays: tuple[int, ...] = ()  # ISO weekdays; with no dates either: every day
    dates: tuple[str, ...] = ()  # "YYYY-MM-DD"
    hours: tuple[TimeRange, ...] = ()  # empty: the whole day
    note: str = ""


@dataclass(frozen=True)
class Notice:
    """A notice shown on the hall displays' marquee and the kiosks from `starts` until `ends`
    (local "YYYY-MM-DD HH:MM"); outside those times the center's own notice shows."""

    text: Names
    starts: str
    ends: str


@dataclass(frozen=True)
class HallConfig:
    center: Center
    departments: tuple[Department, ...]
    services: tuple[Service, ...]
    windows: tuple[Window, ...]
    staff: tuple[Staff, ...] = ()
    devices: tuple[Device, ...] = ()
    rules: Rules = field(default_factory=Rules)
    estimate: EstimateRules = field(default_factory=EstimateRules)
    rota: tuple[RotaEntry, ...] = ()  # administration: windows' turns (applied by server.domain.rota)
    notices: tuple[Notice, ...] = ()  # administration: timed notices

    def service(self, code: str) -> Service | None:
        return self._services_by_code.get(code)

    def window(self, number: int) -> Window | None:
        return self._windows_by_number.get(number)

    # Lookups run per ticket on the call path: dicts built once (the config is frozen), first match wins
    # like the scans they replace.
    @cached_property
    def _services_by_code(self) -> dict[str, Service]:
        return {s.code: s for s in reversed(self.services)}

    @cached_property
    def _windows_by_number(self) -> dict[int, Window]:
        return {w.number: w for w in reversed(self.windows)}

    def department(self, code: str) -> Department | None:
        return self._departments_by_code.get(code)

    @cached_property
    def _departments_by_code(self) -> dict[str, Department]:
        return {d.code: d for d in reversed(self.departments)}

    def staff_member(self, number: str) -> Staff | None:
        return next((s for s in self.staff if s.number == number and not s.disabled), None)

    def windows_serving(self, service_code: str) -> tuple[Window, ...]:
        return self._windows_by_service.get(service_code, ())

    def services_sharing_windows(self, service_code: str) -> tuple[Service, ...]:
        """The service and every service a window serving it also serves, in the hall's order."""
        return self._sharing.get(service_code) or tuple(s for s in self.services if s.code == service_code)

    @cached_property
    def _sharing(self) -> dict[str, tuple[Service, ...]]:
        def sharing(code: str) -> tuple[Service, ...]:
            codes = {code} | {c for w in self.windows_serving(code) for c in w.services}
            return tuple(s for s in self.services if s.code in codes)
        return {s.code: sharing(s.code) for s in self.services}

    @cached_property
    def _windows_by_service(self) -> dict[str, tuple[Window, ...]]:
        return {code: tuple(w for w in self.windows if code in w.services)
                for code in {c for w in self.windows for c in w.services}}
