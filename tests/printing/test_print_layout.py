import pytest

from kiosk.layout import LayoutError, TicketLayout, number_size
from print_samples import TRACKING_URL, payload, payload_hans


def texts(layout):
    return [line.text for line in layout.lines() if line.kind == "text"]


def test_lines_follow_the_domain_order():
    lines = TicketLayout.from_payload(payload()).lines()
    kinds_and_texts = [(line.kind, line.text) for line in lines if line.kind != "rule"]
    assert kinds_and_texts == [
        ("text", "市民服務中心"), ("text", "稅務局"), ("text", "發票領用"), ("text", "A012"),
        ("text", "前面還有 5 人"), ("text", "預計等候 10–20 分鐘"), ("text", "請留意螢幕並聆聽叫號"),
        ("text", "過號請到服務台登記"), ("text", "2026-11-25 09:01"), ("qr", TRACKING_URL),
        ("text", "掃碼在手機上查看排隊進度"),
    ]


def test_the_number_is_the_largest_line():
    lines = TicketLayout.from_payload(payload()).lines()
    number = next(line for line in lines if line.text == "A012")
    assert number.size == 6 and number.bold
    assert all(line.size < number.size for line in lines if line is not number)


def test_green_channel_is_marked_and_normal_is_not():
    assert "★ 綠色通道 ★" in texts(TicketLayout.from_payload(payload(channel="green")))
    assert "★ 绿色通道 ★" in texts(TicketLayout.from_payload(payload_hans(channel="green")))
    assert not any("通道" in text for text in texts(TicketLayout.from_payload(payload())))


def test_nobody_ahead_and_single_estimate():
    layout = TicketLayout.from_payload(payload_hans(ahead=0, estimate={"low_min": 5, "high_min": 5}))
    assert "您是下一位" in texts(layout)
    assert "预计等候约 5 分钟" in texts(layout)


@pytest.mark.parametrize("change", [
    {"label": ""}, {"label": "a-12"}, {"ahead": -1}, {"ahead": "5"}, {"ahead": True},
    {"estimate": {"low_min": 20, "high_min": 10}}, {"estimate": None},
    {"tracking_url": "javascript:alert(1)"}, {"lang": "fr"}, {"channel": "vip"}, {"center": 7},
])
def test_invalid_payloads_are_refused(change):
    with pytest.raises(LayoutError):
        TicketLayout.from_payload(payload(**change))


def test_phone_or_id_numbers_never_reach_a_ticket():
    with pytest.raises(LayoutError, match="phone or ID"):
        TicketLayout.from_payload(payload(hint="張三 110105199001010123"))


def test_unknown_keys_are_ignored_and_never_printed():
    layout = TicketLayout.from_payload(payload(citizen_name="張三"))
    assert not any("張三" in text for text in texts(layout))


def test_number_size_fits_the_columns():
    assert number_size("A012") == 6
    assert number_size("AB12345", columns=32) == 4


def test_the_servers_channel_label_wins_when_sent():
    layout = TicketLayout.from_payload(payload(channel="green", channel_label="綠色通道"))
    assert "綠色通道" in texts(layout) and "★ 綠色通道 ★" not in texts(layout)
    assert "綠色通道" not in texts(TicketLayout.from_payload(payload(channel_label="綠色通道")))


# --- the paper tells what the screen tells -----------------------------------------------------------

def test_no_window_open_prints_what_the_kiosk_screen_says_not_a_guess():
    lines = texts(TicketLayout.from_payload(payload_hans(open_windows=0, estimate={"low_min": 0, "high_min": 1628})))
    assert "暂无窗口办理" in lines and not any("1628" in line or "分钟" in line for line in lines)


def test_next_in_line_at_an_open_window_prints_no_wait():
    lines = texts(TicketLayout.from_payload(payload(ahead=0, open_windows=1, estimate={"low_min": 0, "high_min": 1})))
    assert "您是下一位" in lines and "無需等候" in lines


def test_the_windows_to_wait_near_are_printed_in_each_language():
    assert "請到 3、4 號窗口附近等候" in texts(TicketLayout.from_payload(payload(windows=[3, 4], open_windows=2)))
    assert "请到 7 号窗口附近等候" in texts(TicketLayout.from_payload(payload_hans(windows=[7])))
    english = payload(lang="en", windows=[3, 4], center="Center", department="Tax", service="Invoices",
                      hint="Watch the screen", missed_rule="Missed? Go to the desk")
    assert "Please wait near window 3, 4" in texts(TicketLayout.from_payload(english))


@pytest.mark.parametrize("windows", [[0], ["3"], [True], list(range(1, 70))])
def test_bad_window_lists_are_refused(windows):
    with pytest.raises(LayoutError):
        TicketLayout.from_payload(payload(windows=windows))


def test_an_older_payload_without_windows_still_prints_the_estimate():
    lines = texts(TicketLayout.from_payload(payload()))
    assert "預計等候 10–20 分鐘" in lines and not any("窗口附近" in line for line in lines)
