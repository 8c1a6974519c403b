"""A busy day in the hall, compressed, with faults on purpose; then the invariants.

    .venv/bin/python -m bench.simulate_day                 # 40 windows, 20 displays, 6 kiosks, 8,000 tickets
    .venv/bin/python -m bench.simulate_day --short         # 8 windows, 4 displays, 2 kiosks, 300 tickets, 1 kill

The server runs as its own process (`hallq serve` on bench/sim_hall.toml) and is SIGKILLed and
restarted during the day; clerks, kiosks, rating pads, displays, speakers and print agents talk to it
over real HTTP and WebSocket connections. Exits 1 when any invariant fails. docs/reliability.md.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bench.sim.day import Options, simulate

SHORT = dict(windows=8, displays=4, kiosks=2, tickets=300, speedup=2000.0, kills=1, day_turn=False)


def parse(argv: list[str] | None) -> Options:
    p = argparse.ArgumentParser(prog="simulate_day", description=__doc__.splitlines()[0])
    p.add_argument("--windows", type=int, help="staffed windows, 1-40 (default 40)")
    p.add_argument("--displays", type=int, help="hall displays, 1-20 (default 20)")
    p.add_argument("--kiosks", type=int, help="kiosks, 1-6 (default 6)")
    p.add_argument("--tickets", type=int, help="tickets in the day (default 8000)")
    p.add_argument("--speedup", type=float, help="simulated seconds per wall second (default 120: 9 h in 4.5 min)")
    p.add_argument("--kills", type=int, help="SIGKILLs of the server at random moments (default 3)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--speakers", type=int, default=2, help="speaker agents (default 2)")
    p.add_argument("--no-day-turn", action="store_true", help="do not end the day with the business day's turn")
    p.add_argument("--no-faults", action="store_true", help="no stalled display, offline printer, flaky clerk")
    p.add_argument("--short", action="store_true", help="the shortened day the test suite runs")
    p.add_argument("--workdir", help="folder for the database, config and server log (default var/sim/run-*)")
    a = p.parse_args(argv)
    opts = Options(**SHORT) if a.short else Options()
    for name in ("windows", "displays", "kiosks", "tickets", "speedup", "kills"):
        if getattr(a, name) is not None:
            setattr(opts, name, getattr(a, name))
    opts.seed, opts.speakers, opts.faults = a.seed, a.speakers, not a.no_faults
    opts.day_turn = opts.day_turn and not a.no_day_turn
    opts.workdir = Path(a.workdir) if a.workdir else None
    if not (1 <= opts.windows <= 40 and 1 <= opts.displays <= 20 and 1 <= opts.kiosks <= 6):
        p.error("windows 1-40, displays 1-20, kiosks 1-6 (bench/sim_hall.toml)")
    return opts


def report(run, checks) -> str:
    rec = run.record
    lines = ["", "INVARIANTS", "-" * 100]
    for c in checks:
        lines.append(f"{'PASS' if c.ok else 'FAIL'}  {c.name}")
        lines.append(f"      {c.detail}")
    a = rec.acked
    figures = [
        ("wall time", f"{run.wall_s:.1f} s for a 9 h day"),
        ("tickets", f"{len([r for r in rec.tickets.values() if r.day == run.day])} issued "
                    f"({a['check_in']} appointment check-ins of {rec.bookings} bookings, "
                    f"{sum(1 for r in rec.tickets.values() if r.channel == 'green')} green channel)"),
        ("clerk actions", f"{a['call']} calls ({a['callback']} call-backs), {a['recall']} recalls, "
                          f"{a['start']} starts, {a['finish']} finishes, {a['no_show']} no-shows, "
                          f"{a['transfer']} transfers, {a['suspend']} suspends, {a['resume']} resumes, "
                          f"{a['pause']} pauses"),
        ("ratings", f"{a['rating']} ({dict(rec.ratings)})"),
        ("outcomes", str(dict(rec.outcomes))),
        ("refused (domain)", str(dict(rec.refused.most_common(8)))),
        ("HTTP", f"{run.stats.requests} requests, {run.stats.retries} retries"),
        ("events", f"{run.final_seq} events, {sum(len(d.seqs) for d in run.displays)} delivered to displays"),
        ("faults", "; ".join(run.fault_log + [f"{run.server.kills} SIGKILLs"])),
    ]
    if run.flaky:
        figures.append(("flaky clerk", f"{run.flaky.dropped_before} requests refused, "
                                       f"{run.flaky.dropped_after} answers lost, all retried"))
    lines += ["", "FIGURES", "-" * 100] + [f"{k:<18} {v}" for k, v in figures]
    failed = sum(not c.ok for c in checks)
    lines += ["", f"{len(checks) - failed}/{len(checks)} invariants hold" + (f", {failed} FAILED" if failed else "")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s", force=True)
    logging.getLogger("hallq").setLevel(logging.ERROR)  # the print agents log each offline job
    opts = parse(argv)
    run, checks = asyncio.run(simulate(opts, progress=lambda m: print(m, flush=True)))
    print(report(run, checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
