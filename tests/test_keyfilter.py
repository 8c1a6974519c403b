"""The filter of the day's durable request ids: never a false "no"; a false "maybe" is rare and costs
only a read of the store (the request then runs as the new request it is)."""
from __future__ import annotations

import hashlib

from server import appkeys as K
from server.keyfilter import KeyFilter
from server.service import _memory_key


def key(n: int) -> bytes:
    return hashlib.blake2b(str(n).encode(), digest_size=16).digest()


def test_every_added_key_is_found_and_few_others_are():
    keys = KeyFilter()
    for n in range(50_000):
        keys.add(key(n))
    assert all(key(n) in keys for n in range(50_000))
    false = sum(key(n) in keys for n in range(50_000, 150_000))
    assert false <= 5  # about 3e-7 each at this size
    keys.clear()
    assert key(1) not in keys and keys.count == 0


async def test_a_false_maybe_runs_the_request_as_new(hall):
    service = hall.app[K.SERVICE]
    service.durable.add(_memory_key("kiosk-1|never-sent"))  # as if the filter said "maybe" by chance
    status, first = await hall.issue("invoice", request_id="never-sent")
    assert status == 200 and len(service.state.tickets) == 1
    status, again = await hall.issue("invoice", request_id="never-sent")  # now a real retry
    assert status == 200 and again == first and len(service.state.tickets) == 1


async def test_a_retry_after_a_restart_is_answered_from_the_store(hall):
    status, first = await hall.issue("invoice", request_id="r-9")
    assert status == 200
    service = hall.app[K.SERVICE]
    await service.load()  # what a restart does: the filter is filled from the requests table
    assert not service.pending and _memory_key("kiosk-1|r-9") in service.durable
    status, again = await hall.issue("invoice", request_id="r-9")
    assert status == 200 and again == first and len(service.state.tickets) == 1
    status, other = await hall.issue("tax_filing", request_id="r-9")
    assert status == 409 and other["error"]["code"] == "request_conflict"
