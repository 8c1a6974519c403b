import pytest

from kiosk.escpos_render import UnencodableTextError, display_width, render_text, render_ticket, wrap
from kiosk.escpos_tokens import commands, qr_payloads, styled_lines, text_lines, tokenize
from kiosk.layout import TicketLayout
from print_samples import TRACKING_URL, payload, payload_en, payload_hans

EXPECTED_HANT = ["市民服務中心", "稅務局", "發票領用", "A012", "前面還有 5 人", "預計等候 10–20 分鐘",
                 "請留意螢幕並聆聽叫號", "過號請到服務台登記", "2026-11-25 09:01", "掃碼在手機上查看排隊進度"]


def ticket(data, encoding):
    return tokenize(data, encoding)


@pytest.mark.parametrize("encoding", ["gb18030", "big5"])
def test_chinese_lines_come_back_in_the_printer_encoding(encoding):
    tokens = ticket(render_text(TicketLayout.from_payload(payload()), encoding), encoding)
    lines = [line for line in text_lines(tokens) if not set(line) <= {"-"}]
    assert lines == EXPECTED_HANT


def test_the_two_encodings_really_differ():
    layout = TicketLayout.from_payload(payload())
    assert render_text(layout, "gb18030") != render_text(layout, "big5")
    assert "請".encode("big5") in render_text(layout, "big5")
    assert "請".encode("gb18030") in render_text(layout, "gb18030")


def test_simplified_ticket_on_gb18030():
    tokens = ticket(render_text(TicketLayout.from_payload(payload_hans()), "gb18030"), "gb18030")
    assert {"市民服务中心", "请留意屏幕并聆听叫号", "过号请到服务台登记"} <= set(text_lines(tokens))


@pytest.mark.parametrize("encoding", ["gb18030", "big5"])
def test_chinese_mode_is_entered_before_the_first_chinese_text(encoding):
    kinds = commands(ticket(render_text(TicketLayout.from_payload(payload()), encoding), encoding))
    assert kinds[0] == "init"
    assert kinds.index("chinese_on") < kinds.index("text")


def test_the_number_is_printed_with_the_big_size_command():
    tokens = ticket(render_text(TicketLayout.from_payload(payload()), "big5"), "big5")
    number = next(line for line in styled_lines(tokens) if line["text"] == "A012")
    assert number["width"] == number["height"] == 6 and number["bold"] and number["align"] == "center"
    others = [line for line in styled_lines(tokens) if line["text"] != "A012"]
    assert max(line["height"] for line in others) <= 2


@pytest.mark.parametrize("encoding", ["gb18030", "big5"])
def test_qr_payload_is_the_tracking_link_centred(encoding):
    tokens = ticket(render_text(TicketLayout.from_payload(payload()), encoding), encoding)
    assert qr_payloads(tokens) == [TRACKING_URL]
    kinds = commands(tokens)
    store = kinds.index("qr_store")
    assert kinds[store + 1] == "qr_print"
    last_align = [t for t in tokens[:store] if t.kind == "align"][-1]
    assert last_align.value == "center"


@pytest.mark.parametrize("encoding", ["gb18030", "big5", "ascii"])
def test_cut_is_the_last_command(encoding):
    make = payload_en if encoding == "ascii" else payload
    tokens = ticket(render_text(TicketLayout.from_payload(make()), encoding), encoding)
    assert tokens[-1].kind == "cut" and tokens[-1].value == "full"
    assert commands(tokens).count("cut") == 1


def test_english_ticket_in_ascii_has_no_chinese_mode():
    tokens = ticket(render_text(TicketLayout.from_payload(payload_en()), "ascii"), "ascii")
    assert "chinese_on" not in commands(tokens)
    assert "Estimated wait 10-20 min" in text_lines(tokens)


def test_simplified_text_on_a_big5_printer_is_refused_with_a_clear_error():
    with pytest.raises(UnencodableTextError, match="raster") as caught:
        render_text(TicketLayout.from_payload(payload_hans()), "big5")
    assert "务" in caught.value.chars and "请" in caught.value.chars


def test_render_ticket_falls_back_to_raster_for_unencodable_text():
    data = render_ticket(TicketLayout.from_payload(payload_hans()), "text", "big5", 80)
    kinds = commands(tokenize(data, "big5"))
    assert "raster" in kinds and "text" not in kinds and kinds[-1] == "cut"


def test_58mm_paper_wraps_to_32_columns():
    long_hint = "請留意螢幕並聆聽叫號，叫號後請於三分鐘內到指定窗口辦理，逾時視為過號"
    data = render_text(TicketLayout.from_payload(payload(hint=long_hint)), "big5", paper_width_mm=58)
    lines = styled_lines(tokenize(data, "big5"))
    assert all(display_width(line["text"]) * line["width"] <= 32 for line in lines)
    hint_parts = [line["text"] for line in lines if line["text"] and line["text"] in long_hint]
    assert "".join(hint_parts) == long_hint and len(hint_parts) == 3  # 70 columns


def test_wrap_prefers_spaces_in_latin_text():
    assert wrap("Please watch the screen", 12) == ["Please watch", "the screen"]
    assert wrap("請留意螢幕並聆聽叫號", 8) == ["請留意螢", "幕並聆聽", "叫號"]


# --- Chinese line-breaking and the cut ---------------------------------------------------------------

CLOSING = "、，。）」』】》：；？！"


@pytest.mark.parametrize("columns", range(8, 49))
def test_no_wrapped_line_starts_with_closing_punctuation(columns):
    text = "请留意屏幕显示和语音叫号，过号请到服务台登记、谢谢。（请保管好号票）「过号」请重新取号！"
    lines = wrap(text, columns)
    assert "".join(lines) == text  # nothing lost, nothing added
    assert all(line[0] not in CLOSING for line in lines[1:]), lines
    assert all(line[-1] not in "（「『【《" for line in lines[:-1]), lines


def test_a_long_rule_on_paper_breaks_by_the_rules():
    rule = "过号请到服务台登记、重新排队、或扫码查看、谢谢合作、祝您办事顺利、欢迎再来、"
    data = render_text(TicketLayout.from_payload(payload_hans(missed_rule=rule)), "gb18030")
    printed = text_lines(tokenize(data, "gb18030"))
    assert all(line.strip()[0] not in CLOSING for line in printed if line.strip()), printed


@pytest.mark.parametrize(("cut", "word"), [("full", "full"), ("partial", "partial")])
def test_the_cut_is_configurable_and_last(cut, word):
    data = render_text(TicketLayout.from_payload(payload()), "big5", cut=cut)
    tokens = tokenize(data, "big5")
    assert tokens[-1].kind == "cut" and tokens[-1].value == word
