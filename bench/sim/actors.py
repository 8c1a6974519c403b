"""The people and devices of the simulated day: kiosks, clerks, rating pads, displays, speakers,
print agents. Each is an asyncio task talking to the server over real HTTP or WebSocket."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from dataclasses import dataclass, field

import websockets
from websockets.asyncio.client import connect

from kiosk.printers import PrinterError, PrinterState

from .client import Api
from .record import Record

log = logging.getLogger("hallq.sim")

DAY_S = 9 * 3600  # 08:30-17:30
OUTCOMES = (("immediate", 0.70), ("promised", 0.15), ("joint", 0.05), ("reply", 0.05), ("supplement", 0.05))
LEVELS = (("very_satisfied", 0.62), ("satisfied", 0.25), ("basically_satisfied", 0.08),
          ("dissatisfied", 0.03), ("very_dissatisfied", 0.02))


def pick(rng: random.Random, weighted) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


class SimClock:
    """Simulated seconds since 08:30, running `speedup` times faster than the wall clock."""

    def __init__(self, speedup: float):
        self.speedup = speedup
        self.t0 = time.monotonic()
        self.wall0 = time.time()

    def now(self) -> float:
        return (time.monotonic() - self.t0) * self.speedup

    def wall_at(self, sim_s: float) -> float:
        return self.wall0 + sim_s / self.speedup

    async def sleep(self, sim_s: float) -> None:
        await asyncio.sleep(max(0.0, sim_s) / self.speedup)

    async def until(self, sim_s: float) -> None:
        await self.sleep(sim_s - self.now())


@dataclass
class Shared:
    """What the actors share: the record, the clock, and the flags of the day's phases."""

    record: Record
    clock: SimClock
    rng: random.Random
    services: list[str]  # served by the staffed windows
    handling_mean_s: float
    issuing_done: asyncio.Event = field(default_factory=asyncio.Event)
    day_turned: asyncio.Event = field(default_factory=asyncio.Event)
    day_turn_mode: bool = False
    turn_wall: float | None = None  # epoch seconds of the day's turn (day-turn mode)
    errors: list[str] = field(default_factory=list)

    def open_tickets(self) -> int:
        return sum(1 for r in self.record.tickets.values()
                   if r.status in ("waiting", "called", "serving", "suspended"))


# --- kiosks --------------------------------------------------------------------------------------

@dataclass
class Arrival:
    at: float  # sim seconds
    service: str
    green: str | None = None  # green-channel category
    booking: str | None = None  # appointment code to check in
    lang: str = "zh-Hant"


async def kiosk(name: str, api: Api, arrivals: list[Arrival], sh: Shared) -> None:
    for arrival in arrivals:
        await sh.clock.until(arrival.at)
        if sh.day_turned.is_set() or (sh.turn_wall is not None and time.time() >= sh.turn_wall - 0.5):
            return
        await issue_one(name, api, arrival, sh)


async def issue_one(name: str, api: Api, arrival: Arrival, sh: Shared) -> dict | None:
    if arrival.booking:
        status, body = await api.post("/api/appointments/check-in", {"code": arrival.booking, "lang": arrival.lang})
    else:
        payload = {"service": arrival.service, "lang": arrival.lang}
        if arrival.green:
            payload |= {"channel": "green", "green_category": arrival.green}
        status, body = await api.post("/api/tickets", payload)
    if status != 200:
        sh.record.refused[body.get("error", {}).get("code", str(status))] += 1
        return None
    view = body["ticket"]
    if arrival.booking:
        sh.record.acked["check_in"] += 1
        sh.record.acked["issue"] -= 1  # issued() counts it; keep issue = plain issues
    sh.record.issued(view, name, body.get("print_job"), appointment=bool(arrival.booking))
    return body


# --- clerks --------------------------------------------------------------------------------------

class DayOver(Exception):
    """The clerk's session ended (the day's turn signed everyone out)."""


@dataclass
class Clerk:
    window: int
    api: Api  # with the clerk's session token once signed in
    pad: Api  # the window's rating pad
    sh: Shared
    rng: random.Random
    lunch: tuple[float, float] | None = None
    suspended: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    rating_tasks: set = field(default_factory=set)

    async def act(self, path: str, body: dict | None = None) -> dict | None:
        """One acknowledged action: its answer, or None when the server refused it (domain error)."""
        status, answer = await self.api.post(path, body)
        if status == 200:
            return answer
        code = answer.get("error", {}).get("code", str(status))
        turn = self.sh.turn_wall
        if code in ("unauthorized", "not_signed_in") and turn is not None and time.time() >= turn - 1:
            raise DayOver()
        if code != "queue_empty":
            self.sh.record.refused[code] += 1
        if code in ("unauthorized", "internal_error"):
            self.sh.errors.append(f"window {self.window}: {path} -> {status} {answer}")
        return None

    async def run(self) -> None:
        with contextlib.suppress(DayOver):
            await self._day()
        await asyncio.gather(*self.rating_tasks, return_exceptions=True)

    async def _day(self) -> None:
        sh = self.sh
        while True:
            if self.lunch and self.lunch[0] <= sh.clock.now() < self.lunch[1]:
                await self._lunch()
            if await self._serve_one():
                continue
            if self._all_done():
                break
            await sh.clock.sleep(self.rng.uniform(20, 60))
        if not sh.day_turn_mode:
            await self.act(f"/api/windows/{self.window}/close")

    def _all_done(self) -> bool:
        sh = self.sh
        return (sh.issuing_done.is_set() and not sh.day_turn_mode and not self.suspended
                and sh.open_tickets() == 0)

    async def _lunch(self) -> None:
        if await self.act(f"/api/windows/{self.window}/pause", {"reason": "午休 lunch"}) is not None:
            self.sh.record.acked["pause"] += 1
            await self.sh.clock.until(self.lunch[1])
            if await self.act(f"/api/windows/{self.window}/resume") is not None:
                self.sh.record.acked["resume_window"] += 1
        self.lunch = None

    async def _serve_one(self) -> bool:
        """Call someone and deal with them; False when nobody was there to call."""
        rng, sh = self.rng, self.sh
        if self.suspended and rng.random() < 0.5:
            ticket_id = self.suspended.pop(0)
            if await self.act(f"/api/tickets/{ticket_id}/resume") is not None:
                sh.record.moved(ticket_id, "resume", "waiting")
        answer = None
        if self.missed and rng.random() < 0.3:  # the citizen came back to the desk: call back by number
            ticket_id = self.missed.pop(0)
            answer = await self.act(f"/api/windows/{self.window}/call", {"ticket_id": ticket_id})
            if answer is not None:
                sh.record.acked["callback"] += 1
        if answer is None:
            answer = await self.act(f"/api/windows/{self.window}/call-next")
        if answer is None or answer.get("ticket") is None:
            return False
        ticket = answer["ticket"]
        sh.record.called(ticket, self.window)
        await self._after_call(ticket["id"])
        return True

    async def _after_call(self, ticket_id: int) -> None:
        rng, sh = self.rng, self.sh
        base = f"/api/tickets/{ticket_id}"
        if rng.random() < 0.05:  # nobody comes: recall once or twice, then no-show
            for _ in range(rng.randint(1, 2)):
                await sh.clock.sleep(rng.uniform(20, 40))
                if await self.act(base + "/recall") is not None:
                    sh.record.acked["recall"] += 1
            if await self.act(base + "/no-show") is not None:
                sh.record.moved(ticket_id, "no_show", "no_show")
                if rng.random() < 0.4:
                    self.missed.append(ticket_id)
            return
        await sh.clock.sleep(rng.uniform(15, 75))  # walking to the window
        if rng.random() < 0.03:  # finished without pressing start (flagged by the statistics)
            return await self._finish(ticket_id)
        if await self.act(base + "/start") is None:
            return
        sh.record.moved(ticket_id, "start", "serving")
        await sh.clock.sleep(rng.gammavariate(2.0, sh.handling_mean_s / 2.0))
        roll = rng.random()
        if roll < 0.03:
            if await self.act(base + "/suspend", {"reason": "fetching a document"}) is not None:
                sh.record.moved(ticket_id, "suspend", "suspended")
                self.suspended.append(ticket_id)
            return
        if roll < 0.07 and len(sh.services) > 1:
            rec = sh.record.tickets[ticket_id]
            to = rng.choice([s for s in sh.services if s != rec.service] or sh.services)
            if await self.act(base + "/transfer", {"to_service": to, "front": rng.random() < 0.3,
                                                   "note": "next department"}) is not None:
                sh.record.moved(ticket_id, "transfer", "waiting")
            return
        if roll < 0.075:
            if await self.act(base + "/cancel", {"reason": "citizen withdrew"}) is not None:
                sh.record.moved(ticket_id, "cancel", "cancelled")
            return
        await self._finish(ticket_id)

    async def _finish(self, ticket_id: int) -> None:
        outcome = pick(self.rng, OUTCOMES)
        body = {"outcome": outcome}
        if outcome == "promised":
            body["promised_days"] = self.rng.choice((3, 5, 7))
        if outcome == "supplement":
            body["materials"] = ["營業執照副本 copy of business licence"]
        if await self.act(f"/api/tickets/{ticket_id}/finish", body) is None:
            return
        self.sh.record.finished(ticket_id, outcome)
        if self.rng.random() < 0.6:
            task = asyncio.create_task(self._rate(ticket_id))
            self.rating_tasks.add(task)
            task.add_done_callback(self.rating_tasks.discard)

    async def _rate(self, ticket_id: int) -> None:
        await self.sh.clock.sleep(self.rng.uniform(5, 30))
        level = pick(self.rng, LEVELS)
        body = {"level": level} | ({"reason": "waited too long"} if level.endswith("dissatisfied") and
                                   level != "basically_satisfied" else {})
        status, answer = await self.pad.post(f"/api/tickets/{ticket_id}/rating", body)
        if status == 200:
            self.sh.record.acked["rating"] += 1
            self.sh.record.ratings[level] += 1
        else:
            self.sh.record.refused["rating:" + answer.get("error", {}).get("code", str(status))] += 1


# --- displays --------------------------------------------------------------------------------------

@dataclass
class Display:
    """A hall display over /api/ws: records every event's seq; reconnects with `since` by itself."""

    name: str
    url: str
    token: str
    seqs: list[int] = field(default_factory=list)
    types: dict[int, str] = field(default_factory=dict)
    events: dict[int, dict] = field(default_factory=dict)  # kept by one display only (the reference)
    keep_events: bool = False
    connections: int = 0
    replays: int = 0
    snapshots_after_gap: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)
    repeats: int = 0
    dropped_by_server: int = 0
    stall: tuple[float, float] | None = None  # (from, until) monotonic: stop reading meanwhile
    stalled: bool = False
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def last(self) -> int | None:
        return self.seqs[-1] if self.seqs else None

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError, OSError, websockets.WebSocketException, KeyError):
                await self._once()  # a dropped connection reconnects on the next turn
            await asyncio.sleep(random.uniform(0.1, 0.4))

    async def _once(self) -> None:
        async with connect(self.url, max_size=2 ** 22, open_timeout=5) as ws:
            self.connections += 1
            await ws.send(json.dumps({"id": 1, "type": "auth", "token": self.token}))
            reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if not reply.get("success"):
                raise OSError(f"auth refused: {reply}")
            message = {"id": 2, "type": "subscribe", "scope": {}}
            if self.last is not None:
                message["since"] = self.last
            await ws.send(json.dumps(message))
            async for raw in ws:
                await self._maybe_stall()
                self.handle(json.loads(raw))
        if ws.close_code == 4008:
            self.dropped_by_server += 1

    async def _maybe_stall(self) -> None:
        if self.stall and self.stall[0] <= time.monotonic() < self.stall[1]:
            self.stalled = True
            await asyncio.sleep(self.stall[1] - time.monotonic())

    def handle(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "result" and message.get("id") == 2:
            result = message["result"]
            self.subscribed.set()
            if result["mode"] == "replay":
                self.replays += 1
            elif self.last is not None and result["seq"] > self.last:
                self.snapshots_after_gap += 1
                self.gaps.append((self.last, result["seq"]))
        elif kind == "event":
            seq = message["seq"]
            if self.last is not None and seq <= self.last:
                self.repeats += 1
                return
            if self.last is not None and seq != self.last + 1:
                self.gaps.append((self.last, seq))
            self.seqs.append(seq)
            self.types[seq] = message["event"]["type"]
            if self.keep_events:
                self.events[seq] = message["event"]
        elif kind == "resync":
            self.dropped_by_server += 1


# --- printers --------------------------------------------------------------------------------------

@dataclass
class SimPrinter:
    """A printer that can go offline: records each job it printed (and how often)."""

    offline: tuple[float, float] | None = None  # monotonic (from, until)
    printed: dict[str, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)

    def is_offline(self) -> bool:
        return bool(self.offline) and self.offline[0] <= time.monotonic() < self.offline[1]

    def send(self, data: bytes, *, job_id: str = "job", preview_png: bytes | None = None) -> PrinterState:
        if self.is_offline():
            self.refused.append(job_id)
            raise PrinterError("offline", "printer switched off (simulated)")
        self.printed[job_id] = self.printed.get(job_id, 0) + 1
        return PrinterState("ready")

    def status(self) -> PrinterState:
        return PrinterState("offline", "switched off (simulated)") if self.is_offline() else PrinterState("ready")
