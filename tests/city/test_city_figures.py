"""The city's figures for a hall's day equal the hall's own, and the dashboard's API: sign-in, every
hall live, drill-down, comparisons, daily and monthly reports, CSV, bad input."""
from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from city.app import CityConfig, create_city_app
from server.stats.demo_data import generate, plans
from tests.city.citytools import until
from tests.city.conftest import MANAGER_LOGIN, MANAGER_PIN
from tests.city.test_city_link import hall_events, manager_token, some_actions

DAY = "2026-11-24"  # a generated busy day; the clock's today (25 Nov) gets real actions on top


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "hallq.db"
    generate(str(path), plans(DAY, 1, 400, seed=11, tz="Asia/Shanghai"))
    return path


class CityClient:
    def __init__(self, server: TestServer, session: aiohttp.ClientSession) -> None:
        self.server, self.session, self.token = server, session, None

    async def call(self, method: str, path: str, json=None, token: str | None = "default"):
        token = self.token if token == "default" else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.session.request(method, self.server.make_url(path), json=json, headers=headers) as resp:
            if resp.content_type == "text/csv":
                return resp.status, await resp.text()
            return resp.status, await resp.json(content_type=None)

    async def sign_in(self) -> None:
        status, body = await self.call("POST", "/api/sessions", {"login": MANAGER_LOGIN, "pin": MANAGER_PIN}, None)
        assert status == 200, body
        self.token = body["token"]


@pytest.fixture
async def city(city_db, tmp_path, clock):
    app = create_city_app(CityConfig(dsn=city_db.dsn("hallq_city"), cache_dir=str(tmp_path / "city-cache"),
                                     sync_s=0.05, summary_s=0), clock=clock)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        client = CityClient(server, session)
        await client.sign_in()
        yield client
    await server.close()


async def mirrored(city, hall_id: str, seq: int) -> bool:
    status, body = await city.call("GET", "/api/halls")
    assert status == 200, body
    row = next((h for h in body["halls"] if h["hall_id"] == hall_id), None)
    return row is not None and row["link"]["mirror_seq"] >= seq


@pytest.mark.timeout(180)
async def test_a_halls_figures_are_the_same_at_the_city(hall, city, db_path):
    await some_actions(hall, 4)
    today = "2026-11-25"  # the ManualClock's business day
    newest = hall_events(db_path)[-1][0]
    await until(lambda: mirrored(city, "east", newest), timeout=60, what="the city to mirror every event")
    token = await manager_token(hall)
    for group_by in ("total", "service", "department", "window", "clerk", "hour"):
        for day_from, day_to in ((DAY, DAY), (today, today), (DAY, today)):
            query = f"from={day_from}&to={day_to}&group_by={group_by}"
            status, at_hall = await hall.get(f"/api/stats?{query}", token)
            assert status == 200, at_hall
            status, at_city = await city.call("GET", f"/api/halls/east/stats?{query}")
            assert status == 200, at_city
            assert at_city["groups"] == at_hall["groups"], (group_by, day_from, day_to)
            assert at_city["groups"], "a day with visits has figures"


async def test_every_hall_live_and_the_reports(hall, city, db_path):
    await some_actions(hall, 2)
    status, _ = await hall.issue("business_setup")  # one citizen still waiting
    hall.clock.advance(300)
    newest = hall_events(db_path)[-1][0]
    await until(lambda: mirrored(city, "east", newest), timeout=60, what="mirror")
    status, body = await city.call("GET", "/api/halls")
    east = next(h for h in body["halls"] if h["hall_id"] == "east")
    west = next(h for h in body["halls"] if h["hall_id"] == "west")
    assert east["waiting"] == 1 and east["longest_wait_s"] == pytest.approx(300, abs=1)
    assert east["windows_open"] >= 1 and east["served"] == 2
    assert east["service_level"]["denominator"] == 2 and east["link"]["status"] == "up_to_date"
    assert east["name"]["en"] and west["link"]["status"] == "never"

    status, daily = await city.call("GET", f"/api/report/daily?day={DAY}")
    assert status == 200, daily
    hall_status, hall_daily = await hall.get(f"/api/reports/daily?day={DAY}", await manager_token(hall))
    assert hall_status == 200, hall_daily
    assert daily["accepted"] == hall_daily["accepted"] and daily["outcomes"] == hall_daily["outcomes"]
    assert "全市" in daily["text"]["zh-Hant"] and "受理各類事項" in daily["text"]["zh-Hant"]
    assert daily["by_hall"][0]["accepted"] == hall_daily["accepted"]
    status, monthly = await city.call("GET", "/api/report/monthly?month=2026-11")
    assert status == 200 and monthly["accepted"] == daily["accepted"] + 2
    status, text = await city.call("GET", "/api/report/monthly?month=2026-11&format=csv")
    assert status == 200 and text.splitlines()[0].startswith("hall_id,from,to") and "(city)" in text

    status, compare = await city.call("GET", f"/api/compare?from={DAY}&to={DAY}&by=service")
    assert status == 200 and {r["hall_id"] for r in compare["rows"]} == {"east"}
    assert sum(r["served"] for r in compare["rows"]) == daily["accepted"]
    status, body = await city.call("GET", "/api/halls/east/stats?group_by=nope")
    assert status == 400 and body["error"]["code"] == "invalid_argument"
    status, text = await city.call("GET", f"/api/compare?from={DAY}&to={DAY}&by=department&format=csv")
    assert status == 200 and text.startswith("hall_id,key,")


@pytest.mark.parametrize("path, code", [
    ("/api/compare?by=window", "invalid_argument"),
    ("/api/compare?from=2026-13-01", "invalid_argument"),
    ("/api/compare?from=2026-11-25&to=2026-11-01", "invalid_argument"),
    ("/api/report/monthly?month=2026-1", "invalid_argument"),
    ("/api/report/daily?format=xml", "invalid_argument"),
    ("/api/halls/nowhere/stats", "not_found"),
    ("/api/nothing", "not_found"),
])
async def test_bad_input_gets_a_clear_error(city, path, code):
    status, body = await city.call("GET", path)
    assert status in (400, 404) and body["error"]["code"] == code, body


async def test_sign_in_is_required_and_checked(city):
    status, body = await city.call("GET", "/api/halls", token=None)
    assert status == 401 and body["error"]["code"] == "unauthorized"
    status, body = await city.call("GET", "/api/halls", token="forged")
    assert status == 401
    status, body = await city.call("POST", "/api/sessions", {"login": MANAGER_LOGIN, "pin": "0000"}, None)
    assert status == 401 and body["error"]["code"] == "unauthorized"
    status, body = await city.call("POST", "/api/sessions", {"login": MANAGER_LOGIN}, None)
    assert status == 400 and body["error"]["code"] == "invalid_argument"
    for _ in range(5):
        await city.call("POST", "/api/sessions", {"login": MANAGER_LOGIN, "pin": "0000"}, None)
    status, body = await city.call("POST", "/api/sessions", {"login": MANAGER_LOGIN, "pin": MANAGER_PIN}, None)
    assert status == 429 and body["error"]["code"] == "too_many_attempts"
    status, body = await city.call("DELETE", "/api/sessions")
    assert status == 200
    status, body = await city.call("GET", "/api/me")
    assert status == 401
