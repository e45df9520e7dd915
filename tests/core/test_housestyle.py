"""House style: TOML round trip, validation, credit splitting and formatting, the people registry."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from captioner.housestyle import (
    BUILTIN_LABELS,
    HouseStyle,
    HouseStyleError,
    People,
    Person,
    default_path,
    dump_house_style,
    find_house_style,
    load_house_style,
    parse_house_style,
    save_house_style,
)

DATA = Path(__file__).resolve().parents[2] / "captioner" / "data"


def test_defaults() -> None:
    style = HouseStyle()
    assert style.credit_label == "图片"
    assert style.credit_format == "{caption}{label}:{credit}"
    assert style.required["caption"] == "error"
    assert style.required["credit"] == "error"
    assert style.required["copyright"] == "warning"
    assert set(BUILTIN_LABELS) <= set(style.labels())


def test_labels_longest_first() -> None:
    labels = HouseStyle(credit_label="Foto", label_variants=("Bild",)).labels()
    assert labels.index("图片来源") < labels.index("图片") < labels.index("图")
    assert labels.index("Photo by") < labels.index("Photo")
    assert "Foto" in labels and "Bild" in labels


@pytest.mark.parametrize(
    ("caption", "body", "label", "credit"),
    [
        ("会议概况。图片:Thanh Cuong", "会议概况。", "图片", "Thanh Cuong"),
        ("内容。图:Thanh Cuong", "内容。", "图", "Thanh Cuong"),
        ("奖状。图片来源:Thanh Cuong", "奖状。", "图片来源", "Thanh Cuong"),
        ("奖状。图片:清强", "奖状。", "图片", "清强"),
        ("奖状。图片：Thanh Cuong", "奖状。", "图片", "Thanh Cuong"),
        ("会场。摄影：阮文", "会场。", "摄影", "阮文"),
        ("Đại biểu dự hội nghị. (Ảnh: Thanh Cường)", "Đại biểu dự hội nghị.", "Ảnh", "Thanh Cường"),
        ("Delegates at the meeting. Photo by: Jane Doe", "Delegates at the meeting.", "Photo by", "Jane Doe"),
        ("Delegates. PHOTO: Jane Doe", "Delegates.", "PHOTO", "Jane Doe"),
        ("Delegates. Credit: Reuters", "Delegates.", "Credit", "Reuters"),
        ("地图:说明。图片:Y", "地图:说明。", "图片", "Y"),
    ],
)
def test_split_credit(caption: str, body: str, label: str, credit: str) -> None:
    split = HouseStyle().split_credit(caption)
    assert (split.body, split.label, split.credit) == (body, label, credit)


@pytest.mark.parametrize("caption", ["会议概况。", "Photographs of the day", "Autophoto: x", "图片:", ""])
def test_split_credit_none(caption: str) -> None:
    split = HouseStyle().split_credit(caption)
    assert split.label is None and split.credit is None
    assert split.body == caption.strip()


def test_house_label_variant_recognised() -> None:
    assert HouseStyle().split_credit("Xin chào. Foto: An").credit is None
    assert HouseStyle(label_variants=("Foto",)).split_credit("Xin chào. Foto: An").credit == "An"


def test_format_caption() -> None:
    assert HouseStyle().format_caption("会议概况。", "Thanh Cuong") == "会议概况。图片:Thanh Cuong"
    assert HouseStyle().format_caption("会议概况。", "") == "会议概况。"
    english = HouseStyle(credit_label="Photo", credit_format="{caption} ({label}: {credit})")
    assert english.format_caption("Delegates.", "Jane {Doe}") == "Delegates. (Photo: Jane {Doe})"
    assert english.format_caption("x", "A", label="Credit") == "x (Credit: A)"


def test_toml_round_trip(tmp_path: Path) -> None:
    style = HouseStyle(
        credit_label="Ảnh",
        credit_format='{caption} ({label}: {credit}) "q"',
        label_variants=("Foto", "Bild\\x"),
        required={"caption": "error", "credit": "warning", "byline": "off", "copyright": "info"},
        severity={**HouseStyle().severity, "alias": "error"},
        people=(Person("Thanh Cuong", ("清强", "Thanh Cường")), Person("TTXVN", (), "agency")),
    )
    path = save_house_style(style, tmp_path / "hs.toml")
    assert load_house_style(path) == style
    assert tomllib.loads(dump_house_style(style))["credit_label"] == "Ảnh"


def test_shipped_seed_house_style() -> None:
    style = load_house_style(DATA / "housestyle.toml")
    assert style.credit_label == "图片"
    assert style.people == (Person("Thanh Cuong", ("清强", "Thanh Cường"), "photographer"),)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('credit_label = ""', "credit_label"),
        ('credit_format = "{caption}{label}"', "credit_format"),
        ('credit_format = "{caption}{credit}{date}"', "credit_format"),
        ('[required]\ncaptions = "error"', "unknown field 'captions'"),
        ('[required]\ncaption = "fatal"', "required.caption"),
        ('[severity]\nspelling = "error"', "unknown check 'spelling'"),
        ('[[people]]\naliases = ["x"]', "needs a name"),
        ('[[people]]\nname = "A"\nrole = "editor"', "role"),
        ("label_variants = 3", "label_variants"),
    ],
)
def test_invalid_house_style(toml: str, message: str) -> None:
    with pytest.raises(HouseStyleError, match=message):
        parse_house_style(tomllib.loads(toml), source="hs.toml")


def test_unreadable_house_style(tmp_path: Path) -> None:
    bad = tmp_path / "housestyle.toml"
    bad.write_text("credit_label = ", encoding="utf-8")
    with pytest.raises(HouseStyleError, match="cannot read house style"):
        load_house_style(bad)
    with pytest.raises(HouseStyleError, match="not found"):
        load_house_style(tmp_path / "missing.toml")
    assert load_house_style(None) == HouseStyle()


def test_find_house_style(tmp_path: Path) -> None:
    assert find_house_style(tmp_path) is None
    save_house_style(HouseStyle(credit_label="Photo"))
    assert find_house_style(tmp_path) == default_path()
    assert default_path().is_relative_to(Path.home())
    local = save_house_style(HouseStyle(), tmp_path / "housestyle.toml")
    assert find_house_style(tmp_path) == local
    assert find_house_style(tmp_path, explicit=tmp_path / "x.toml") == tmp_path / "x.toml"


def test_people_resolve() -> None:
    people = People([Person("Thanh Cuong", ("清强",))])
    people.add(Person("Thanh Cuong", ("Thanh Cường",)))
    people.add(Person("TTXVN", (), "agency"))
    assert len(people) == 2
    assert people.resolve("thanh  cuong") == "Thanh Cuong"
    assert people.resolve("THANH CƯỜNG") == "Thanh Cuong"
    assert people.resolve("清强") == "Thanh Cuong"
    assert people.resolve("ttxvn") == "TTXVN"
    assert people.resolve("Nguyen") is None
    assert not People()
