"""Templates (stationery pad) and code replacements: modes, variables, saved sets, codes files."""

from __future__ import annotations

from pathlib import Path

import pytest

from captioner.templates import (
    PictureContext,
    Template,
    TemplateField,
    apply_template,
    expand_codes,
    load_codes,
    load_templates,
    parse_codes,
    save_templates,
)

PIC = Path("/news/2024-nghe-an/bna_9336.jpg")
VALUES = {
    "caption": "Hội nghị tổng kết.",
    "byline": ["Thanh Cuong"],
    "credit": "BNA",
    "date_created": "2024-01-07T08:30:00+07:00",
    "keywords": ["hội nghị"],
}


def ctx(seq: int = 3) -> PictureContext:
    return PictureContext(PIC, seq, VALUES)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("replace", "Ảnh: Thanh Cuong"),
        ("prefix", "Ảnh: Thanh CuongHội nghị tổng kết."),
        ("append", "Hội nghị tổng kết.Ảnh: Thanh Cuong"),
    ],
)
def test_modes_on_a_text_field(mode: str, expected: str) -> None:
    template = Template("t", [TemplateField("caption", "Ảnh: {byline}", mode)])  # type: ignore[arg-type]
    assert apply_template(template, ctx()) == {"caption": expected}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("replace", ["Nghệ An", "hội nghị"]),
        ("prefix", ["Nghệ An", "hội nghị"]),
        ("append", ["hội nghị", "Nghệ An"]),
    ],
)
def test_modes_on_a_list_field_do_not_duplicate(mode: str, expected: list[str]) -> None:
    template = Template("t", [TemplateField("keywords", "Nghệ An; hội nghị", mode)])  # type: ignore[arg-type]
    assert apply_template(template, ctx()) == {"keywords": expected}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{filename}", "bna_9336.jpg"),
        ("{folder}", "2024-nghe-an"),
        ("{seq}", "3"),
        ("{date}", "2024-01-07"),
        ("{byline}", "Thanh Cuong"),
        ("{credit}", "BNA"),
        ("{unknown} {seq", "{unknown} {seq"),
    ],
)
def test_each_variable(text: str, expected: str) -> None:
    template = Template("t", [TemplateField("headline", text)])
    assert apply_template(template, ctx()) == {"headline": expected}


def test_byline_and_credit_rows_apply_before_the_others_use_them() -> None:
    template = Template(
        "t",
        [
            TemplateField("caption", " 图片:{byline}", "append"),
            TemplateField("byline", "清强"),
            TemplateField("credit", "{byline} / BNA"),
            TemplateField("headline", "ignored", enabled=False),
        ],
    )
    assert apply_template(template, ctx()) == {
        "byline": ["清强"],
        "credit": "清强 / BNA",
        "caption": "Hội nghị tổng kết. 图片:清强",
    }


def test_replace_with_empty_text_clears() -> None:
    assert apply_template(Template("t", [TemplateField("credit", "")]), ctx()) == {"credit": ""}


def test_templates_saved_and_loaded(tmp_path: Path) -> None:
    file = tmp_path / "cfg" / "templates.json"
    assert load_templates(file) == []
    templates = [Template("Nghệ An desk", [TemplateField("credit", "Báo Nghệ An", "replace", True)])]
    save_templates(file, templates)
    assert load_templates(file) == templates
    assert "Nghệ An desk" in file.read_text(encoding="utf-8")


def test_codes_file_format(tmp_path: Path) -> None:
    file = tmp_path / "codes.txt"
    file.write_text("\ufefftc\tThanh Cuong\n# comment\n\nna\tNghệ An\r\nno tab here\n", encoding="utf-8")
    assert load_codes(file) == {"tc": "Thanh Cuong", "na": "Nghệ An"}
    assert parse_codes("") == {}


def test_expand_codes_keeps_the_cursor_in_place() -> None:
    codes = {"tc": "Thanh Cuong", "na": "Nghệ An"}
    assert expand_codes("Ảnh: \\tc\\", codes) == ("Ảnh: Thanh Cuong", 16)
    text, cursor = expand_codes("\\na\\ x \\tc\\ y", codes, cursor=7)
    assert text == "Nghệ An x \\tc\\ y".replace("\\tc\\", "Thanh Cuong")
    assert cursor == 10  # after "Nghệ An x " — shifted by the first replacement only
    assert expand_codes("\\TC\\", codes)[0] == "Thanh Cuong"  # case-insensitive fallback
    assert expand_codes("C:\\unknown\\path", codes)[0] == "C:\\unknown\\path"
