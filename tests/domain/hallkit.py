"""A tiny hall for the pure rule tests: two services, three windows, clerks, no I/O."""
from __future__ import annotations

from server.domain import commands as c
from server.domain import engine
from server.domain.hall import (Center, Department, HallConfig, Names, Rules, RoutingPolicy, Service, Staff,
                                TimeRange, Window)

T0 = 1795568400.0  # 2026-11-25 09:00 Asia/Shanghai


def names(text: str) -> Names:
    return Names(text, text, text)


DEFAULT_POLICY = RoutingPolicy()


def make_hall(policy: RoutingPolicy = DEFAULT_POLICY, **service_overrides) -> HallConfig:
    services = (
        Service("biz", "A", names("Business"), "d1", target_wait_min=20, warning_wait_min=15, action_wait_min=30,
                **service_overrides),
        Service("tax", "B", names("Tax"), "d1"),
    )
    windows = (
        Window(1, names("W1"), "d1", "east", ("biz", "tax"), policy=policy),
        Window(2, names("W2"), "d1", "east", ("tax", "biz"), policy=policy),
        Window(3, names("W3"), "d1", "west", ("tax",), policy=policy),
    )
    staff = tuple(Staff(f"10{n}", f"Clerk {n}", "x", (n,)) for n in (1, 2, 3)) + (
        Staff("1009", "Floater", "x", (1, 2, 3)), Staff("9001", "Boss", "x", (), role="manager"))
    return HallConfig(center=Center(name=names("Center")), departments=(Department("d1", names("Dept")),),
                      services=services, windows=windows, staff=staff, rules=Rules())


class Desk:
    """Drives the engine like the service does, with a hand-moved clock."""

    def __init__(self, hall: HallConfig | None = None, now: float = T0):
        self.hall = hall or make_hall()
        self.now = now
        self.state = engine.new_state(self.hall, "2026-11-25")
        self.log: list = []

    def run(self, cmd, advance: float = 0.0):
        self.now += advance
        events = engine.handle(self.state, self.hall, cmd, self.now)
        self.log += events
        return events

    def issue(self, service="biz", **kw):
        return self.run(c.IssueTicket(service=service, **kw))[0].ticket_id

    def open(self, window: int):
        self.run(c.SignIn(staff=f"10{window}", window=window))

    def call(self, window: int):
        return self.run(c.CallNext(window=window, staff=f"10{window}"))[0].ticket_id

    def act(self, cls, window: int, ticket_id: int, advance: float = 0.0, **kw):
        return self.run(cls(window=window, staff=f"10{window}", ticket_id=ticket_id, **kw), advance=advance)

    def label(self, ticket_id: int) -> str:
        return self.state.tickets[ticket_id].label


def hours(*ranges: tuple[str, str]) -> tuple[TimeRange, ...]:
    def minutes(text: str) -> int:
        h, m = text.split(":")
        return int(h) * 60 + int(m)
    return tuple(TimeRange(minutes(a), minutes(b)) for a, b in ranges)
