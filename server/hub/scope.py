"""Which events a subscription sees (pure). A scope is resolved once, at subscribe time, into the
set of windows and services it covers, so the fan-out checks each event with two set lookups."""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.hall import HallConfig


@dataclass(frozen=True)
class Scope:
    zone: str | None = None
    window: int | None = None
    windows: frozenset[int] = frozenset()
    services: frozenset[str] = frozenset()

    @classmethod
    def of(cls, hall: HallConfig, zone: str | None = None, window: int | None = None) -> Scope:
        covered = [w for w in hall.windows
                   if (zone is None or w.zone == zone) and (window is None or w.number == window)]
        return cls(zone, window, frozenset(w.number for w in covered),
                   frozenset(code for w in covered for code in w.services))

    @property
    def whole_hall(self) -> bool:
        return self.zone is None and self.window is None

    def to_dict(self) -> dict:
        return {k: v for k, v in (("zone", self.zone), ("window", self.window)) if v is not None}


def relevant(event: dict, scope: Scope) -> bool:
    """Hall-wide events (no window, no service) reach everyone; others only their zone or window."""
    if scope.whole_hall:
        return True
    window, to_window, service = event.get("window"), event.get("to_window"), event.get("service")
    if window is None and to_window is None and service is None:
        return True
    return window in scope.windows or to_window in scope.windows or service in scope.services
