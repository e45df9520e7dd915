"""Article import: reading drafts (text, DOCX), parsing the caption list, planning the changes."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from captioner.article import (
    ArticleEntry,
    ArticleError,
    article_text_from_bytes,
    parse_article,
    plan_import,
    read_article_text,
)
from captioner.housestyle import HouseStyle, People, Person
from captioner.photo import FileStamp, PhotoMetadata

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "captioner" / "data" / "seed_article.txt"
SEED_ORDER = [9336, 9297, 9278, 9309, 9326, 9353, 9363, 9384, 9391, 9402, 9413, 9422]
SEED_PEOPLE = People([Person("Thanh Cuong", ("清强", "Thanh Cường"))])


def test_packaged_seed_is_the_shared_seed() -> None:
    shared = ROOT.parent / "shared" / "seed" / "000_bac7dcb254da50f1.txt"
    assert SEED.read_bytes() == shared.read_bytes()


def test_parse_seed_in_article_order() -> None:
    entries = parse_article(read_article_text(SEED))
    assert [e.file for e in entries] == [f"bna_{n}.jpg" for n in SEED_ORDER]
    assert entries[0].caption == "会议概况。图片:Thanh Cuong"
    assert entries[0].line == 9
    assert entries[4].caption.endswith("图:Thanh Cuong")
    assert entries[7].caption.endswith("图片:清强")
    assert entries[8].caption.endswith("图片来源:Thanh Cuong")


def test_parse_one_line_form_and_full_width_colon() -> None:
    text = (
        "Headline\n\n"
        "bna_9336.jpg: 会议概况。图片：Thanh Cuong\n"
        "Some paragraph: with a colon.\n"
        "BNA_9297.JPG：出席会议的代表。Ảnh: Thanh Cường\n"
        "bna_9278.jpg\t代表。摄影:清强\n"
    )
    entries = parse_article(text)
    assert [(e.file, e.caption, e.line) for e in entries] == [
        ("bna_9336.jpg", "会议概况。图片：Thanh Cuong", 3),
        ("BNA_9297.JPG", "出席会议的代表。Ảnh: Thanh Cường", 5),
        ("bna_9278.jpg", "代表。摄影:清强", 6),
    ]


def test_file_line_without_caption() -> None:
    entries = parse_article("bna_1.jpg\nbna_2.jpg\ncaption two. Photo: A\n\nbna_3.jpg\n")
    assert [(e.file, e.caption) for e in entries] == [
        ("bna_1.jpg", ""),
        ("bna_2.jpg", "caption two. Photo: A"),
        ("bna_3.jpg", ""),
    ]


def test_file_name_after_a_folder_path() -> None:
    entries = parse_article("photos/2025-01-07/bna_1.jpg\n说明。图片:A\n\\\\server\\share\\bna_2.jpg: 二\n")
    assert [(e.file, e.caption) for e in entries] == [("bna_1.jpg", "说明。图片:A"), ("bna_2.jpg", "二")]


def test_crlf_and_bom() -> None:
    data = "\ufeffbna_1.jpg\r\n说明。图片:A\r\n".encode()
    assert parse_article(article_text_from_bytes(data)) == [ArticleEntry("bna_1.jpg", "说明。图片:A", 1)]
    utf16 = "bna_1.jpg\n说明。图片:A\n".encode("utf-16")
    assert parse_article(article_text_from_bytes(utf16))[0].caption == "说明。图片:A"


@pytest.mark.parametrize("text", ["", "   \n\n", "An article with no pictures at all.\nNone: here.\n"])
def test_no_pictures(text: str) -> None:
    with pytest.raises(ArticleError, match="no pictures found"):
        parse_article(text, "draft.txt")


def test_binary_and_bad_text(tmp_path: Path) -> None:
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" * 20)
    with pytest.raises(ArticleError, match="binary file, not a text or DOCX article"):
        read_article_text(binary)
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("bna_1.jpg\n会议概况。图片:A\n".encode("gbk"))
    with pytest.raises(ArticleError, match="not UTF-8 text"):
        read_article_text(gbk)
    with pytest.raises(ArticleError, match="article not found"):
        read_article_text(tmp_path / "missing.txt")
    fake_docx = tmp_path / "broken.docx"
    fake_docx.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ArticleError, match="not a readable DOCX"):
        read_article_text(fake_docx)


def test_docx_article(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("消息")
    for entry in parse_article(read_article_text(SEED)):
        document.add_paragraph(entry.file)
        document.add_paragraph(entry.caption)
        document.add_paragraph("正文段落。")
    path = tmp_path / "draft.docx"
    document.save(str(path))
    entries = parse_article(read_article_text(path))
    assert [e.file for e in entries] == [f"bna_{n}.jpg" for n in SEED_ORDER]
    assert entries[7].caption.endswith("图片:清强")


def test_docx_table_rows(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "bna_1.jpg", "说明一。图片:A"
    table.cell(1, 0).text, table.cell(1, 1).text = "bna_2.jpg", "说明二。图:B"
    out = io.BytesIO()
    document.save(out)
    entries = parse_article(article_text_from_bytes(out.getvalue()))
    assert [(e.file, e.caption) for e in entries] == [("bna_1.jpg", "说明一。图片:A"), ("bna_2.jpg", "说明二。图:B")]


def _blank(path: Path, **fields: object) -> PhotoMetadata:
    return PhotoMetadata(path, "image/jpeg", 64, 48, FileStamp(1, 1, "0" * 64), fields=dict(fields))  # type: ignore[arg-type]


def _folder(tmp_path: Path, numbers: list[int]) -> Path:
    for n in numbers:
        (tmp_path / f"bna_{n}.jpg").write_bytes(b"")
    return tmp_path


def test_plan_seed_flags_exactly_the_drift(tmp_path: Path) -> None:
    folder = _folder(tmp_path, SEED_ORDER)
    entries = parse_article(read_article_text(SEED))
    plan = plan_import(entries, folder, HouseStyle(), SEED_PEOPLE, reader=_blank)
    assert [e.file for e in plan.entries] == [f"bna_{n}.jpg" for n in SEED_ORDER]
    flagged = {e.file: e.warnings for e in plan.entries if e.warnings}
    assert sorted(flagged) == ["bna_9326.jpg", "bna_9384.jpg", "bna_9391.jpg"]
    assert "label 图:" in flagged["bna_9326.jpg"][0]
    assert "label 图片来源:" in flagged["bna_9391.jpg"][0]
    assert flagged["bna_9384.jpg"] == ["清强 is an alias of Thanh Cuong; Thanh Cuong will be written"]
    assert plan.unmatched == [] and plan.unused == []
    for entry in plan.entries:
        assert entry.caption.endswith("图片:Thanh Cuong")
        assert entry.changes == {"caption": entry.caption, "credit": "Thanh Cuong", "byline": ["Thanh Cuong"]}
    assert plan.entries[4].label == "图"
    assert plan.entries[4].caption == "科技部部长阮贵灵同志认真领会第17号决议的具体内容。图片:Thanh Cuong"
    assert plan.to_json()["entries"][7] == {
        "file": "bna_9384.jpg",
        "caption": "省委常务副书记、省人民议会主席黄义孝向两支在宣传工作中取得突出成绩的集体"
        "颁发中宣部颁发的奖状。图片:Thanh Cuong",
        "credit": "Thanh Cuong",
        "label": "图片",
        "byline": "Thanh Cuong",
        "warnings": ["清强 is an alias of Thanh Cuong; Thanh Cuong will be written"],
    }


def test_plan_unmatched_unused_and_unchanged(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [1, 2, 3])
    (folder / "notes.txt").write_text("not a picture")
    entries = parse_article("bna_1.jpg\n说明。图片:Thanh Cuong\n\nbna_9.jpg\n说明九。图片:Thanh Cuong\n")

    def reader(path: Path) -> PhotoMetadata:
        return _blank(path, caption="说明。图片:Thanh Cuong", byline=["Thanh Cuong"], credit="Thanh Cuong")

    plan = plan_import(entries, folder, HouseStyle(), SEED_PEOPLE, reader=reader)
    assert plan.unmatched == ["bna_9.jpg"]
    assert plan.unused == ["bna_2.jpg", "bna_3.jpg"]
    assert plan.entries[0].changes == {}
    assert plan.entries[1].path is None
    assert plan.entries[1].warnings == [f"not found in {folder}"]
    assert plan.paths == [folder / "bna_1.jpg"]


def test_plan_duplicates_refused(tmp_path: Path) -> None:
    entries = parse_article("bna_1.jpg\n一。图片:A\n\nbna_2.jpg\n二。图片:A\n\nBNA_1.jpg\n三。图片:A\n")
    with pytest.raises(ArticleError, match=r"bna_1\.jpg is named 2 times in the article \(lines 1, 7\)"):
        plan_import(entries, tmp_path, HouseStyle(), People(), reader=_blank, article="draft.txt")


def test_plan_no_credit_unknown_person_and_agency(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [1, 2, 3])
    entries = parse_article(
        "bna_1.jpg: 没有署名的说明。\nbna_2.jpg: 说明。图片:Nguyen Van A\nbna_3.jpg: 说明。图片:ttxvn\n"
    )
    people = People([*SEED_PEOPLE, Person("TTXVN", (), "agency")])
    plan = plan_import(entries, folder, HouseStyle(), people, reader=_blank)
    first, second, third = plan.entries
    assert first.changes == {"caption": "没有署名的说明。"}
    assert first.warnings == ["the caption does not end with a credit (label:name); only the caption is written"]
    assert second.warnings == ["Nguyen Van A is not in the people registry"]
    assert second.changes["byline"] == ["Nguyen Van A"]
    assert third.credit == "TTXVN" and third.byline == ""
    assert third.changes == {"caption": "说明。图片:TTXVN", "credit": "TTXVN"}
    assert "byline" not in third.changes


def test_plan_file_without_caption_leaves_the_picture_alone(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [1, 2])
    entries = parse_article("bna_1.jpg\nbna_2.jpg\n二。图片:A\n")

    def reader(path: Path) -> PhotoMetadata:
        return _blank(path, caption="已有的说明。图片:B", byline=["B"], credit="B")

    plan = plan_import(entries, folder, HouseStyle(), People(), reader=reader)
    assert plan.entries[0].changes == {}
    assert plan.entries[0].warnings == ["no caption follows the file name; the picture is left as it is"]
    assert plan.entries[1].changes == {"caption": "二。图片:A", "credit": "A", "byline": ["A"]}


def test_plan_empty_registry_does_not_warn_unknown(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [1])
    plan = plan_import(parse_article("bna_1.jpg: 说明。图片:Someone\n"), folder, HouseStyle(), People(), reader=_blank)
    assert plan.entries[0].warnings == []


def test_plan_house_style_format(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [1])
    style = HouseStyle(credit_label="Photo", credit_format="{caption} ({label}: {credit})")
    plan = plan_import(parse_article("bna_1.jpg: Delegates. Ảnh: Thanh Cường\n"), folder, style, SEED_PEOPLE, _blank)
    entry = plan.entries[0]
    assert entry.caption == "Delegates. (Photo: Thanh Cuong)"
    assert entry.label == "Ảnh"
    assert len(entry.warnings) == 2


def test_plan_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="folder not found"):
        plan_import(parse_article("bna_1.jpg: x\n"), tmp_path / "nope", HouseStyle(), People(), reader=_blank)


def test_apply_import_skip_catalogue_and_story(tmp_path: Path) -> None:
    from helpers import make_jpeg

    from captioner.article import apply_import
    from captioner.catalogue import Catalogue
    from captioner.reading import read_metadata

    for n in (1, 2, 3):
        make_jpeg(tmp_path / f"bna_{n}.jpg", seed=n)
    text = "bna_3.jpg: 三。图:清强\nbna_1.jpg: 一。图片:Thanh Cuong\nbna_2.jpg: 二。图片:Thanh Cuong\n"
    plan = plan_import(parse_article(text), tmp_path, HouseStyle(), SEED_PEOPLE)
    skipped = tmp_path / "bna_2.jpg"
    before = skipped.read_bytes()
    with Catalogue.open(tmp_path / "cat.db") as catalogue:
        outcomes = list(apply_import(plan, catalogue, "稿件", skip={skipped}))
        assert [(o.entry.file, o.written, o.error) for o in outcomes] == [
            ("bna_3.jpg", True, None),
            ("bna_1.jpg", True, None),
            ("bna_2.jpg", False, None),
        ]
        assert catalogue.story("稿件") == [tmp_path / f"bna_{n}.jpg" for n in (3, 1, 2)]
        history = catalogue.history(tmp_path / "bna_3.jpg")
        assert {h["field"] for h in history} == {"caption", "byline", "credit"}
    assert skipped.read_bytes() == before
    third = read_metadata(tmp_path / "bna_3.jpg")
    assert third.value("caption") == "三。图片:Thanh Cuong"
    assert third.value("byline") == ["Thanh Cuong"]
