"""The hall TOML: the demo loads, every mistake is refused with the key named, secrets stay hashed."""
import copy
import io
import tomllib

import pytest

from server.config import (DEMO_CREDENTIALS_PATH, DEMO_HALL_PATH, ConfigError, load_config, load_demo,
                           parse_config, parse_credentials)
from server.config_cli import check_config_main, hash_pin_main, new_token_main
from server.security import (hash_pin, hash_token, is_pin_hash, mask_id, mask_name, mask_phone, new_token,
                             verify_pin, verify_token)

PIN_HASH = "scrypt$16384$8$1$g3RrS0tmx9c9nJI5u6aU3w==$nJYMyTf6MYBDeX4B8DJI1QdID6CMNx0EZFxWuPo8Bp8="  # "123456"
NAMES = {"zh-Hans": "税务", "zh-Hant": "稅務", "en": "Tax"}


def small_hall() -> dict:
    """A valid minimal hall; each test breaks one thing in a copy."""
    return {
        "center": {"name": NAMES, "timezone": "Asia/Shanghai", "day_boundary": "04:00",
                   "opening_hours": ["08:30-12:00", "13:30-17:30"]},
        "departments": [{"code": "tax", "name": NAMES}, {"code": "police", "name": NAMES}],
        "services": [
            {"code": "filing", "prefix": "A", "name": NAMES, "department": "tax"},
            {"code": "id_card", "prefix": "B", "name": NAMES, "department": "police", "daily_cap": 50},
        ],
        "windows": [
            {"number": 1, "department": "tax", "zone": "east", "services": ["filing"]},
            {"number": 2, "kind": "comprehensive", "zone": "west", "services": ["id_card", "filing"],
             "policy": {"mode": "longest_wait"}},
        ],
        "staff": [{"number": "1001", "name": "王芳", "pin_hash": PIN_HASH, "windows": [1, 2]},
                  {"number": "9001", "name": "林建国", "pin_hash": PIN_HASH, "role": "manager"}],
        "devices": [
            {"id": "kiosk-1", "kind": "kiosk", "token_hash": hash_token("k1"), "green_channel": True,
             "printer": {"type": "dummy"}},
            {"id": "display-east", "kind": "display", "zone": "east", "token_hash": hash_token("d1")},
            {"id": "counter-01", "kind": "counter", "window": 1, "token_hash": hash_token("c1")},
        ],
    }


def test_small_hall_is_valid_and_defaults_apply():
    settings = parse_config(small_hall())
    hall = settings.hall
    assert hall.center.day_boundary_min == 240
    assert [r.label() for r in hall.center.opening_hours] == ["08:30-12:00", "13:30-17:30"]
    assert hall.service("id_card").daily_cap == 50 and hall.service("filing").daily_cap is None
    assert hall.service("filing").target_wait_min == 20
    assert hall.window(1).name.get("zh-Hant") == "1號窗口"
    assert hall.window(2).policy.mode == "longest_wait" and hall.window(1).policy.mode == "service_order"
    assert hall.devices[0].printer == {"type": "dummy"}
    assert settings.server.port == 8080 and settings.server.public_url == "http://127.0.0.1:8080"
    assert settings.voice == {}


def test_demo_hall_loads_with_the_promised_shape():
    settings = load_demo()
    hall = settings.hall
    assert (len(hall.departments), len(hall.services), len(hall.windows)) == (6, 12, 16)
    kinds = [w.kind for w in hall.windows]
    assert kinds.count("comprehensive") >= 3 and kinds.count("appointment") == 1
    comprehensive = [w for w in hall.windows if w.kind == "comprehensive"]
    assert all(len({hall.service(s).department for s in w.services}) >= 2 for w in comprehensive)
    assert {w.policy.mode for w in hall.windows} == {"service_order", "longest_wait"}
    assert hall.center.opening_hours == ()  # usable at any hour
    assert any(s.issuing_hours for s in hall.services) and any(s.daily_cap for s in hall.services)
    roles = [s.role for s in hall.staff]
    assert roles.count("clerk") >= 16 and roles.count("manager") == 2 and roles.count("guide") == 1
    for window in hall.windows:
        assert {"counter", "rating_pad"} <= {d.kind for d in hall.devices if d.window == window.number}
    assert [d.id for d in hall.devices if d.green_channel] == ["kiosk-1"]
    assert {d.zone for d in hall.devices if d.kind == "display"} >= {"east", "west", None}


def test_demo_credentials_match_the_hashes():
    raw = tomllib.loads(DEMO_CREDENTIALS_PATH.read_text(encoding="utf-8"))
    hall = load_config(DEMO_HALL_PATH).hall
    creds = parse_credentials(raw, hall, verify_pins=True)
    assert set(creds["staff"]) == {s.number for s in hall.staff}
    assert set(creds["devices"]) == {d.id for d in hall.devices}
    assert all(token.startswith(f"demo-{device}-") for device, token in creds["devices"].items())


def test_demo_hall_file_holds_no_plaintext_secret():
    text = DEMO_HALL_PATH.read_text(encoding="utf-8")
    raw = tomllib.loads(DEMO_CREDENTIALS_PATH.read_text(encoding="utf-8"))
    for secret in [*raw["staff"].values(), *raw["devices"].values()]:
        assert f'"{secret}"' not in text


def _set(path: str, value):
    """A mutation of small_hall(): set (or, with value=DELETE, remove) the key at a dotted path."""
    def mutate(doc):
        *parents, last = path.split(".")
        node = doc
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return mutate


DELETE = object()

BROKEN = [
    ("services.0.prefix", "a1", "services[0].prefix", "one or two capital letters"),
    ("services.1.prefix", "A", "services[1].prefix", "already used by services[0]"),
    ("services.1.code", "filing", "services[1].code", "already used"),
    ("services.0.department", "taxx", "services[0].department", "unknown department 'taxx'"),
    ("services.0.warning_wait_min", 25, "services[0].target_wait_min", "warning_wait_min <= target_wait_min"),
    ("services.0.action_wait_min", 10, "services[0].target_wait_min", "<= action_wait_min"),
    ("services.0.daily_cap", 0, "services[0].daily_cap", "at least 1"),
    ("services.0.issuing_hours", ["9:00-12:00"], "services[0].issuing_hours", "HH:MM-HH:MM"),
    ("services.0.issuing_hours", ["12:00-09:00"], "services[0].issuing_hours", "end after it starts"),
    ("services.0.issuing_hours", ["08:00-12:00", "11:00-13:00"], "services[0].issuing_hours", "overlap"),
    ("services.0.name", {"zh-Hans": "x", "en": "x"}, "services[0].name", "zh-Hant"),
    ("services.0.code", DELETE, "services[0].code", "is required"),
    ("center.timezone", "Asia/Shangai", "center.timezone", "unknown time zone"),
    ("center.day_boundary", "25:00", "center.day_boundary", "HH:MM"),
    ("center.opening_hours", "08:30-12:00", "center.opening_hours", "list"),
    ("windows.1.number", 1, "windows[1].number", "already used"),
    ("windows.0.services", ["filing", "nope"], "windows[0].services[1]", "unknown service 'nope'"),
    ("windows.0.services", [], "windows[0].services", "must not be empty"),
    ("windows.0.department", "fire", "windows[0].department", "unknown department"),
    ("windows.0.kind", "vip", "windows[0].kind", "normal, comprehensive, appointment"),
    ("windows.1.policy", {"mode": "random"}, "windows[1].policy.mode", "service_order, longest_wait"),
    ("windows.1.policy", {"normal_per_priority": -1}, "windows[1].policy.normal_per_priority", "at least 0"),
    ("windows.1.policy", {"mod": "longest_wait"}, "windows[1].policy.mod", "did you mean 'mode'"),
    ("windows.1.services", ["filing"], "services[1].code", "no window serves 'id_card'"),
    ("staff.0.windows", [1, 7], "staff[0].windows[1]", "unknown window 7"),
    ("staff.0.windows", [], "staff[0].windows", "a clerk needs at least one window"),
    ("staff.0.role", "boss", "staff[0].role", "clerk, manager, guide"),
    ("staff.0.number", 1001, "staff[0].number", "quote it"),
    ("staff.0.pin_hash", "1234", "staff[0].pin_hash", "hallq hash-pin"),
    ("staff.0.pin", "1234", "staff[0].pin", "hallq hash-pin"),
    ("staff.1.number", "1001", "staff[1].number", "already used"),
    ("devices.0.token_hash", "sha256$abc", "devices[0].token_hash", "hallq new-token"),
    ("devices.0.token", "secret", "devices[0].token", "hallq new-token"),
    ("devices.0.kind", "phone", "devices[0].kind", "kiosk, display, counter, rating_pad"),
    ("devices.2.window", DELETE, "devices[2].window", "required for a counter"),
    ("devices.2.window", 9, "devices[2].window", "unknown window 9"),
    ("devices.1.zone", "north", "devices[1].zone", "unknown zone 'north'"),
    ("devices.1.window", 1, "devices[1].zone", "either a zone or a window"),
    ("devices.1.green_channel", True, "devices[1].green_channel", "not allowed for a display"),
    ("devices.0.window", 1, "devices[0].window", "not allowed for a kiosk"),
    ("devices.1.id", "kiosk-1", "devices[1].id", "already used"),
    ("devices.1.token_hash", hash_token("k1"), "devices[1].token_hash", "already used"),
    ("devices.0.id", "Kiosk 1", "devices[0].id", "lower-case"),
    ("rules.max_recalls", True, "rules.max_recalls", "integer"),
    ("rules.green_channel_categories", ["vip"], "rules.green_channel_categories", "unknown 'vip'"),
    ("server.port", 70000, "server.port", "between 0 and 65535"),
    ("server.log_level", "loud", "server.log_level", "debug, info"),
    ("server.public_url", "example.org", "server.public_url", "http(s) URL"),
    ("server.allowed_origins", ["http://a.b/path"], "server.allowed_origins", "without a path"),
    ("server.ws_port", 1, "server.ws_port", "did you mean 'port'"),
    ("voice.languages", ["klingon"], "voice.languages", "klingon"),
    ("voice.speed", 1, "voice.speed", "unknown key"),
    ("services.0.prefx", "A", "services[0].prefx", "did you mean 'prefix'"),
    ("centre", {}, "centre", "did you mean 'center'"),
]


@pytest.mark.parametrize("path,value,key_path,words", BROKEN, ids=[f"{b[0]}={b[1]!r}" for b in BROKEN])
def test_each_mistake_names_the_key(path, value, key_path, words):
    doc = copy.deepcopy(small_hall())
    doc.setdefault("server", {})
    doc.setdefault("rules", {})
    doc.setdefault("voice", {})
    _set(path, value)(doc)
    with pytest.raises(ConfigError) as info:
        parse_config(doc, source="test.toml")
    assert info.value.key_path == key_path, str(info.value)
    assert words in info.value.message, str(info.value)
    assert str(info.value).startswith(f"{key_path}: ")
    assert info.value.source == "test.toml"


def test_missing_center_is_refused():
    doc = small_hall()
    del doc["center"]
    with pytest.raises(ConfigError, match=r"^center: "):
        parse_config(doc)


def test_pin_hash_round_trip_and_wrong_pin():
    stored = hash_pin("482913")
    assert stored.startswith("scrypt$16384$8$1$") and is_pin_hash(stored)
    assert verify_pin("482913", stored)
    assert not verify_pin("482914", stored)
    assert hash_pin("482913") != stored  # fresh salt each time
    assert verify_pin("123456", PIN_HASH)


@pytest.mark.parametrize("stored", ["", "scrypt$", "sha256$abc", "scrypt$16384$8$1$!!$!!",
                                    "scrypt$16385$8$1$g3RrS0tmx9c9nJI5u6aU3w==$nJYMyTf6MYBDeX4B8DJI1QdID6CMNx0EZFxWuPo8Bp8=",
                                    "scrypt$1073741824$8$1$g3RrS0tmx9c9nJI5u6aU3w==$nJYMyTf6MYBDeX4B8DJI1QdID6CMNx0EZFxWuPo8Bp8="])
def test_verify_pin_is_false_for_malformed_hashes(stored):
    assert verify_pin("123456", stored) is False


def test_tokens_are_random_and_hashed():
    a, b = new_token(), new_token()
    assert a != b and len(a) >= 32
    assert hash_token(a).startswith("sha256$") and len(hash_token(a)) == 7 + 64
    assert verify_token(a, hash_token(a)) and not verify_token(b, hash_token(a))


@pytest.mark.parametrize("fn,given,shown", [
    (mask_phone, "13812345678", "138****5678"),
    (mask_id, "110105199001010123", "110105********0123"),
    (mask_name, "張三豐", "張**"),
    (mask_name, "張三", "張*"),
    (mask_name, "張", "張*"),
    (mask_phone, "5678", "***8"),
])
def test_masks(fn, given, shown):
    assert fn(given) == shown


def test_check_config_accepts_the_demo():
    out = io.StringIO()
    assert check_config_main([str(DEMO_HALL_PATH), "--credentials", str(DEMO_CREDENTIALS_PATH)], out=out) == 0
    assert out.getvalue().startswith("OK: 6 departments, 12 services, 16 windows")


@pytest.mark.parametrize("edit,key", [
    (('prefix = "C"', 'prefix = "c1"'), "services[2].prefix"),
    (('number = "1001"', 'number = "1001"\npin = "1234"'), "staff[0].pin"),
    (("[center]", "[center]\ntimzone = 'UTC'"), "center.timzone"),
    (("[center]", "[center"), "not valid TOML"),
])
def test_check_config_names_the_key_of_a_broken_file(tmp_path, edit, key):
    broken = tmp_path / "hall.toml"
    broken.write_text(DEMO_HALL_PATH.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
    err = io.StringIO()
    assert check_config_main([str(broken)], out=io.StringIO(), err=err) == 1
    assert key in err.getvalue() and str(broken) in err.getvalue()


def test_check_config_reports_a_missing_file(tmp_path):
    err = io.StringIO()
    assert check_config_main([str(tmp_path / "none.toml")], err=err) == 1
    assert "cannot read" in err.getvalue()


def test_hash_pin_command_reads_stdin():
    out = io.StringIO()
    assert hash_pin_main([], stdin=io.StringIO("482913\n"), out=out) == 0
    assert verify_pin("482913", out.getvalue().strip())
    assert hash_pin_main([], stdin=io.StringIO("12ab\n"), out=io.StringIO(), err=io.StringIO()) == 1


def test_new_token_command_prints_token_and_hash_line():
    out = io.StringIO()
    assert new_token_main(["--device", "kiosk-3"], out=out) == 0
    lines = out.getvalue().splitlines()
    token = lines[0].rsplit(" ", 1)[1]
    assert lines[-1] == f'token_hash = "{hash_token(token)}"'
