"""An honest estimated wait, from recent handling times, the queue ahead and the windows open.

Model (measured by bench/bench_estimate.py, docs/benchmarks-kiosk.md):
- Each ticket occupies a window for a *cycle*: call → finish (walking + handling), the median of
  the service's latest finished visits today (`recent`), or typical_handling_min + 1 min walking
  while there are fewer than `min_samples`.
- A window serving several services shares its time between them in proportion to the work
  queued for each (its waiting tickets × their cycle); `service_order` windows give the services
  earlier in their list a larger share. The service's call rate is the sum of those shares ÷ cycle.
  A paused window counts at half (breaks end); a closed one not at all.
- The wait for `ahead` people is about (ahead + ½) ÷ rate. The range is that ± the spread of the
  time for ahead + 1 departures (√n ÷ rate) and the model's own uncertainty, so it widens with few
  samples, few windows or none open.
"""
from __future__ import annotations

import math

from .domain.hall import EstimateRules, HallConfig, Service, Window
from .domain.model import HallState

RECENT_SERVICES = EstimateRules.recent  # the defaults; a hall's own come from hall.estimate ([server] settings)
MIN_SAMPLES = EstimateRules.min_samples
WALK_MIN = 1.0
MODEL_SPREAD = 0.1  # relative uncertainty of the sharing model itself
LOW_Z, HIGH_Z = 1.0, 1.2  # waits are skewed: late more often than early


def recent_cycle_min(state: HallState, service: Service, recent: int = RECENT_SERVICES,
                     min_samples: int = MIN_SAMPLES) -> tuple[float, float, int]:
    """(cycle minutes, handling minutes, samples) from the service's latest finished visits today."""
    return all_cycles(state, (service,), recent, min_samples)[service.code]


def all_cycles(state: HallState, services, recent: int = RECENT_SERVICES,
               min_samples: int = MIN_SAMPLES) -> dict[str, tuple[float, float, int]]:
    """recent_cycle_min for many services, from the state's index of finishes: the medians are kept
    until the service's next finish, so an issue costs the same at the day's 30,000th ticket."""
    cycles = {}
    finishes = state.finishes
    for service in services:
        samples = min(recent, finishes.count(service.code))
        if samples < min_samples:
            typical = service.typical_handling_min
            cycles[service.code] = (typical + WALK_MIN, typical, samples)
            continue
        cycle, handling, samples = finishes.medians(service.code, recent)
        cycles[service.code] = (max(cycle, 0.5), max(handling, 0.5), samples)
    return cycles


def recent_handling_min(state: HallState, service: Service) -> tuple[float, int]:
    """Median handling time of the service's latest finished visits today, and how many there were."""
    _, handling, samples = recent_cycle_min(state, service, min_samples=1)
    return (handling, samples) if samples else (service.typical_handling_min, 0)


def _waiting_counts(state: HallState) -> dict[str, int]:
    """Unpinned waiting tickets per queue (from the waiting index)."""
    return {code: len(order) for code, order in state.order.queues.items() if len(order)}


def window_share(window: Window, service_code: str, work: dict[str, float]) -> float:
    """The part of this window's time that goes to `service_code` while its queues stay as they are."""
    weights = {}
    for position, code in enumerate(window.services):
        bias = 1.0 if window.policy.mode == "longest_wait" else 2.0 ** -position
        weights[code] = work.get(code, 0.0) * bias
    total = sum(weights.values())
    return weights.get(service_code, 0.0) / total if total > 0 else 1.0


def estimate_wait(state: HallState, hall: HallConfig, service_code: str, ahead: int) -> dict:
    # only the services that share a window with this one weigh in (see window_share)
    services = hall.services_sharing_windows(service_code)
    cycles = all_cycles(state, services, hall.estimate.recent, hall.estimate.min_samples)
    counts = {s.code: state.queue_length(s.code) for s in services}
    return _estimate(state, hall, service_code, ahead, cycles, counts)


def hall_estimates(state: HallState, hall: HallConfig) -> dict[str, dict]:
    """The estimate a ticket issued now would get, for every service."""
    cycles = all_cycles(state, hall.services, hall.estimate.recent, hall.estimate.min_samples)
    counts = _waiting_counts(state)
    return {s.code: _estimate(state, hall, s.code, counts.get(s.code, 0), cycles, counts) for s in hall.services}


def _estimate(state: HallState, hall: HallConfig, service_code: str, ahead: int,
              cycles: dict[str, tuple[float, float, int]], counts: dict[str, int]) -> dict:
    cycle, handling, samples = cycles[service_code]
    # the work queued per service, counting the newcomer's own visit
    work = {code: counts.get(code, 0) * cycles[code][0] for code in cycles}
    work[service_code] = (ahead + 1) * cycle
    serving = hall.windows_serving(service_code)
    capacity, open_count, idle = 0.0, 0, False
    for window in serving:
        status = state.window(window.number).status
        if status == "closed":
            continue
        weight = 1.0 if status == "open" else 0.5
        open_count += status == "open"
        idle = idle or (status == "open" and state.in_hand(window.number) is None)
        capacity += weight * window_share(window, service_code, work)
    if ahead == 0 and idle:
        expected, sd = 0.0, cycle / 4
    else:
        rate = max(capacity, 0.25) / cycle  # calls per minute; no window open: a pessimistic guess
        expected = (ahead + 0.5) / rate
        relative = MODEL_SPREAD + 0.5 / math.sqrt(samples + 1) + (0.5 if open_count == 0 else 0.0)
        sd = math.sqrt((ahead + 1) / rate ** 2 + (relative * expected) ** 2)
    low = max(0, math.floor(expected - LOW_Z * sd))
    high = max(math.ceil(expected + HIGH_Z * sd), low + 1)
    return {"expected_min": round(expected, 1), "low_min": low, "high_min": high,
            "open_windows": open_count, "handling_min": round(handling, 1), "samples": samples}
