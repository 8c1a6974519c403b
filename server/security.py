"""PIN hashes, device tokens and masking of personal data. Standard library only.

- PINs are short and guessable, so they are stored as scrypt hashes (memory-hard, salted).
- Tokens are random and long; a fast hash is enough for them (see `hash_token`).
- Phone numbers, ID numbers and names are never shown in full (docs/domain.md, "Personal information").
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
_MAX_SCRYPT_N = 2**20  # refuse absurd parameters in a stored hash rather than exhaust memory

_B64 = r"[A-Za-z0-9+/]+={0,2}"
PIN_HASH_RE = re.compile(rf"^scrypt\$(\d+)\$(\d+)\$(\d+)\$({_B64})\$({_B64})$")
TOKEN_HASH_RE = re.compile(r"^sha256\$[0-9a-f]{64}$")


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    maxmem = 128 * r * n * p + 2 * 1024 * 1024  # scrypt needs 128·r·n bytes; leave headroom
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=maxmem)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_pin(pin: str) -> str:
    """`scrypt$16384$8$1$<salt b64>$<hash b64>` with a fresh 16-byte salt."""
    if not isinstance(pin, str) or not pin:
        raise ValueError("a PIN must be a non-empty string")
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def parse_pin_hash(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    """(n, r, p, salt, digest) of a well-formed PIN hash, or None."""
    match = PIN_HASH_RE.match(stored) if isinstance(stored, str) else None
    if not match:
        return None
    n, r, p = (int(g) for g in match.groups()[:3])
    if n < 2 or n & (n - 1) or n > _MAX_SCRYPT_N or not 1 <= r <= 32 or not 1 <= p <= 16:
        return None
    try:
        salt = base64.b64decode(match.group(4), validate=True)
        digest = base64.b64decode(match.group(5), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(salt) < 8 or len(digest) < 16:
        return None
    return n, r, p, salt, digest


def is_pin_hash(stored: str) -> bool:
    return parse_pin_hash(stored) is not None


def verify_pin(pin: str, stored: str) -> bool:
    """True if `pin` matches `stored`; False for a wrong PIN or a malformed hash. Constant-time compare."""
    parsed = parse_pin_hash(stored)
    if parsed is None or not isinstance(pin, str):
        return False
    n, r, p, salt, digest = parsed
    return hmac.compare_digest(_scrypt(pin, salt, n, r, p, len(digest)), digest)


def new_token(nbytes: int = 24) -> str:
    """A random URL-safe token (24 bytes = 192 bits by default)."""
    return secrets.token_urlsafe(nbytes)


class RandomPool:
    """Random bytes from the OS (the same CSPRNG as `secrets`), read a few kB at a time, each byte
    handed out once. Issuing a ticket takes two fresh random values (its tracking token and its print
    job id); `os.urandom` releases the GIL, and on a busy server every release let the writer thread's
    Python run before the ticket could go on. Used by one thread (the event loop)."""

    def __init__(self, chunk: int = 4096) -> None:
        self._chunk = chunk
        self._buffer = b""
        self._at = 0

    def take(self, nbytes: int) -> bytes:
        if self._at + nbytes > len(self._buffer):
            self._buffer, self._at = os.urandom(max(self._chunk, nbytes)), 0
        taken = self._buffer[self._at:self._at + nbytes]
        self._at += nbytes
        return taken

    def token(self, nbytes: int = 24) -> str:
        """Like `new_token`: URL-safe base64 of `nbytes` random bytes."""
        return base64.urlsafe_b64encode(self.take(nbytes)).rstrip(b"=").decode("ascii")

    def hex(self, nbytes: int) -> str:
        return self.take(nbytes).hex()


def hash_token(token: str) -> str:
    """`sha256$<hex>` of a token.

    A slow, salted hash protects low-entropy secrets (PINs, passwords) against guessing. A token
    from `new_token` carries 192 random bits: nobody can guess it, whatever the hash speed, so a
    plain SHA-256 is as safe here, and it lets the server look a device up by hash in one step
    on every connect instead of running scrypt against each stored hash.
    """
    return "sha256$" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_token_hash(stored: str) -> bool:
    return isinstance(stored, str) and TOKEN_HASH_RE.match(stored) is not None


def verify_token(token: str, stored: str) -> bool:
    """Constant-time check of a token against its stored hash."""
    if not isinstance(token, str) or not is_token_hash(stored):
        return False
    return hmac.compare_digest(hash_token(token), stored)


def _mask_middle(text: str, keep_start: int, keep_end: int) -> str:
    if len(text) <= keep_start + keep_end:
        return "*" * max(len(text) - 1, 0) + text[-1:]  # too short to keep both ends: only the last
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[len(text) - keep_end:]


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678."""
    return _mask_middle(phone.strip(), 3, 4)


def mask_id(id_number: str) -> str:
    """110105199001010123 -> 110105********0123."""
    return _mask_middle(id_number.strip(), 6, 4)


def mask_name(name: str) -> str:
    """張三豐 -> 張**, 張三 -> 張*: the first character, one star for each other one (at least one)."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
