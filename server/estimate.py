"""An honest estimated wait: people ahead × recent handling time ÷ windows open for the service,
shown as a range that widens when the inputs are uncertain (few recent services, no open window)."""
from __future__ import annotations

from statistics import median

from .domain.hall import HallConfig, Service
from .domain.lifecycle import Status
from .domain.model import HallState

RECENT_SERVICES = 20


def recent_handling_min(state: HallState, service: Service) -> tuple[float, int]:
    """Median handling time of the service's latest finished visits today, and how many there were."""
    done = [t for t in state.tickets.values()
            if t.status is Status.FINISHED and t.service == service.code and t.finished_at and t.called_at]
    done.sort(key=lambda t: t.finished_at, reverse=True)
    samples = [(t.finished_at - (t.started_at or t.called_at)) / 60 for t in done[:RECENT_SERVICES]]
    if not samples:
        return service.typical_handling_min, 0
    return max(median(samples), 0.5), len(samples)


def estimate_wait(state: HallState, hall: HallConfig, service_code: str, ahead: int) -> dict:
    service = hall.service(service_code)
    handling, samples = recent_handling_min(state, service)
    serving = [w for w in hall.windows_serving(service_code)]
    open_count = sum(1 for w in serving if state.window(w.number).status == "open")
    windows = max(open_count, 1)
    expected = (ahead + 0.5) * handling / windows if ahead else 0.0
    spread = 0.25 if samples >= 10 else 0.45
    if open_count == 0:
        spread += 0.5
    low = max(0, int(expected * (1 - spread)))
    high = int(expected * (1 + spread) + handling / 2 + 0.999)
    return {"expected_min": round(expected, 1), "low_min": low, "high_min": max(high, low + 1),
            "open_windows": open_count, "handling_min": round(handling, 1), "samples": samples}
