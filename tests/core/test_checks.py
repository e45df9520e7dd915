"""Credit checks: each check on constructed metadata, then on real files written by the metadata engine."""

from __future__ import annotations

from pathlib import Path

from helpers import make_jpeg

from captioner.catalogue import Catalogue
from captioner.checks import Finding, check_metadata, check_paths, has_errors
from captioner.housestyle import HouseStyle, People, Person
from captioner.photo import FileStamp, PhotoMetadata
from captioner.reading import read_metadata
from captioner.writing import write_fields

PEOPLE = People([Person("Thanh Cuong", ("清强", "Thanh Cường"))])
STAMP = FileStamp(10, 1, "a" * 64)
COMPLETE = {
    "caption": "会议概况。图片:Thanh Cuong",
    "byline": ["Thanh Cuong"],
    "credit": "Thanh Cuong",
    "copyright": "Báo Nghệ An",
}


def meta(**fields: object) -> PhotoMetadata:
    return PhotoMetadata(Path("bna_1.jpg"), "image/jpeg", 64, 48, STAMP, fields=dict(fields))  # type: ignore[arg-type]


def codes(findings: list[Finding]) -> list[tuple[str, str | None, str]]:
    return [(f.code, f.field, f.severity) for f in findings]


def test_complete_picture_has_no_findings() -> None:
    assert check_metadata(meta(**COMPLETE), HouseStyle(), PEOPLE) == []


def test_missing_fields_per_house_style() -> None:
    found = check_metadata(meta(), HouseStyle(), PEOPLE)
    assert codes(found) == [
        ("missing", "caption", "error"),
        ("missing", "credit", "error"),
        ("missing", "byline", "warning"),
        ("missing", "copyright", "warning"),
    ]
    assert has_errors(found)
    assert found[0].line() == "bna_1.jpg: error: caption: no caption (fix: write a caption)"
    relaxed = HouseStyle(required={"caption": "error", "credit": "off", "byline": "off", "copyright": "info"})
    assert codes(check_metadata(meta(caption="x"), relaxed, PEOPLE)) == [("missing", "copyright", "info")]


def test_missing_credit_suggests_byline() -> None:
    found = check_metadata(meta(**{**COMPLETE, "credit": ""}), HouseStyle(), PEOPLE)
    assert codes(found) == [("missing", "credit", "error")]
    assert found[0].fix == "write the byline Thanh Cuong as credit"


def test_alias_in_byline_credit_and_caption_with_certain_fixes() -> None:
    found = check_metadata(
        meta(caption="颁发奖状。图片:清强", byline=["清强"], credit="Thanh Cường", copyright="c"), HouseStyle(), PEOPLE
    )
    by_field = {f.field: f for f in found}
    assert codes(found) == [
        ("alias", "byline", "warning"),
        ("alias", "credit", "warning"),
        ("alias", "caption", "warning"),
    ]
    assert by_field["byline"].message == "清强 is an alias of Thanh Cuong"
    assert by_field["byline"].fix_changes == {"byline": ["Thanh Cuong"]}
    assert by_field["credit"].fix_changes == {"credit": "Thanh Cuong"}
    assert by_field["caption"].fix_changes == {"caption": "颁发奖状。图片:Thanh Cuong"}
    assert not has_errors(found)


def test_label_drift() -> None:
    for label in ("图", "图片来源", "Photo"):
        found = check_metadata(meta(**{**COMPLETE, "caption": f"会议概况。{label}:Thanh Cuong"}), HouseStyle(), PEOPLE)
        assert codes(found) == [("label", "caption", "warning")]
        assert found[0].message == f"credit label {label}: is not the house style's 图片:"
        assert found[0].fix_changes == {"caption": "会议概况。图片:Thanh Cuong"}


def test_credit_format_drift() -> None:
    found = check_metadata(meta(**{**COMPLETE, "caption": "会议概况。图片：Thanh Cuong"}), HouseStyle(), PEOPLE)
    assert codes(found) == [("label", "caption", "warning")]
    assert found[0].message == "the credit is not written in the house format (图片:Thanh Cuong)"
    assert found[0].fix_changes == {"caption": "会议概况。图片:Thanh Cuong"}
    english = HouseStyle(credit_label="Photo", credit_format="{caption} ({label}: {credit})")
    fields = {**COMPLETE, "caption": "Delegates. (Photo: Thanh Cuong)"}
    assert check_metadata(meta(**fields), english, PEOPLE) == []
    found = check_metadata(meta(**{**fields, "caption": "Delegates. Photo: Thanh Cuong"}), english, PEOPLE)
    assert found[0].fix_changes == {"caption": "Delegates. (Photo: Thanh Cuong)"}


def test_unknown_person_only_with_a_registry() -> None:
    fields = {**COMPLETE, "caption": "说明。图片:Nguyen Van A", "byline": ["Nguyen Van A"], "credit": "Nguyen Van A"}
    found = check_metadata(meta(**fields), HouseStyle(), PEOPLE)
    assert codes(found) == [
        ("unknown_person", "byline", "warning"),
        ("unknown_person", "credit", "warning"),
        ("unknown_person", "caption", "warning"),
    ]
    assert check_metadata(meta(**fields), HouseStyle(), People()) == []


def test_caption_credit_disagrees_with_byline() -> None:
    found = check_metadata(meta(**{**COMPLETE, "byline": ["Hoang Anh"]}), HouseStyle(), People())
    assert codes(found) == [("credit_mismatch", "caption", "error")]
    assert found[0].message == "the caption credits Thanh Cuong but the byline is Hoang Anh"
    # An alias of the byline's photographer is no mismatch (the alias check reports it).
    alias = check_metadata(meta(**{**COMPLETE, "caption": "说明。图片:清强"}), HouseStyle(), PEOPLE)
    assert codes(alias) == [("alias", "caption", "warning")]


def test_engine_reported_damage() -> None:
    damaged = meta(**COMPLETE)
    damaged.iim_truncated = ["caption"]
    damaged.conflicts = ["credit"]
    damaged.sources = {"credit": {"exif": None, "iim": "Thanh Cuong", "xmp": "TTXVN"}}
    damaged.digest = "stale"
    damaged.iim_charset = "cp1252"
    found = check_metadata(damaged, HouseStyle(), PEOPLE, catalogued=FileStamp(11, 2, "b" * 64))
    assert codes(found) == [
        ("iim_truncated", "caption", "warning"),
        ("conflict", "credit", "warning"),
        ("stale_digest", None, "warning"),
        ("legacy_charset", None, "warning"),
        ("changed_on_disk", None, "warning"),
    ]
    assert "iim 'Thanh Cuong', xmp 'TTXVN'" in found[1].message
    assert "2000 bytes" in found[0].message
    assert check_metadata(damaged, HouseStyle(), PEOPLE, catalogued=STAMP)[-1].code == "legacy_charset"


def test_severity_from_house_style() -> None:
    style = HouseStyle(severity={**HouseStyle().severity, "label": "error", "alias": "off"})
    found = check_metadata(meta(**{**COMPLETE, "caption": "说明。图:清强"}), style, PEOPLE)
    assert codes(found) == [("label", "caption", "error")]


def test_check_real_files(tmp_path: Path) -> None:
    good = make_jpeg(tmp_path / "bna_1.jpg")
    write_fields(good, COMPLETE)
    drift = make_jpeg(tmp_path / "bna_2.jpg", seed=2)
    write_fields(drift, {**COMPLETE, "caption": "说明。图片来源:Thanh Cuong", "byline": ["清强"]})
    broken = tmp_path / "bna_3.jpg"
    broken.write_bytes(b"not a jpeg at all")
    results = dict(check_paths([good, drift, broken], HouseStyle(), PEOPLE))
    assert results[good] == []
    assert codes(results[drift]) == [("alias", "byline", "warning"), ("label", "caption", "warning")]
    assert codes(results[broken]) == [("unreadable", None, "error")]
    assert results[broken][0].message.startswith("cannot read: ")


def test_check_against_catalogue(tmp_path: Path) -> None:
    path = make_jpeg(tmp_path / "bna_1.jpg")
    write_fields(path, COMPLETE)
    with Catalogue.open(tmp_path / "cat.db") as catalogue:
        catalogue.upsert_photo(read_metadata(path))
        assert dict(check_paths([path], HouseStyle(), PEOPLE, catalogue))[path] == []
        write_fields(path, {"headline": "changed behind the catalogue's back"})
        found = dict(check_paths([path], HouseStyle(), PEOPLE, catalogue))[path]
        assert codes(found) == [("changed_on_disk", None, "warning")]


def test_check_missing_file(tmp_path: Path) -> None:
    found = dict(check_paths([tmp_path / "gone.jpg"], HouseStyle(), PEOPLE))[tmp_path / "gone.jpg"]
    assert codes(found) == [("unreadable", None, "error")]


def test_certain_fixes_applied(tmp_path: Path) -> None:
    from captioner.checks import apply_fixes, certain_fixes

    path = make_jpeg(tmp_path / "bna_1.jpg")
    write_fields(path, {**COMPLETE, "caption": "说明。图:清强", "byline": ["清强", "Hoang Anh"], "credit": "清强"})
    people = People([*PEOPLE, Person("Hoang Anh")])
    findings = dict(check_paths([path], HouseStyle(), people))[path]
    assert certain_fixes(findings) == {
        path: {"byline": ["Thanh Cuong", "Hoang Anh"], "credit": "Thanh Cuong", "caption": "说明。图片:Thanh Cuong"}
    }
    with Catalogue.open(tmp_path / "cat.db") as catalogue:
        items = list(apply_fixes(findings, catalogue))
        assert [i.error for i in items] == [None]
        assert len(catalogue.history(path)) == 3
    assert dict(check_paths([path], HouseStyle(), people))[path] == []


def test_fix_refused_when_file_changed_since_check(tmp_path: Path) -> None:
    from captioner.checks import apply_fixes
    from captioner.errors import ChangedOnDiskError

    path = make_jpeg(tmp_path / "bna_1.jpg")
    write_fields(path, {**COMPLETE, "credit": "清强"})
    findings = dict(check_paths([path], HouseStyle(), PEOPLE))[path]
    write_fields(path, {"headline": "someone else's edit"})
    items = list(apply_fixes(findings))
    assert isinstance(items[0].error, ChangedOnDiskError)
    assert read_metadata(path).value("credit") == "清强"
