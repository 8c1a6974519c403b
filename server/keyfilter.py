"""A Bloom filter of 16-byte keys: whether a key *may* have been added (never a false "no").

The service keeps the day's durable request ids in one (about 1.2 bytes a key, where a map entry and
its key took about 100): a "maybe" is confirmed against the `requests` table, which a retry reads
anyway for its stored answer; a false "maybe" costs that one read and nothing else.
"""
from __future__ import annotations

import struct

BITS = 1 << 23  # 1 MiB: a false "maybe" about once in 3 million at 50,000 keys a day, 1 in 50 at a million
_MASK = BITS - 1
_FOUR = struct.Struct("<4I").unpack  # a key is itself a uniform digest: its four words are the four hashes


class KeyFilter:
    __slots__ = ("bits", "count")

    def __init__(self) -> None:
        self.bits = bytearray(BITS // 8)
        self.count = 0  # keys added (for tests)

    def add(self, key: bytes) -> None:
        bits = self.bits
        for word in _FOUR(key):
            position = word & _MASK
            bits[position >> 3] |= 1 << (position & 7)
        self.count += 1

    def __contains__(self, key: bytes) -> bool:
        bits = self.bits
        for word in _FOUR(key):
            position = word & _MASK
            if not bits[position >> 3] & (1 << (position & 7)):
                return False
        return True

    def clear(self) -> None:
        self.bits = bytearray(BITS // 8)
        self.count = 0
