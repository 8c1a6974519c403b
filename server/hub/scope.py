"""Which events a subscription sees (pure)."""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.hall import HallConfig


@dataclass(frozen=True)
class Scope:
    zone: str | None = None
    window: int | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in (("zone", self.zone), ("window", self.window)) if v is not None}


def windows_in(scope: Scope, hall: HallConfig) -> set[int]:
    return {w.number for w in hall.windows
            if (scope.zone is None or w.zone == scope.zone) and (scope.window is None or w.number == scope.window)}


def services_in(scope: Scope, hall: HallConfig) -> set[str]:
    numbers = windows_in(scope, hall)
    return {code for w in hall.windows if w.number in numbers for code in w.services}


def relevant(event: dict, scope: Scope, hall: HallConfig) -> bool:
    """Hall-wide events (no window, no service) reach everyone; others only their zone or window."""
    if scope.zone is None and scope.window is None:
        return True
    window, to_window, service = event.get("window"), event.get("to_window"), event.get("service")
    if window is None and to_window is None and service is None:
        return True
    windows = windows_in(scope, hall)
    if window in windows or to_window in windows:
        return True
    return service is not None and service in services_in(scope, hall)
