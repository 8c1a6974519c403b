"""Announcement wording and clip sequences (pure)."""

import pytest

from server.voice.templates import (VoiceSettings, announcement_for, clip_plan, phrase_clip_id,
                                    window_clips)

EN_NUMBER = phrase_clip_id("en", "Number ")
EN_GO = phrase_clip_id("en", ", please go to window ")


def test_a012_at_window_3_is_the_expected_clip_sequence():
    announcement = announcement_for("A012", 3, recall=False, voice=VoiceSettings())
    assert announcement["clips"] == [
        "chime",
        "cmn/qing", "cmn/letter_A", "cmn/digit_0", "cmn/digit_1", "cmn/digit_2",
        "cmn/hao_dao", "cmn/digit_3", "cmn/hao_chuangkou_banli",
        EN_NUMBER, "en/letter_A", "en/digit_0", "en/digit_1", "en/digit_2", EN_GO, "en/digit_3",
    ]
    assert announcement["text"] == {
        "zh-Hans": "请 A012 号到 3 号窗口办理",
        "zh-Hant": "請 A012 號到 3 號窗口辦理",
        "en": "Number A012, please go to window 3",
    }


def test_phrase_ids_are_stable_and_filesystem_safe():
    assert EN_NUMBER == "en/number_bd82cf16"
    assert EN_GO == "en/please_go_to_window_e69b8be8"
    custom = phrase_clip_id("cmn", "請到")
    assert custom.startswith("cmn/p_") and custom == phrase_clip_id("cmn", "請到")


def test_recall_is_announced_again_with_a_prefix():
    settings = VoiceSettings()
    first = announcement_for("A012", 3, recall=False, voice=settings)
    again = announcement_for("A012", 3, recall=True, voice=settings)
    calling_again = phrase_clip_id("en", "Calling again")
    assert again["clips"] == (["chime", "cmn/zaici_hujiao"] + first["clips"][1:9]
                              + [calling_again] + first["clips"][9:])
    assert again["text"]["zh-Hant"] == "再次呼叫 請 A012 號到 3 號窗口辦理"
    assert again["text"]["en"] == "Calling again: Number A012, please go to window 3"


def test_recall_prefix_can_be_switched_off():
    settings = VoiceSettings.from_dict({"recall_prefix": {"cmn": "", "en": ""},
                                        "recall_text_prefix": {"zh-Hans": "", "zh-Hant": "",
                                                               "en": ""}})
    assert announcement_for("B7", 2, True, settings) == announcement_for("B7", 2, False, settings)


def test_window_numbers_are_read_as_numbers_ticket_numbers_digit_by_digit():
    clips = announcement_for("C100", 12, False, VoiceSettings())["clips"]
    assert clips[1:8] == ["cmn/qing", "cmn/letter_C", "cmn/digit_1", "cmn/digit_0", "cmn/digit_0",
                          "cmn/hao_dao", "cmn/ten"]
    assert clips[8] == "cmn/digit_2" and clips[-1] == "en/num_12"
    assert window_clips("cmn", 10, "number") == ["cmn/ten"]
    assert window_clips("cmn", 35, "number") == ["cmn/digit_3", "cmn/ten", "cmn/digit_5"]
    assert window_clips("en", 47, "number") == ["en/num_40", "en/digit_7"]
    assert window_clips("en", 120, "number") == ["en/digit_1", "en/digit_2", "en/digit_0"]
    assert window_clips("en", "12", "digits") == ["en/digit_1", "en/digit_2"]
    assert window_clips("cmn", "3B", "number") == ["cmn/digit_3", "cmn/letter_B"]


def test_custom_template_gets_its_own_phrase_clips():
    settings = VoiceSettings.from_dict({"templates": {"en": "Ticket {number} to counter {window}"}})
    clips = announcement_for("A1", 4, False, settings)["clips"]
    assert clips[-5:] == [phrase_clip_id("en", "Ticket "), "en/letter_A", "en/digit_1",
                          phrase_clip_id("en", " to counter "), "en/digit_4"]
    planned = {spec.clip_id: spec.text for spec in clip_plan(settings)}
    assert planned[phrase_clip_id("en", " to counter ")] == "to counter"


def test_cantonese_when_configured_in_the_configured_order():
    settings = VoiceSettings.from_dict({"languages": ["cmn", "yue", "en"]})
    clips = announcement_for("A012", 3, False, settings)["clips"]
    yue = [c for c in clips if c.startswith("yue/")]
    assert yue == ["yue/qing", "yue/letter_A", "yue/digit_0", "yue/digit_1", "yue/digit_2",
                   "yue/hao_dao", "yue/digit_3", "yue/hao_chuangkou_banli"]
    assert clips.index("yue/qing") > clips.index("cmn/hao_chuangkou_banli")
    assert clips.index("yue/hao_chuangkou_banli") < clips.index(EN_NUMBER)
    assert all(spec.voice == "yue" for spec in clip_plan(settings) if spec.lang == "yue")


def test_voice_disabled_keeps_the_chime_and_the_text():
    announcement = announcement_for("A012", 3, False, VoiceSettings.from_dict({"enabled": False}))
    assert announcement["clips"] == ["chime"]
    assert announcement["text"]["en"] == "Number A012, please go to window 3"


@pytest.mark.parametrize("table, key", [
    ({"languages": ["cmn", "fr"]}, "voice.languages"),
    ({"languages": []}, "voice.languages"),
    ({"templates": {"en": "Number {number}"}}, "voice.templates.en"),
    ({"templates": {"de": "x {number} {window}"}}, "voice.templates.de"),
    ({"text_templates": {"zh-Hans": "{number} {window} {x}"}}, "voice.text_templates.zh-Hans"),
    ({"rate": "fast"}, "voice.rate"),
    ({"window_reading": "roman"}, "voice.window_reading"),
    ({"volume": 3}, "voice.volume"),
    ({"voices": {"cmn": 3}}, "voice.voices.cmn"),
    ({"enabled": "yes"}, "voice.enabled"),
])
def test_from_dict_names_the_bad_key(table, key):
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        VoiceSettings.from_dict(table)


def test_from_dict_defaults_and_merging():
    assert VoiceSettings.from_dict({}) == VoiceSettings()
    settings = VoiceSettings.from_dict({"voices": {"en": "en-gb"}, "rate": 150})
    assert settings.voices == {"cmn": "cmn-latn-pinyin", "en": "en-gb", "yue": "yue"}
    assert settings.rate == 150 and settings.languages == ("cmn", "en")
