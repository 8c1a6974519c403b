"""The hub: every live connection, and the fan-out of committed events in seq order.

Publishers never await a socket: `publish` encodes each event once and offers the frame to each
subscriber's bounded queue."""
from __future__ import annotations

from ..audience import AUDIENCES, audience_of as role_audience, event_for
from ..domain.errors import DomainError
from ..domain.hall import HallConfig
from .connection import Connection, encode
from .scope import relevant

AGENT_GONE = "the print agent is not connected: tickets show on screen only"


class Hub:
    def __init__(self, hall: HallConfig, clock):
        self.hall = hall
        self.clock = clock
        self.connections: set[Connection] = set()
        self.devices: dict[str, dict] = {}  # device id -> {online, agent, printer, detail, at}
        for device in hall.devices:  # a kiosk prints only once its agent has reported
            if device.kind == "kiosk":
                self.devices[device.id] = {"device": device.id, "online": False, "agent": False,
                                           "printer": "offline", "detail": AGENT_GONE, "at": clock.now()}

    def add(self, conn: Connection) -> None:
        self.connections.add(conn)

    def remove(self, conn: Connection) -> None:
        self.connections.discard(conn)
        p = conn.principal
        if p is None or p.is_session:
            return
        if conn.printer_agent:  # the kiosk page may still be there, but nothing will print
            self.device_changed(p.id, agent=False, printer="offline", detail=AGENT_GONE)
            return
        if p.role == "print_agent":
            return  # refused before it served the printer: nothing changed
        others = [c.principal.role for c in self.connections
                  if c.principal and not c.principal.is_session and c.principal.id == p.id]
        change = {"online": any(role != "print_agent" for role in others)}
        if p.role == "speaker_agent":
            change["agent"] = "speaker_agent" in others
        self.device_changed(p.id, **change)

    def claim_printer(self, conn: Connection) -> None:
        """Make `conn` its kiosk's print agent, unless another live agent already is."""
        kiosk = conn.principal.id if conn.principal else None  # an authenticated agent always has one
        other = next((c for c in self.connections if c is not conn and c.printer_agent and not c.dropped
                      and c.principal is not None and c.principal.id == kiosk), None)
        if other is not None:
            raise DomainError("agent_already_connected",
                              f"another print agent (from {other.remote}) already serves {kiosk}'s "
                              "printer; stop it first, or wait until the server sees it gone")
        conn.printer_agent = True

    # --- events ------------------------------------------------------------------------------

    def publish(self, events: list[dict]) -> None:
        now = self.clock.now()
        for event in events:
            frames = EventFrames(event)  # encoded on demand: only for audiences with a socket that gets it
            for conn in list(self.connections):
                if conn.expires_at is not None and conn.expires_at <= now:
                    conn.end("session expired")  # never one more frame to a session that ended by time
                    continue
                if conn.scope is None or event["seq"] <= conn.min_seq:
                    continue
                if not relevant(event, conn.scope):
                    continue
                if conn.buffer is not None:
                    conn.buffer.append(event)
                    continue
                conn.offer(frames.frame(audience_of(conn)))

    def end_connections(self, token_hashes, reason: str) -> int:
        """Close (4003) every socket opened with one of these tokens; returns how many."""
        ended = [c for c in list(self.connections) if c.token_hash is not None and c.token_hash in token_hashes]
        for conn in ended:
            conn.end(reason)
        return len(ended)

    def send_to_device(self, device_id: str, message: dict) -> None:
        frame = None  # encoded only if the device's agent is connected (a print job is a few kB of JSON)
        for conn in list(self.connections):
            p = conn.principal
            if p is not None and p.id == device_id and not p.is_session and conn.printer_agent:
                frame = frame or encode(message)
                conn.offer(frame)

    def broadcast(self, message: dict) -> None:
        frame = encode(message)
        for conn in list(self.connections):
            if conn.scope is not None:
                conn.offer(frame)

    # --- devices -------------------------------------------------------------------------------

    def device_changed(self, device_id: str, **change) -> None:
        entry = self.devices.setdefault(device_id, {"device": device_id, "online": False, "agent": None,
                                                    "printer": None, "detail": ""})
        entry.update(change, at=self.clock.now())
        self.broadcast({"type": "device_status", **entry})

    def device_list(self) -> list[dict]:
        known = {d.id: d.kind for d in self.hall.devices}
        return [{"device": d, "kind": kind, **{k: v for k, v in self.devices.get(d, {}).items() if k != "device"}}
                | {"online": self.devices.get(d, {}).get("online", False)} for d, kind in known.items()]


class EventFrames:
    """One event's frames, each encoded at most once and only when an audience first needs it,
    with only what that audience may receive (server/audience.py). An event published while no
    socket of an audience is open is never encoded for it."""

    __slots__ = ("event", "frames", "encoded")

    def __init__(self, event: dict) -> None:
        self.event = event
        self.frames: dict[str, str] = {}
        self.encoded: list[tuple[dict, str]] = []  # audiences whose cut is the same object share one encoding

    def frame(self, audience: str) -> str:
        frame = self.frames.get(audience)
        if frame is None:
            cut = event_for(self.event, audience)
            frame = next((f for c, f in self.encoded if c is cut), None)
            if frame is None:
                frame = encode({"type": "event", "seq": self.event["seq"], "event": cut})
                self.encoded.append((cut, frame))
            self.frames[audience] = frame
        return frame


def event_frame(event: dict, audience: str) -> str:
    return EventFrames(event).frame(audience)


def _frames(event: dict) -> dict[str, str]:
    """The event encoded for every audience."""
    frames = EventFrames(event)
    return {audience: frames.frame(audience) for audience in AUDIENCES}


def audience_of(conn: Connection) -> str:
    return role_audience(conn.principal.role if conn.principal is not None else None)
