"""Sign-in throttling that protects staff instead of locking them out.

- Wrong PINs are counted per staff number, whatever address or device they come from (changing
  the source does not reset anything), and each attempt after `free` failures waits a growing delay
  (1 s, 2 s, 4 s ... at most signin_lockout_s): guessing a PIN becomes slow, nobody is locked out.
- A clerk's own counter terminal (a counter of one of the clerk's windows) counts apart: wrong PINs
  typed elsewhere never delay the clerk at the counter.
- Failures from one source (a device, or an address without a device token) are counted too, so
  one PC cannot try one PIN against every staff number.
- Known and unknown staff numbers cost the same: an unknown number is checked against a dummy hash
  with the same scrypt parameters, and both answers write the same audit row.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..auth import Principal
from ..domain.errors import DomainError
from ..domain.hall import Staff
from ..ratelimit import GrowingDelay
from ..security import hash_pin, new_token


@dataclass
class SignInGuard:
    limiter: GrowingDelay
    _dummy_hash: str | None = field(default=None, repr=False)

    def dummy_hash(self) -> str:
        """A PIN hash nobody's PIN matches, made on first use (one scrypt, not at every start)."""
        if self._dummy_hash is None:
            self._dummy_hash = hash_pin(new_token())
        return self._dummy_hash

    def keys(self, number: str, staff: Staff | None, device: Principal | None, remote: str) -> list[str]:
        if device is not None and own_counter(staff, device):
            return [f"staff:{number}@{device.id}"]
        source = f"device:{device.id}" if device is not None else f"address:{remote}"
        return [f"staff:{number}", f"from:{source}"]

    def check(self, keys: list[str], now: float) -> None:
        waits = [w for w in (self.limiter.retry_after(k, now) for k in keys) if w is not None]
        if waits:
            wait = max(waits)
            raise DomainError("too_many_attempts", f"too many wrong PINs; try again in {wait} s", retry_after_s=wait)

    def failed(self, keys: list[str], now: float) -> None:
        for key in keys:
            self.limiter.failed(key, now)

    def succeeded(self, keys: list[str]) -> None:
        for key in keys:
            self.limiter.succeeded(key)


def own_counter(staff: Staff | None, device: Principal | None) -> bool:
    """The counter terminal of one of this clerk's windows."""
    return (staff is not None and staff.role == "clerk" and device is not None and device.role == "counter"
            and device.window in staff.windows)
