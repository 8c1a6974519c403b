import io

import pytest
from PIL import Image

from kiosk.escpos_render import render_preview_png, render_raster
from kiosk.escpos_tokens import commands, raster_images, tokenize
from kiosk.layout import TicketLayout
from kiosk.raster import FontBook, FontNotFoundError
from print_samples import payload, payload_hans


def test_raster_ticket_is_gs_v_0_images_576_dots_wide_then_a_cut():
    tokens = tokenize(render_raster(TicketLayout.from_payload(payload_hans(channel="green"))))
    images = raster_images(tokens)
    assert images and all(image.width_bytes == 72 and image.width_px == 576 for image in images)
    height = sum(image.height for image in images)
    assert 600 < height < 2000  # about 8-25 cm of paper
    assert all(image.height <= 960 for image in images)  # printer buffers take slices
    assert commands(tokens)[0] == "init" and tokens[-1].kind == "cut"
    assert "text" not in commands(tokens)


def test_raster_on_58mm_paper_is_384_dots_wide():
    images = raster_images(tokenize(render_raster(TicketLayout.from_payload(payload()), paper_width_px=384)))
    assert {image.width_px for image in images} == {384}


def test_raster_data_has_ink_on_both_halves():
    images = raster_images(tokenize(render_raster(TicketLayout.from_payload(payload()))))
    total = sum(image.height * image.width_px for image in images)
    black = sum(image.black_dots() for image in images)
    assert 0.03 < black / total < 0.5


def test_png_preview_shows_the_ticket():
    png = render_preview_png(TicketLayout.from_payload(payload()))
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.width == 576
    histogram = image.histogram()
    assert histogram[0] > 10000 and histogram[255] > 100000  # black ink on white paper


def test_preview_and_raster_are_the_same_picture():
    layout = TicketLayout.from_payload(payload())
    preview = Image.open(io.BytesIO(render_preview_png(layout))).convert("L")
    images = raster_images(tokenize(render_raster(layout)))
    assert preview.height == sum(image.height for image in images)
    first = images[0].to_pil()
    assert first.tobytes() == preview.crop((0, 0, 576, images[0].height)).tobytes()


def test_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HALLQ_CJK_FONT", str(tmp_path / "nope.ttc"))
    with pytest.raises(FontNotFoundError, match="HALLQ_CJK_FONT"):
        FontBook.find()


def test_font_faces_follow_the_ticket_language():
    fonts = FontBook.find()
    assert fonts.font("zh-Hant", 20).getname()[0] == "Noto Sans CJK TC"
    assert fonts.font("zh-Hans", 20).getname()[0] == "Noto Sans CJK SC"


def test_raster_lines_follow_the_chinese_line_breaking_rules():
    from kiosk.raster import _wrap_px

    font = FontBook.find().font("zh-Hans", 40)
    text = "请留意屏幕显示和语音叫号，过号请到服务台登记、谢谢。（请保管好号票）"
    for usable in range(200, 560, 23):
        lines = _wrap_px(text, font, usable)
        assert "".join(lines) == text
        assert all(line[0] not in "、，。）」：；？！" for line in lines[1:]), lines


def test_a_partial_cut_ends_a_raster_ticket_too():
    tokens = tokenize(render_raster(TicketLayout.from_payload(payload()), cut="partial"))
    assert tokens[-1].kind == "cut" and tokens[-1].value == "partial"
