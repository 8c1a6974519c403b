"""The hall's default language and each service's guide (办事指南): validated with the key named,
kept in the domain dataclasses, and served to every page (GET /api/center, the hall snapshot, who-am-i)."""
import copy

import pytest

from server.config import ConfigError, load_demo, parse_config
from server.domain.hall import Names
from tests.test_config import small_hall

ITEM = {"zh-Hans": "营业执照副本", "zh-Hant": "營業執照副本", "en": "Business licence (duplicate)"}


def with_guide(guide: dict) -> dict:
    raw = small_hall()
    raw["services"][0]["guide"] = guide
    return raw


def test_a_full_guide_is_parsed_into_the_domain_dataclass():
    guide = {"materials": [ITEM, ITEM], "steps": [ITEM], "time_limit_days": 3, "fees": ITEM,
             "legal_basis": ITEM, "consult_phone": "0571-8765 4321"}
    hall = parse_config(with_guide(guide)).hall
    parsed = hall.service("filing").guide
    assert parsed.materials == (Names(*ITEM.values()),) * 2 and parsed.steps == (Names(*ITEM.values()),)
    assert parsed.time_limit_days == 3 and parsed.fees.get("en") == ITEM["en"]
    assert parsed.consult_phone == "0571-8765 4321"
    assert hall.service("id_card").guide.is_empty()  # no guide: every key absent
    assert parsed.to_dict()["materials"][0] == ITEM


@pytest.mark.parametrize("guide, path, words", [
    ({"materials": "licence"}, "services[0].guide.materials", "a list of"),
    ({"materials": [ITEM, {"zh-Hans": "x", "zh-Hant": "x"}]}, "services[0].guide.materials", "entry 1"),
    ({"steps": [{**ITEM, "en": " "}]}, "services[0].guide.steps", "en must not be empty"),
    ({"time_limit_days": 0}, "services[0].guide.time_limit_days", "at least 1"),
    ({"fees": "free"}, "services[0].guide.fees", "zh-Hans"),
    ({"consult_phone": "call us"}, "services[0].guide.consult_phone", "phone number"),
    ({"consult_phone": 12345}, "services[0].guide.consult_phone", "quote it"),
    ({"material": [ITEM]}, "services[0].guide.material", "did you mean 'materials'"),
    ("none", "services[0].guide", "a table"),
])
def test_a_wrong_guide_is_refused_naming_the_key(guide, path, words):
    with pytest.raises(ConfigError) as err:
        parse_config(with_guide(guide))
    assert err.value.key_path == path and words in err.value.message


def test_default_lang_is_checked_and_defaults_to_simplified_chinese():
    assert parse_config(small_hall()).hall.center.default_lang == "zh-Hans"
    raw = small_hall()
    raw["center"]["default_lang"] = "zh-Hant"
    assert parse_config(raw).hall.center.default_lang == "zh-Hant"
    raw["center"]["default_lang"] = "zh-TW"
    with pytest.raises(ConfigError) as err:
        parse_config(copy.deepcopy(raw))
    assert err.value.key_path == "center.default_lang" and "zh-Hans, zh-Hant, en" in err.value.message


def test_every_demo_service_has_a_complete_guide():
    hall = load_demo().hall
    assert hall.center.default_lang == "zh-Hans"
    for service in hall.services:
        guide = service.guide
        assert len(guide.materials) >= 3 and len(guide.steps) >= 2, service.code
        assert guide.fees and guide.legal_basis and guide.consult_phone, service.code


async def test_center_is_public_and_carries_language_and_guides(hall):
    status, body = await hall.get("/api/center")
    assert status == 200
    assert body["center"]["default_lang"] == "zh-Hans"
    id_card = next(s for s in body["services"] if s["code"] == "id_card")
    assert id_card["guide"]["time_limit_days"] == 20
    assert id_card["guide"]["materials"][0]["zh-Hant"] == "居民戶口簿"
    assert [s["code"] for s in body["services"]] == [s.code for s in hall.settings.hall.services]


async def test_snapshot_and_who_am_i_carry_the_default_language(hall):
    token = hall.device_token("kiosk-1")
    status, snapshot = await hall.get("/api/hall", token)
    assert status == 200 and snapshot["center"]["default_lang"] == "zh-Hans"
    status, me = await hall.get("/api/sessions/current", token)
    assert status == 200 and me["default_lang"] == "zh-Hans"


async def test_center_refuses_writes(hall):
    status, body = await hall.post("/api/center", None, {})
    assert status == 405


async def test_staff_names_for_managers_only(hall):
    status, body = await hall.post("/api/sessions", None, {"staff": "9001", "pin": hall.creds["staff"]["9001"]})
    status, staff = await hall.get("/api/staff", body["token"])
    assert status == 200
    assert {"number": "1003", "name": "张伟", "role": "clerk", "windows": [3, 4, 1]} in staff["staff"]
    assert "pin_hash" not in str(staff)
    status, body = await hall.get("/api/staff", hall.device_token("kiosk-1"))
    assert status == 403


async def test_favicon_is_served(hall):
    async with hall.session.get(hall.url("/favicon.ico")) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"] == "image/svg+xml"
        assert (await resp.text()).startswith("<svg")
    async with hall.session.get(hall.url("/common/favicon.svg")) as resp:
        assert resp.status == 200
