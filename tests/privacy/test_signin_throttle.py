"""Finding 3: sign-in throttling protects staff. Wrong PINs from anywhere never lock the clerk out at
their own counter; changing the source does not escape the per-staff delay; the delay grows and is
bounded; known and unknown staff numbers answer in the same time; every failure is audited."""
from __future__ import annotations

import statistics
import time

from server import appkeys as K
from server.ratelimit import GrowingDelay
from server.store.audit import audit_rows
from tests.privacy.kit import MANAGER, table_dump

TABLES = ("events", "sessions")


async def attempt(hall, staff: str, pin: str, device: str | None = None, forwarded: str | None = None):
    headers = {"Authorization": f"Bearer {hall.device_token(device)}"} if device else {}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded  # a changed source address (ignored: the limit is per staff)
    async with hall.session.post(hall.url("/api/sessions"), json={"staff": staff, "pin": pin}, headers=headers) as resp:
        return resp.status, await resp.json()


def test_growing_delay_is_bounded_and_forgets_on_success():
    limiter = GrowingDelay(free=3, max_delay_s=60)
    assert [limiter.delay_after(n) for n in range(0, 11)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    for _ in range(12):
        limiter.failed("k", 100.0)
    assert limiter.retry_after("k", 100.0) == 60 and limiter.retry_after("k", 160.0) is None
    limiter.succeeded("k")
    assert limiter.failures("k") == 0 and limiter.retry_after("k", 100.0) is None


async def test_wrong_pins_elsewhere_never_lock_the_clerk_out_at_their_counter(hall):
    clerk = hall.clerk_for(3)
    db = hall.app[K.SERVICE].writer.path
    before = table_dump(db, *TABLES)
    for i in range(40):  # an attacker at a hall PC (no device), then at another window's counter
        status, body = await attempt(hall, clerk, f"00{i:04d}", device=None if i % 2 else hall.counter_for(9))
        assert status in (401, 429), body
    status, body = await attempt(hall, clerk, "000000", forwarded=f"10.0.0.{99}")
    assert status == 429 and body["error"]["code"] == "too_many_attempts"  # a new address escapes nothing
    assert table_dump(db, *TABLES) == before  # nothing signed in, nothing changed
    status, body = await attempt(hall, clerk, hall.creds["staff"][clerk], device=hall.counter_for(3))
    assert status == 200, body  # the clerk at the counter of window 3 signs in at once


async def test_own_counter_gets_a_short_growing_delay_not_a_lockout(hall):
    clerk, counter = hall.clerk_for(3), hall.counter_for(3)
    free = hall.settings.server.signin_max_failures
    for _ in range(free):
        assert (await attempt(hall, clerk, "999999", counter))[0] == 401
    waits = []
    for _ in range(3):
        status, body = await attempt(hall, clerk, hall.creds["staff"][clerk], counter)
        assert status == 429
        waits.append(body["error"]["details"]["retry_after_s"])
        hall.clock.advance(waits[-1])
        assert (await attempt(hall, clerk, "999999", counter))[0] == 401
    assert waits == [1, 2, 4]
    hall.clock.advance(hall.settings.server.signin_lockout_s)
    assert (await attempt(hall, clerk, hall.creds["staff"][clerk], counter))[0] == 200


async def test_failures_are_audited_for_known_and_unknown_numbers(hall):
    await attempt(hall, MANAGER, "999999")
    await attempt(hall, "no-such-staff", "123456", device="kiosk-1")
    rows = await hall.app[K.SERVICE].reader.run(audit_rows, None, None, "sign_in_failed")
    assert {(r["actor"], r["device"]) for r in rows} >= {(MANAGER, "address:127.0.0.1"), ("no-such-staff", "kiosk-1")}


async def test_known_and_unknown_staff_numbers_take_the_same_time(hall):
    """A/B inside one run, interleaved, each number tried twice (under the free failures), medians
    compared as a ratio: before the dummy hash, unknown numbers answered ~40 times faster."""
    known = [s.number for s in hall.settings.hall.staff][:16]
    unknown = [f"77{i:02d}" for i in range(16)]
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for k, u in zip(known, unknown, strict=True):
        pair = (("known", k), ("unknown", u))
        for label, number in pair if len(times["known"]) % 2 else pair[::-1]:
            start = time.perf_counter()
            status, body = await attempt(hall, number, "000000")
            times[label].append(time.perf_counter() - start)
            assert status == 401 and body["error"]["code"] == "unauthorized"
            hall.clock.advance(hall.settings.server.signin_lockout_s)  # this address's own delay has passed
    ratio = statistics.median(times["known"]) / statistics.median(times["unknown"])
    print(f"sign-in with a wrong PIN, median known/unknown = {ratio:.2f}")
    assert 0.5 < ratio < 2.0, times  # a leak shows as ~40 (scrypt against no scrypt); noise stays near 1


async def test_a_pc_away_from_the_counters_cannot_test_a_clerks_pin(hall):
    """A clerk signs in only at a counter: from anywhere else the answer is the one an unknown
    number or a wrong PIN gets, whatever the PIN, and it counts as a failure (throttled, audited)."""
    clerk = hall.clerk_for(3)
    answers = [await attempt(hall, clerk, pin, device=device)
               for pin in (hall.creds["staff"][clerk], "999999") for device in (None, "kiosk-1")]
    _, unknown = await attempt(hall, "no-such-staff", "123456")
    assert {(status, body["error"]["code"], body["error"]["message"]) for status, body in answers} == {
        (401, "unauthorized", unknown["error"]["message"])}
    rows = await hall.app[K.SERVICE].reader.run(audit_rows, None, None, "sign_in_failed")
    assert len(rows) == 5
    status, _ = await attempt(hall, clerk, hall.creds["staff"][clerk], device=hall.counter_for(3))
    assert status == 200  # and the clerk's own counter is not delayed by them
