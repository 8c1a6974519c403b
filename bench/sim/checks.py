"""The invariants, checked against the simulator's own record of acknowledged actions."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .record import FINAL

CALLS = ("ticket_called", "ticket_recalled")
RELEASE = ("service_finished", "ticket_no_show", "ticket_suspended", "ticket_transferred", "ticket_cancelled",
           "ticket_walked_out")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def run_checks(run) -> list[Check]:
    ref = run.displays[0] if run.displays else None
    events = ref.events if ref else {}
    checks = [
        final_states(run),
        *acknowledged_events(run, events),
        one_window_per_call(run, events),
        displays_gapless(run),
        announcements(run, events),
        prints(run),
        resynchronised(run),
        no_server_errors(run),
        *statistics(run),
    ]
    if run.opts.day_turn:
        checks.append(day_turn(run))
    return checks


def final_states(run) -> Check:
    rec_day = [r for r in run.record.tickets.values() if r.day == run.day]
    missing = [r.label for r in rec_day if r.id not in run.server_tickets]
    wrong = [f"{r.label}: ours {r.status}, server {run.server_tickets[r.id]['status']}" for r in rec_day
             if r.id in run.server_tickets and run.server_tickets[r.id]["status"] != r.status]
    open_ = [r.label for r in rec_day if r.status not in FINAL]
    counts = Counter(r.status for r in rec_day)
    ok = not (missing or wrong or open_) and bool(rec_day)
    detail = f"{len(rec_day)} tickets: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    for label, items in (("missing", missing), ("different", wrong), ("still open", open_)):
        if items:
            detail += f"; {len(items)} {label}, e.g. {items[:3]}"
    return Check("every issued ticket ends in exactly one final state", ok, detail)


def acknowledged_events(run, events: dict) -> list[Check]:
    """Each acknowledged action is in the event log exactly once: none lost, none doubled by a retry."""
    day_events = Counter(e["type"] for e in events.values() if e.get("day") == run.day)
    a, did = run.record.acked, run.record.day_end_did
    rec_day = [r for r in run.record.tickets.values() if r.day == run.day]
    expected = {
        "ticket_issued": len(rec_day),
        "appointment_checked_in": sum(1 for r in rec_day if r.appointment),
        "ticket_called": a["call"], "ticket_recalled": a["recall"], "service_started": a["start"],
        "service_finished": a["finish"] + did["finished"], "ticket_no_show": a["no_show"] + did["no_show"],
        "ticket_suspended": a["suspend"], "ticket_resumed": a["resume"], "ticket_transferred": a["transfer"],
        "ticket_cancelled": sum(1 for r in rec_day if r.status == "cancelled"),
        "ticket_walked_out": did["walked_out"], "visit_rated": a["rating"],
        "window_paused": a["pause"], "window_resumed": a["resume_window"],
    }
    diff = {k: (v, day_events[k]) for k, v in expected.items() if day_events[k] != v}
    total = sum(expected.values())
    listed = ", ".join(f"{k.replace('ticket_', '')} {v}" for k, v in expected.items() if v)
    detail = f"{total} acknowledged actions vs {sum(day_events[k] for k in expected)} events ({listed})"
    if diff:
        detail += f"; differ (ours, server): {diff}"
    return [Check("every acknowledged action is there once (no loss, no duplicate from retries)", not diff, detail)]


def one_window_per_call(run, events: dict) -> Check:
    held: dict[int, int] = {}
    bad = list(run.record.double_calls)
    calls = 0
    for seq in sorted(events):
        e = events[seq]
        tid = (e.get("ticket") or {}).get("id") or e.get("ticket_id")
        if e["type"] == "ticket_called":
            calls += 1
            if tid in held and held[tid] != e["window"]:
                bad.append(f"seq {seq}: {e['ticket']['label']} called at {e['window']} while held by {held[tid]}")
            held[tid] = e["window"]
        elif e["type"] in RELEASE:
            held.pop(tid, None)
    return Check("no ticket was ever called at two windows", not bad,
                 f"{calls} calls checked" + (f"; {len(bad)} violations, e.g. {bad[:3]}" if bad else ""))


def displays_gapless(run) -> Check:
    want = list(range(1, run.final_seq + 1))
    bad = [f"{d.name}: {len(d.seqs)} events, gaps {d.gaps[:2]}, repeats {d.repeats}" for d in run.displays
           if d.seqs != want or d.gaps or d.repeats]
    ref = run.displays[0].types if run.displays else {}
    differ = [d.name for d in run.displays[1:] if d.types != ref]
    frames = sum(len(d.seqs) for d in run.displays)
    return Check("every display received every event (every call), in order, no gaps", not bad and not differ,
                 f"{len(run.displays)} displays x {run.final_seq} events = {frames} delivered"
                 + (f"; {bad[:3]}" if bad else "") + (f"; content differs: {differ}" if differ else ""))


def announcements(run, events: dict) -> Check:
    want = [s for s in sorted(run.displays[0].types) if run.displays[0].types[s] in CALLS] if run.displays else []
    bad = []
    skipped = 0
    for agent, sink in zip(run.speakers, run.sinks, strict=False):
        # every call reached the speaker: played once, in order, or left unspoken by the stale-call
        # and backlog policy (display/speaker.py), never lost and never played twice
        heard = agent.played_seqs + [seq for seq, _ in agent.skipped]
        skipped += len(agent.skipped)
        if sorted(heard) != want or agent.played_seqs != sorted(set(agent.played_seqs)):
            extra = Counter(heard) - Counter(want)
            miss = Counter(want) - Counter(heard)
            bad.append(f"speaker heard {len(heard)}/{len(want)}, missing {list(miss)[:3]}, "
                       f"extra {list(extra)[:3]}")
        if sink.overlaps:
            bad.append(f"{sink.overlaps} overlapping plays")
    return Check("every call reached every speaker once, played in order or skipped by the policy", not bad,
                 f"{len(run.speakers)} speakers x {len(want)} calls and recalls, {skipped} skipped"
                 + (f"; {bad}" if bad else ""))


def prints(run) -> Check:
    jobs = [r for r in run.record.tickets.values() if r.print_job]
    printed = failed = 0
    bad = []
    for r in jobs:
        p = run.printers[r.kiosk]
        n = p.printed.get(r.print_job, 0)
        printed += n == 1
        failed += r.print_job in p.refused
        if n > 1:
            bad.append(f"{r.label} printed {n} times")
        if n == 0 and r.print_job not in p.refused:
            bad.append(f"{r.label} never reached its printer")
    return Check("every kiosk ticket printed once (or failed while its printer was offline)", not bad,
                 f"{len(jobs)} print jobs: {printed} printed, {failed} failed offline"
                 + (f"; {len(bad)} problems, e.g. {bad[:3]}" if bad else ""))


def resynchronised(run) -> Check:
    kills = run.server.kills
    # a display that stalled may sleep through several restarts and reconnect once after them
    lagging = [d.name for d in run.displays if d.connections < (min(kills, 1) if d.stall else kills) + 1]
    lagging += [f"speaker-{i + 1}" for i, a in enumerate(run.speakers) if a.connections < kills + 1]
    lagging += [f"kiosk agent {i + 1}" for i, a in enumerate(run.agents) if a.sessions < kills + 1]
    replays = sum(d.replays for d in run.displays)
    stalled = [f"{d.name} dropped by the server {d.dropped_by_server}x" for d in run.displays if d.stall]
    return Check("displays and agents resynchronised by themselves after each restart", not lagging,
                 f"{kills} SIGKILLs, restarts {', '.join(f'{s:.1f}' for s in run.server.restart_s)} s; "
                 f"{replays} display replays; {stalled}" + (f"; did not reconnect: {lagging}" if lagging else ""))


def no_server_errors(run) -> Check:
    s = run.stats
    fives = {k: v for k, v in s.status.items() if k >= 500}
    ok = not fives and not s.gave_up and not run.errors
    return Check("no 5xx, no request left unanswered", ok,
                 f"{s.requests} requests, {s.retries} retries, statuses {dict(sorted(s.status.items()))}"
                 + (f"; gave up {s.gave_up}" if s.gave_up else "") + (f"; {run.errors[:3]}" if run.errors else ""))


def statistics(run) -> list[Check]:
    rec = run.record
    rec_day = [r for r in rec.tickets.values() if r.day == run.day]
    ours = {"issued": len(rec_day), "served": sum(1 for r in rec_day if r.status == "finished"),
            "walk_outs": sum(1 for r in rec_day if r.status == "walked_out"),
            "cancelled": sum(1 for r in rec_day if r.status == "cancelled"),
            "transfers": rec.acked["transfer"], "rated": rec.acked["rating"], "recalls": rec.acked["recall"],
            "suspends": rec.acked["suspend"], "green": sum(1 for r in rec_day if r.channel == "green"),
            "no_show_marks": rec.acked["no_show"] + rec.day_end_did["no_show"]}
    waits = [w for w in rec.served_waits if w is not None]
    our_wait = sum(waits) / len(waits) if waits else None
    if run.server_stats is None:
        return [Check("statistics equal the simulator's own figures", False, "GET /api/stats did not answer")]
    group = (run.server_stats.get("groups") or [{}])[0]
    counts = group.get("counts", {})
    diff = {k: (v, counts.get(k)) for k, v in ours.items() if counts.get(k) != v}
    theirs_wait = (group.get("wait_served") or {}).get("mean_s")
    wait_ok = (our_wait is None and theirs_wait is None) or (
        our_wait is not None and theirs_wait is not None and abs(our_wait - theirs_wait) <= max(0.05, 0.005 * our_wait))
    detail = ", ".join(f"{k} {v}" for k, v in ours.items())
    detail += (f"; mean wait (served) ours {our_wait:.2f} s, server {theirs_wait:.2f} s" if our_wait and theirs_wait
               else f"; mean wait ours {our_wait}, server {theirs_wait}")
    if diff:
        detail += f"; differ (ours, server): {diff}"
    return [Check("statistics (GET /api/stats) equal the simulator's own figures", not diff and wait_ok, detail)]


def day_turn(run) -> Check:
    did = run.record.day_end_did
    labels = run.record.new_day_labels
    first = {}
    for service, label in labels:
        first.setdefault(service, label)
    restarted = bool(labels) and all(label.endswith("001") for label in first.values())
    ok = restarted and run.clerk_after_turn == 401 and run.new_day is not None and run.new_day > run.day
    return Check("the day's turn during activity: walk-outs, numbers restart, sessions end", ok,
                 f"{run.day} -> {run.new_day}: {dict(did)}; first new-day tickets {sorted(set(first.values()))}; "
                 f"a clerk's old session now gets {run.clerk_after_turn}")
