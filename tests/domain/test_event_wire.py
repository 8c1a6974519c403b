"""Event.to_dict (a flat copy, on the command path) equals dataclasses.asdict for every event type."""
from __future__ import annotations

from dataclasses import asdict

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.events import EVENT_TYPES, Event

ANY_EVENT = st.one_of(*(st.builds(cls, at=st.floats(allow_nan=False)) for cls in EVENT_TYPES.values()))


@settings(max_examples=300, deadline=None)
@given(ANY_EVENT)
def test_to_dict_is_asdict_and_round_trips(event):
    wire = event.to_dict()
    assert wire == {"type": event.TYPE, **asdict(event)}
    assert Event.from_dict(wire) == event
    for name, value in wire.items():
        if isinstance(value, list):
            value.append("changed")  # the wire form is a copy: the event keeps its own lists
            assert getattr(event, name) != value
