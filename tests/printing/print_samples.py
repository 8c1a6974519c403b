"""Ticket payloads shared by the printing tests (protocol.md section 5, <ticket layout>)."""

TRACKING_URL = "http://hall.example/t/q7Vd2kLm9XbR4tZa"


def payload(**changes) -> dict:
    """A Traditional Chinese green-channel ticket, as the server sends it."""
    base = {
        "center": "市民服務中心",
        "department": "稅務局",
        "service": "發票領用",
        "label": "A012",
        "ahead": 5,
        "estimate": {"low_min": 10, "high_min": 20},
        "hint": "請留意螢幕並聆聽叫號",
        "missed_rule": "過號請到服務台登記",
        "issued_at": "2026-11-25 09:01",
        "tracking_url": TRACKING_URL,
        "lang": "zh-Hant",
        "channel": "normal",
    }
    return {**base, **changes}


def payload_hans(**changes) -> dict:
    """The same ticket in Simplified Chinese (has characters Big5 lacks: 务, 请, 号)."""
    return payload(**{"center": "市民服务中心", "department": "税务局", "service": "发票领用",
                      "hint": "请留意屏幕并聆听叫号", "missed_rule": "过号请到服务台登记",
                      "lang": "zh-Hans", **changes})


def payload_en(**changes) -> dict:
    return payload(center="Citizen Service Center", department="Tax Bureau", service="Invoices",
                   hint="Please watch the screen and listen for your number",
                   missed_rule="Missed your number? Please register at the service desk",
                   lang="en", **changes)
