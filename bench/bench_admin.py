"""Live configuration changes under load, against `hallq serve` in its own process (durable commits).

Run: .venv/bin/python -m bench.bench_admin [--runs 3] [--rate 50] [--seconds 8] [--screens 100]

Each run starts a fresh server (demo hall, SQLite on disk) pinned to CPU 0; this process runs on CPU 1.
`--screens` hall displays hold a WebSocket each and behave as /common/hub.js does (read every
message; on `config_changed`, subscribe again for a fresh snapshot). Then, in the same run and server:
  A. issue latency at `--rate` tickets/s (open loop), the floor alone;
  B. the same load while a manager saves a change every 0.5 s (a department's English name): the
     save's latency (validate with the check-config rules, strand checks, switch, durable write), and
     the time from sending the save until the last display holds the new snapshot;
  C. the same load while `hallq backup` copies the database: its duration and the copy's size.
Figures are medians over the runs, with every run's value; B/A compares the issue latency.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from server.admin.backup import backup

from .bench_issue import Api, demo_hall, open_loop, session_for, summary_ms, uncapped_services
from .server_proc import ROOT, ServerProcess, machine, repeat_runs

RAISED_LIMITS = {"kiosk_rate_per_min": 1_000_000}
CHANGE_EVERY_S = 0.5


class Screen:
    """A hall display as /common/hub.js runs it: reads every message, and on `config_changed`
    subscribes again for a fresh snapshot; notes when each version's snapshot arrived."""

    def __init__(self, ws):
        self.ws, self.next_id, self.fresh = ws, 10, {}  # version -> time its new snapshot arrived
        self.pending: dict[int, int] = {}  # request id -> version it refreshes for

    async def run(self) -> None:
        try:
            async for msg in self.ws:
                message = json.loads(msg.data)
                if message.get("type") == "config_changed":
                    self.next_id += 1
                    self.pending[self.next_id] = message["version"]
                    await self.ws.send_json({"id": self.next_id, "type": "subscribe", "scope": {}})
                elif message.get("type") == "result" and message.get("id") in self.pending:
                    self.fresh[self.pending.pop(message["id"])] = time.perf_counter()
        except Exception:  # noqa: BLE001 - closed at the end of the run
            pass


async def open_screens(server: ServerProcess, session: aiohttp.ClientSession, count: int) -> list[Screen]:
    screens = []
    for _ in range(count):
        ws = await session.ws_connect(server.url("/api/ws"), origin=server.url(), max_msg_size=0)
        await ws.send_json({"id": 1, "type": "auth", "token": server.token("display-hall")})
        await ws.send_json({"id": 2, "type": "subscribe", "scope": {}})
        while (await asyncio.wait_for(ws.receive_json(), 10)).get("id") != 2:
            pass
        screens.append(Screen(ws))
    return screens


async def manager_changes(session: aiohttp.ClientSession, server: ServerProcess, screens: list[Screen],
                          until: float) -> dict:
    async with session.post(server.url("/api/sessions"), json={"staff": "9001", "pin": server.pin("9001")}) as resp:
        headers = {"Authorization": f"Bearer {(await resp.json())['token']}"}
    saves, fresh, n = [], [], 0
    while time.perf_counter() < until:
        async with session.get(server.url("/api/admin/config"), headers=headers) as resp:
            config = await resp.json()
        dept = next(d for d in config["document"]["departments"] if d["code"] == "tax")
        dept["name"]["en"] = f"Taxation Bureau ({n})"
        n += 1
        sent = time.perf_counter()
        async with session.put(server.url("/api/admin/entries/departments/tax"), headers=headers,
                               json={"version": config["version"], "entry": dept}) as resp:
            answer = await resp.json()
        if resp.status != 200:
            raise RuntimeError(f"change refused: {answer}")
        saves.append(time.perf_counter() - sent)
        version, deadline = answer["version"], time.perf_counter() + 10
        while any(version not in s.fresh for s in screens) and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
        fresh.append(max(s.fresh.get(version, deadline) for s in screens) - sent)
        await asyncio.sleep(max(0.0, CHANGE_EVERY_S - (time.perf_counter() - sent)))
    return {"changes": n, "save": summary_ms(saves), "all_screens_fresh": summary_ms(fresh)}


async def one_run(args) -> dict:
    services = uncapped_services(demo_hall())
    with ServerProcess(RAISED_LIMITS, log_level="warning") as server:
        async with session_for(64) as session, aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0)) as sockets:  # a socket holds its connection
            api = Api(server, session)

            async def request(i: int):
                sent = time.perf_counter()
                status, _ = await api.issue(("kiosk-1", "kiosk-2")[i % 2], services[i % len(services)])
                return status == 200, sent, time.perf_counter()

            for i in range(8):
                await api.issue("kiosk-2", services[i % len(services)])
            screens = await open_screens(server, sockets, args.screens)
            readers = [asyncio.create_task(s.run()) for s in screens]
            plain, _, failed_a = await open_loop(args.rate, args.seconds, request)  # A: the floor alone
            until = time.perf_counter() + args.seconds
            changes = asyncio.create_task(manager_changes(session, server, screens, until))
            changing, _, failed_b = await open_loop(args.rate, args.seconds, request)  # B: + changes
            changed = await changes
            copy_dir = Path(tempfile.mkdtemp(prefix="hallq-bench-backup-", dir=ROOT / "var"))
            load = asyncio.create_task(open_loop(args.rate, args.seconds, request))  # C: + a backup
            await asyncio.sleep(args.seconds / 2)
            started = time.perf_counter()
            made, _ = await asyncio.to_thread(backup, server.db_path, copy_dir, 1, time.time())
            backup_s = time.perf_counter() - started
            size_mb = made.stat().st_size / 1e6
            made.unlink()
            copy_dir.rmdir()
            backing, _, failed_c = await load
            for s in screens:
                await s.ws.close()
            await asyncio.gather(*readers)
    a, b, c = summary_ms(plain), summary_ms(changing), summary_ms(backing)
    return {"issue_alone": a, "issue_with_changes": b, "issue_with_backup": c, "failed": failed_a + failed_b + failed_c,
            "issue_p50_ratio_b_over_a": b["p50"] / a["p50"], "issue_p99_ratio_b_over_a": b["p99"] / a["p99"],
            "issue_p50_ratio_c_over_a": c["p50"] / a["p50"],
            **changed, "backup_s": backup_s, "backup_mb": size_mb}


def describe(f: dict) -> str:
    return (f"issue p50 {f['issue_alone']['p50']:.1f} ms alone, x{f['issue_p50_ratio_b_over_a']:.2f} with changes "
            f"(p99 x{f['issue_p99_ratio_b_over_a']:.2f}), x{f['issue_p50_ratio_c_over_a']:.2f} with a backup; "
            f"{f['changes']} saves p50 {f['save']['p50']:.1f} ms; every screen fresh p50 "
            f"{f['all_screens_fresh']['p50']:.1f} ms, max {f['all_screens_fresh']['max']:.1f} ms; "
            f"backup {f['backup_s']:.2f} s for {f['backup_mb']:.1f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--screens", type=int, default=100)
    args = parser.parse_args(argv)
    runs = repeat_runs(args.runs, one_run, args, describe)
    median = {key: statistics.median(r[key] for r in runs) for key in
              ("issue_p50_ratio_b_over_a", "issue_p99_ratio_b_over_a", "issue_p50_ratio_c_over_a", "backup_s")}
    median["save_p50_ms"] = statistics.median(r["save"]["p50"] for r in runs)
    median["all_screens_fresh_p50_ms"] = statistics.median(r["all_screens_fresh"]["p50"] for r in runs)
    median["all_screens_fresh_max_ms"] = statistics.median(r["all_screens_fresh"]["max"] for r in runs)
    print(json.dumps({"machine": machine(), "args": vars(args), "median": median, "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
