"""local_time (one step through the zone) equals the conversion through UTC, DST folds included."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.calendar import iso_local, local_time

ZONES = ["Asia/Shanghai", "Asia/Taipei", "Asia/Hong_Kong", "Europe/London", "America/New_York", "Australia/Lord_Howe"]


@settings(max_examples=500, deadline=None)
@given(st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False), st.sampled_from(ZONES))
def test_local_time_equals_the_conversion_through_utc(ts, tz):
    through_utc = datetime.fromtimestamp(ts, UTC).astimezone(ZoneInfo(tz))
    local = local_time(ts, tz)
    assert (local, local.fold, local.utcoffset(), local.isoformat()) == (
        through_utc, through_utc.fold, through_utc.utcoffset(), through_utc.isoformat())
    assert iso_local(ts, tz) == through_utc.isoformat(timespec="milliseconds")


def test_a_dst_fold_is_kept():
    first, second = 1_699_162_200.0, 1_699_165_800.0  # 01:30 EDT and 01:30 EST on 5 Nov 2023
    assert [local_time(t, "America/New_York").fold for t in (first, second)] == [0, 1]
