"""A Bloom filter of 16-byte keys: whether a key *may* have been added (never a false "no").

The service keeps the day's durable request ids in one (about 1.2 bytes a key, where a map entry and
its key took about 100): a "maybe" is confirmed against the `requests` table, which a retry reads
anyway for its stored answer; a false "maybe" costs that one read and nothing else.
"""
from __future__ import annotations

BITS = 1 << 23  # 1 MiB: a false "maybe" about once in 10^8 at 50,000 keys a day, 1 in 60 at a million
HASHES = 5


class KeyFilter:
    __slots__ = ("bits", "count")

    def __init__(self) -> None:
        self.bits = bytearray(BITS // 8)
        self.count = 0  # keys added (for the health figures and tests)

    def add(self, key: bytes) -> None:
        bits = self.bits
        for position in _positions(key):
            bits[position >> 3] |= 1 << (position & 7)
        self.count += 1

    def __contains__(self, key: bytes) -> bool:
        bits = self.bits
        return all(bits[position >> 3] & (1 << (position & 7)) for position in _positions(key))

    def clear(self) -> None:
        self.bits = bytearray(BITS // 8)
        self.count = 0


def _positions(key: bytes) -> list[int]:
    """HASHES bit positions from a key that is itself a uniform digest (double hashing)."""
    first, step = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:16], "little") | 1
    return [(first + i * step) % BITS for i in range(HASHES)]
