"""Who is calling: device tokens from the configuration, clerk and manager sessions, and the
sign-in rate limit. Secrets are only ever compared as hashes."""
from __future__ import annotations

from dataclasses import dataclass

from .domain.hall import HallConfig
from .security import hash_token


# A device's agent signs in with the device's agent token, never with the page's token.
AGENT_ROLES = {"kiosk": "print_agent", "display": "speaker_agent"}


@dataclass(frozen=True)
class Principal:
    role: str  # kiosk | display | counter | rating_pad | print_agent | speaker_agent | clerk | manager | guide
    id: str  # device id, or staff number for a session
    window: int | None = None
    zone: str | None = None
    staff: str | None = None
    session_hash: str | None = None
    green_channel: bool = False

    @property
    def is_session(self) -> bool:
        return self.session_hash is not None

    def to_dict(self) -> dict:
        return {"role": self.role, "device": None if self.is_session else self.id, "window": self.window,
                "zone": self.zone, "staff": self.staff}


@dataclass
class Session:
    token_hash: str
    role: str
    staff: str
    window: int | None
    created_at: float
    expires_at: float


class Authenticator:
    """Maps a bearer token to a Principal. Device tokens come from the hall configuration."""

    def __init__(self, hall: HallConfig):
        self.hall = hall
        self._devices = {d.token_hash: d for d in hall.devices}
        self._agents = {d.agent_token_hash: d for d in hall.devices if d.agent_token_hash}
        self.sessions: dict[str, Session] = {}

    def principal(self, token: str | None, now: float) -> Principal | None:
        if not token:
            return None
        return self.principal_for_hash(hash_token(token), now)

    def principal_for_hash(self, digest: str, now: float) -> Principal | None:
        """The principal behind a token's hash, while it is valid (a WebSocket re-checks its own)."""
        device = self._devices.get(digest)
        if device is not None:
            return Principal(role=device.kind, id=device.id, window=device.window, zone=device.zone,
                             green_channel=device.green_channel)
        agent = self._agents.get(digest)
        if agent is not None:
            return Principal(role=AGENT_ROLES[agent.kind], id=agent.id, window=agent.window, zone=agent.zone)
        session = self.sessions.get(digest)
        if session is None or session.expires_at <= now:
            return None
        return Principal(role=session.role, id=session.staff, window=session.window, staff=session.staff,
                         session_hash=digest)

    def sessions_of(self, staff: str) -> list[Session]:
        return [s for s in self.sessions.values() if s.staff == staff]

    def revoke_device(self, device_id: str) -> None:
        """A device's token stops working (a stolen kiosk PC; the token is rotated in the configuration).
        Call actions.session_end.end_lapsed afterwards to close its open sockets."""
        self._devices = {h: d for h, d in self._devices.items() if d.id != device_id}

    def forget(self, token_hashes) -> None:
        """Sessions that ended (signed out, expired): their tokens stop working at once."""
        for digest in token_hashes:
            self.sessions.pop(digest, None)

    def expired(self, now: float) -> list[Session]:
        return [s for s in self.sessions.values() if s.expires_at <= now]
