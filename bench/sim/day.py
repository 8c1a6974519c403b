"""One simulated day against a real server process: set-up, the day with its faults, the checks."""
from __future__ import annotations

import asyncio
import math
import random
import time
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp

from bench.make_sim_hall import CREDENTIALS_PATH, HALL_PATH, hall_toml_text
from display.speaker import RecordingSink, SpeakerAgent
from kiosk.agent import AgentSettings, KioskAgent
from kiosk.printers import PrinterConfig
from server.voice.assemble import ClipLibrary

from .actors import DAY_S, Arrival, Clerk, Display, Shared, SimClock, SimPrinter, issue_one, kiosk
from .checks import run_checks
from .client import Api, Flaky, Stats
from .record import Record
from .server import ROOT, SimServer, free_port

GUIDE, MANAGER = "8001", "9001"
GREEN = ("elderly", "disabled", "pregnant", "military")


@dataclass
class Options:
    windows: int = 40
    displays: int = 20
    kiosks: int = 6
    tickets: int = 8000
    speedup: float = 120.0
    kills: int = 3
    seed: int = 1
    day_turn: bool = True
    speakers: int = 2
    faults: bool = True
    workdir: Path | None = None


@dataclass
class Run:
    """Everything the checks look at."""

    opts: Options
    record: Record
    server: SimServer
    displays: list[Display]
    speakers: list[SpeakerAgent]
    sinks: list[RecordingSink]
    agents: list[KioskAgent]
    printers: dict[str, SimPrinter]
    stats: Stats
    flaky: Flaky | None
    day: str = ""
    new_day: str | None = None
    final_seq: int = 0
    server_tickets: dict[int, dict] = field(default_factory=dict)
    server_stats: dict | None = None
    clerk_after_turn: int | None = None
    wall_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    fault_log: list[str] = field(default_factory=list)


# --- set-up ---------------------------------------------------------------------------------------

def _local_hhmm(epoch: float, tz: str) -> str:
    return datetime.fromtimestamp(epoch, ZoneInfo(tz)).strftime("%H:%M")


def _arrival_times(n: int, end: float, rng: random.Random) -> list[float]:
    """Morning peak around 09:30, afternoon peak around 14:30, a steady trickle all day."""
    out = []
    while len(out) < n:
        roll = rng.random()
        t = rng.gauss(3600, 2700) if roll < 0.4 else rng.gauss(21600, 2700) if roll < 0.75 else rng.uniform(0, end)
        if 0 <= t < end:
            out.append(t)
    return sorted(out)


def plan_arrivals(opts: Options, services: list[str], codes: list[tuple[str, str, float]], kiosks: list[str],
                  rng: random.Random, end: float) -> dict[str, list[Arrival]]:
    plain = opts.tickets - len(codes)
    per_kiosk: dict[str, list[Arrival]] = {k: [] for k in kiosks}
    for t in _arrival_times(plain, end, rng):
        lang = rng.choices(("zh-Hant", "zh-Hans", "en"), (0.6, 0.3, 0.1))[0]
        if rng.random() < 0.03:
            per_kiosk[kiosks[0]].append(Arrival(t, rng.choice(services), green=rng.choice(GREEN), lang=lang))
        else:
            per_kiosk[rng.choice(kiosks)].append(Arrival(t, rng.choice(services), lang=lang))
    for code, service, slot in codes:
        per_kiosk[rng.choice(kiosks)].append(Arrival(max(0.0, slot - rng.uniform(0, 600)), service, booking=code))
    for arrivals in per_kiosk.values():
        arrivals.sort(key=lambda a: a.at)
    return per_kiosk


def write_config(opts: Options, workdir: Path, port: int, boundary: str) -> tuple[Path, dict, dict]:
    hall = tomllib.loads(HALL_PATH.read_text(encoding="utf-8"))
    creds = tomllib.loads(CREDENTIALS_PATH.read_text(encoding="utf-8"))
    path = workdir / "hall.toml"
    path.write_text(hall_toml_text(hall, port=port, db_path=str(workdir / "hallq.db"), day_boundary=boundary,
                                   log_level="warning"), encoding="utf-8")
    return path, hall, creds


async def _sign_in(session, base, stats, staff, pin, device_token=None) -> str:
    api = Api(base, session, device_token, f"signin-{staff}", stats)
    status, body = await api.post("/api/sessions", {"staff": staff, "pin": pin}, idempotent=False)
    if status != 200:
        raise RuntimeError(f"sign-in of {staff} failed: {status} {body}")
    return body["token"]


# --- the day ----------------------------------------------------------------------------------------

async def simulate(opts: Options, progress=print) -> tuple[Run, list]:
    rng = random.Random(opts.seed)
    workdir = opts.workdir or ROOT / "var" / "sim" / time.strftime("run-%Y%m%d-%H%M%S")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    hall_raw = tomllib.loads(HALL_PATH.read_text(encoding="utf-8"))
    tz = hall_raw["center"]["timezone"]
    planned = DAY_S / opts.speedup
    setup_margin = 6.0 + 0.05 * opts.windows
    if opts.day_turn:  # the turn falls on a whole minute: stretch the day to end exactly there
        turn_wall = math.ceil((time.time() + setup_margin + planned) / 60) * 60
        boundary = _local_hhmm(turn_wall, tz)
    else:
        turn_wall, boundary = None, _local_hhmm(time.time() - 6 * 3600, tz)
    config, hall, creds = write_config(opts, workdir, port, boundary)
    server = SimServer(config, workdir / "hallq.db", port, workdir / "server.log")
    await asyncio.to_thread(server.start)
    progress(f"server up on port {port} (database {workdir / 'hallq.db'}, day boundary {boundary})")
    dev, pins = creds["devices"], creds["staff"]
    record, stats = Record(), Stats()
    windows = list(range(1, opts.windows + 1))
    services = sorted({s for w in hall["windows"] if w["number"] in windows for s in w["services"]})
    kiosks = [f"kiosk-{k}" for k in range(1, opts.kiosks + 1)]
    base, ws_url = server.url(), server.ws_url()
    run = Run(opts, record, server, [], [], [], [], {}, stats, None)
    connector = aiohttp.TCPConnector(limit=0)
    tasks: list[asyncio.Task] = []
    async with aiohttp.ClientSession(connector=connector) as session:
        # screens, speakers and printers first: they must see the day from its first event
        run.displays = [Display(f"display-{d:02d}", ws_url, dev[f"display-{d:02d}"], keep_events=d == 1)
                        for d in range(1, opts.displays + 1)]
        tasks += [asyncio.create_task(d.run()) for d in run.displays]
        library = ClipLibrary(ROOT / "sounds")
        for s in range(1, opts.speakers + 1):
            sink = RecordingSink()
            agent = SpeakerAgent(ws_url, creds["agents"][f"speaker-{s}"], library, sink,
                                 sleep=lambda d: asyncio.sleep(min(d, 0.5)))
            run.speakers.append(agent)
            run.sinks.append(sink)
            tasks.append(asyncio.create_task(agent.run()))
        stop_agents = asyncio.Event()
        for k in kiosks:
            printer = run.printers[k] = SimPrinter()
            agent = KioskAgent(AgentSettings(server=ws_url, token=creds["agents"][k],
                                             printer=PrinterConfig(type="dummy"),
                                             journal_path=str(workdir / f"{k}.journal"), status_interval_s=0.2,
                                             backoff_initial_s=0.1, backoff_max_s=1.0, reply_timeout_s=5.0),
                               printer=printer)
            run.agents.append(agent)
            tasks.append(asyncio.create_task(agent.run(stop_agents)))
        await asyncio.wait_for(asyncio.gather(*(d.subscribed.wait() for d in run.displays)), 20)

        guide = await _sign_in(session, base, stats, GUIDE, pins[GUIDE])
        manager = await _sign_in(session, base, stats, MANAGER, pins[MANAGER])
        clerk_tokens = await asyncio.gather(*(
            _sign_in(session, base, stats, str(2000 + w), pins[str(2000 + w)], dev[f"counter-{w:02d}"])
            for w in windows))
        speedup = opts.speedup if turn_wall is None else DAY_S / (turn_wall - time.time())
        clock = SimClock(speedup)
        wall_day = DAY_S / speedup
        issue_end = DAY_S if opts.day_turn else DAY_S - 1800
        capacity_s = 0.85 * (DAY_S - 1800) * len(windows) / max(1, opts.tickets)
        sh = Shared(record, clock, rng, services, max(30.0, capacity_s - 60), day_turn_mode=opts.day_turn,
                    turn_wall=turn_wall)
        progress(f"day starts: {opts.windows} windows, {opts.displays} displays, {opts.kiosks} kiosks, "
                 f"{opts.tickets} tickets, speed-up {speedup:.0f}x ({wall_day:.0f} s wall), "
                 f"{opts.kills} SIGKILLs, mean handling {sh.handling_mean_s / 60:.1f} sim min")

        # appointments booked at the desk this morning
        guide_api = Api(base, session, guide, "guide", stats)
        n_bookings = max(1, opts.tickets // 33)
        codes = []
        for i in range(n_bookings):
            slot = rng.uniform(1800, issue_end - 1800)
            code, service = f"SIM{opts.seed:02d}{i:05d}", rng.choice(services)
            status, body = await guide_api.post("/api/appointments", {
                "code": code, "service": service, "slot_start": clock.wall_at(slot),
                "slot_end": clock.wall_at(slot + 900)})
            if status != 200:
                record.refused["booking:" + str(body.get("error", {}).get("code", status))] += 1
            if status == 200:
                record.bookings += 1
                if rng.random() < 0.9:  # one in ten never comes
                    codes.append((code, service, slot))
        arrivals = plan_arrivals(opts, services, codes, kiosks, rng, issue_end)

        faults = _schedule_faults(opts, run, rng, wall_day)
        kiosk_tasks = [asyncio.create_task(kiosk(k, Api(base, session, dev[k], k, stats), arrivals[k], sh))
                       for k in kiosks]
        clerks = []
        for w, token in zip(windows, clerk_tokens, strict=False):
            flaky = run.flaky if w == 3 else None
            lunch_at = rng.uniform(3.2, 4.5) * 3600
            clerks.append(Clerk(w, Api(base, session, token, f"clerk-{w}", stats, flaky=flaky),
                                Api(base, session, dev[f"rating-{w:02d}"], f"pad-{w}", stats), sh,
                                random.Random(rng.random()),
                                lunch=(lunch_at, lunch_at + rng.uniform(1200, 2400)) if rng.random() < 0.5 else None))
        clerk_tasks = [asyncio.create_task(c.run()) for c in clerks]
        killer = asyncio.create_task(_killer(run, faults["kills"], clock, progress))

        await asyncio.gather(*kiosk_tasks)
        sh.issuing_done.set()
        progress(f"kiosks done at sim {clock.now() / 3600 + 8.5:.2f} h: {record.acked['issue']} issued, "
                 f"{record.acked['check_in']} check-ins")
        if turn_wall is not None:
            await asyncio.sleep(max(0.0, turn_wall - time.time()) + 1.0)
            sh.day_turned.set()
            await _after_turn(run, session, base, dev, kiosks, clerk_tokens[0] if clerk_tokens else None, guide)
        await asyncio.wait_for(asyncio.gather(*clerk_tasks), wall_day + 120)
        await killer
        run.wall_s = time.monotonic() - clock.t0
        run.day = min((r.day for r in record.tickets.values()), default="")
        if turn_wall is not None:
            did = record.day_end(run.day)
            progress(f"the day turned: {dict(did)}")
        await _settle(run, base, session, manager, progress)
        stop_agents.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.to_thread(server.stop)
    run.errors += sh.errors
    return run, run_checks(run)


def _schedule_faults(opts: Options, run: Run, rng: random.Random, wall_day: float) -> dict:
    now = time.monotonic()
    kills = sorted(rng.uniform(0.1, 0.9) * wall_day for _ in range(opts.kills))
    if opts.faults:
        if len(run.displays) >= 2:
            run.displays[1].stall = (now + 0.30 * wall_day, now + 0.45 * wall_day)
            run.fault_log.append(f"{run.displays[1].name} stops reading for {0.15 * wall_day:.0f} s")
        if len(run.printers) >= 2:
            name = sorted(run.printers)[1]
            run.printers[name].offline = (now + 0.40 * wall_day, now + 0.55 * wall_day)
            run.fault_log.append(f"{name}'s printer offline for {0.15 * wall_day:.0f} s")
        if opts.windows >= 3:
            run.flaky = Flaky(now + 0.5 * wall_day, now + 0.6 * wall_day, random.Random(rng.random()))
            run.fault_log.append(f"window 3's clerk loses the network for {0.1 * wall_day:.0f} s "
                                 "(requests refused or answers lost)")
    return {"kills": kills}


async def _killer(run: Run, moments: list[float], clock: SimClock, progress) -> None:
    for at in moments:
        await asyncio.sleep(max(0.0, clock.t0 + at - time.monotonic()))
        await asyncio.to_thread(run.server.restart_after_kill)
        progress(f"SIGKILL #{run.server.kills} at sim {clock.now() / 3600 + 8.5:.2f} h; "
                 f"healthy again after {run.server.restart_s[-1]:.2f} s")


async def _after_turn(run: Run, session, base, dev, kiosks, clerk_token, guide) -> None:
    """The new day: a ticket per kiosk (numbers restart), a stale clerk session refused, the guide
    cancels the test tickets so they end too."""
    stats = run.stats
    for k in kiosks:
        api = Api(base, session, dev[k], f"{k}-newday", stats)
        svc = run.record.tickets[min(run.record.tickets)].service if run.record.tickets else "business_setup"
        body = await issue_one(k, api, Arrival(0, svc), Shared(run.record, None, None, [], 0))
        if body:
            run.record.new_day_labels.append((body["ticket"]["service"], body["ticket"]["label"]))
            run.new_day = body["ticket"]["day"]
    if clerk_token:
        status, _ = await Api(base, session, clerk_token, "stale-clerk", stats).get("/api/sessions/current")
        run.clerk_after_turn = status
    guide_api = Api(base, session, guide, "guide-newday", stats)
    for rec in [r for r in run.record.tickets.values() if r.day == run.new_day]:
        status, _ = await guide_api.post(f"/api/tickets/{rec.id}/cancel", {"reason": "simulator test ticket"})
        if status == 200:
            rec.status = "cancelled"


async def _settle(run: Run, base, session, manager, progress) -> None:
    """Let screens, speakers and printers catch up (bounded), then read the server's side."""
    api = Api(base, session, manager, "checker", run.stats)
    _, health = await api.get("/api/health")
    run.final_seq = health["seq"]
    run.day = run.day or health["day"]
    deadline = time.monotonic() + 30
    jobs = {r.print_job: r.kiosk for r in run.record.tickets.values() if r.print_job}
    while time.monotonic() < deadline:
        screens = all(d.last == run.final_seq for d in run.displays)
        voices = all(a.is_idle and (a.last_seq or 0) >= run.final_seq for a in run.speakers)
        printed = all(j in run.printers[k].printed or j in run.printers[k].refused for j, k in jobs.items())
        if screens and voices and printed:
            break
        await asyncio.sleep(0.2)
    sem = asyncio.Semaphore(64)

    async def fetch(ticket_id: int) -> None:
        async with sem:
            status, body = await api.get(f"/api/tickets/{ticket_id}")
            if status == 200:
                run.server_tickets[ticket_id] = body["ticket"]

    await asyncio.gather(*(fetch(t) for t in run.record.tickets))
    status, body = await api.get(f"/api/stats?from={run.day}&to={run.day}&group_by=total")
    run.server_stats = body if status == 200 else None
    progress(f"settled: seq {run.final_seq}, {len(run.server_tickets)} tickets read back, "
             f"statistics endpoint {'answered' if status == 200 else f'missing ({status})'}")
