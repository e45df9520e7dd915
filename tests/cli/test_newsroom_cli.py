"""``check``, ``import-article``, ``export`` and ``demo`` on bad input: clear one-line errors, exit 0/1/2."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import make_jpeg
from helpers import run_cli as run

from captioner.housestyle import HouseStyle, Person, save_house_style
from captioner.reading import read_metadata

ARTICLE = "bna_1.jpg\n说明一。图片:Thanh Cuong\n\nbna_2.jpg\n说明二。图:清强\n\nbna_3.jpg\n说明三。图片:Thanh Cuong\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    for n in (1, 2, 3):
        make_jpeg(pictures / f"bna_{n}.jpg", seed=n)
    save_house_style(HouseStyle(people=(Person("Thanh Cuong", ("清强",)),)), pictures / "housestyle.toml")
    return pictures


def article(tmp_path: Path, text: str | bytes, name: str = "draft.txt") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def catalogue_opt(tmp_path: Path) -> list[str]:
    return ["--catalogue", str(tmp_path / "catalogue.db")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "no pictures found"),
        ("Just a paragraph.\nAnother: with a colon.\n", "no pictures found"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, "a binary file, not a text or DOCX article"),
        ("bna_1.jpg\n一。图片:A\n\nbna_1.jpg\n二。图片:A\n", "bna_1.jpg is named 2 times in the article (lines 1, 4)"),
    ],
)
@pytest.mark.parametrize("apply", [False, True])
def test_bad_article_writes_nothing(
    folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | bytes,
    message: str,
    apply: bool,
) -> None:
    before = snapshot(folder)
    args = ["import-article", article(tmp_path, content), "--folder", str(folder), *catalogue_opt(tmp_path)]
    code, out, err = run(capsys, *args, *(["--apply"] if apply else []))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and message in err
    assert err.startswith("captioner: ")
    assert snapshot(folder) == before
    assert not (tmp_path / "catalogue.db").exists()


def test_missing_article_and_folder(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "import-article", str(tmp_path / "nope.txt"), "--folder", str(folder))
    assert code == 1 and "article not found" in err
    code, _, err = run(capsys, "import-article", article(tmp_path, ARTICLE), "--folder", str(tmp_path / "nope"))
    assert code == 1 and "folder not found" in err
    code, _, err = run(capsys, "import-article", article(tmp_path, ARTICLE))
    assert code == 2 and "--folder" in err


def test_article_naming_missing_files(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "bna_3.jpg").unlink()
    make_jpeg(folder / "bna_4.jpg")
    text = ARTICLE + "\nbna_9.jpg\n说明九。图片:Thanh Cuong\n"
    before = snapshot(folder)
    code, out, _ = run(capsys, "import-article", article(tmp_path, text), "--folder", str(folder), "--json")
    plan = json.loads(out)
    assert code == 0
    assert plan["unmatched"] == ["bna_3.jpg", "bna_9.jpg"]
    assert plan["unused"] == ["bna_4.jpg"]
    assert [e["file"] for e in plan["entries"]] == ["bna_1.jpg", "bna_2.jpg", "bna_3.jpg", "bna_9.jpg"]
    code, out, _ = run(capsys, "import-article", article(tmp_path, text), "--folder", str(folder))
    assert f"Named in the article but not in {folder}: bna_3.jpg, bna_9.jpg" in out
    assert "In the folder but not in the article: bna_4.jpg" in out
    assert snapshot(folder) == before

    code, out, err = run(
        capsys, "import-article", article(tmp_path, text), "--folder", str(folder), "--apply", *catalogue_opt(tmp_path)
    )
    assert code == 1
    assert err.splitlines() == [
        f"captioner: bna_3.jpg: not found in {folder}",
        f"captioner: bna_9.jpg: not found in {folder}",
    ]
    assert "Written: 2 pictures" in out and "story 'draft' has 2 pictures" in out
    assert read_metadata(folder / "bna_2.jpg").value("caption") == "说明二。图片:Thanh Cuong"


def test_read_only_picture_in_the_middle(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], exiftool: Callable[..., dict]
) -> None:
    locked = folder / "bna_2.jpg"
    original = locked.read_bytes()
    os.chmod(locked, 0o444)
    try:
        code, out, err = run(
            capsys,
            "import-article",
            article(tmp_path, ARTICLE),
            "--folder",
            str(folder),
            "--apply",
            *catalogue_opt(tmp_path),
        )
    finally:
        os.chmod(locked, 0o644)
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"captioner: {locked}: not written: ")
    assert "Written: 2 pictures, 0 already up to date, 1 failed" in out
    assert locked.read_bytes() == original
    assert exiftool(folder / "bna_1.jpg")["IPTC:Caption-Abstract"] == "说明一。图片:Thanh Cuong"
    assert exiftool(folder / "bna_3.jpg")["XMP-dc:Creator"] == ["Thanh Cuong"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_changed_on_disk_between_read_and_write_is_refused(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import captioner.article as article_module

    real_plan = article_module.plan_import

    def plan_then_touch(*args: object, **kwargs: object) -> article_module.ImportPlan:
        plan = real_plan(*args, **kwargs)  # type: ignore[arg-type]
        make_jpeg(folder / "bna_1.jpg", seed=42)
        return plan

    monkeypatch.setattr("captioner.cli.newsroom_cmds.plan_import", plan_then_touch)
    code, _, err = run(
        capsys,
        "import-article",
        article(tmp_path, ARTICLE),
        "--folder",
        str(folder),
        "--apply",
        *catalogue_opt(tmp_path),
    )
    assert code == 1
    assert "bna_1.jpg: changed on disk since it was read" in err
    assert read_metadata(folder / "bna_1.jpg").value("caption") == ""
    assert read_metadata(folder / "bna_3.jpg").value("caption") == "说明三。图片:Thanh Cuong"


def test_docx_article_and_explicit_house_style(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import docx

    document = docx.Document()
    for line in ARTICLE.splitlines():
        document.add_paragraph(line)
    document.save(tmp_path / "draft.docx")
    style = save_house_style(
        HouseStyle(
            credit_label="Ảnh",
            credit_format="{caption} ({label}: {credit})",
            people=(Person("Thanh Cuong", ("清强",)),),
        ),
        tmp_path / "vi.toml",
    )
    code, out, _ = run(
        capsys,
        "import-article",
        str(tmp_path / "draft.docx"),
        "--folder",
        str(folder),
        "--json",
        "--house-style",
        str(style),
    )
    assert code == 0
    entries = json.loads(out)["entries"]
    assert [e["caption"] for e in entries] == [
        "说明一。 (Ảnh: Thanh Cuong)",
        "说明二。 (Ảnh: Thanh Cuong)",
        "说明三。 (Ảnh: Thanh Cuong)",
    ]
    assert [len(e["warnings"]) for e in entries] == [1, 2, 1]
    code, _, err = run(
        capsys,
        "import-article",
        str(tmp_path / "draft.docx"),
        "--folder",
        str(folder),
        "--house-style",
        str(tmp_path / "missing.toml"),
    )
    assert code == 1 and "house style not found" in err


def test_check_usage_and_json(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check")[0] == 2
    code, _, err = run(capsys, "check", "--story", "x", *catalogue_opt(tmp_path))
    assert code == 2 and "no catalogue" in err
    (folder / "bna_9.jpg").write_bytes(b"garbage")
    code, out, _ = run(capsys, "check", str(folder / "bna_1.jpg"), str(folder / "bna_9.jpg"), "--json")
    report = json.loads(out)
    assert code == 1
    assert report["files"] == 2
    assert report["errors"] == 3
    unreadable = [f for f in report["findings"] if f["code"] == "unreadable"]
    assert unreadable[0]["path"] == str(folder / "bna_9.jpg")
    assert set(report["findings"][0]) == {"path", "field", "severity", "code", "message", "fix", "fix_changes"}


def test_export_usage(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "export", "--format", "csv")
    assert code == 2 and "either --story NAME or pictures" in err
    code, _, err = run(capsys, "export", str(folder / "bna_1.jpg"), "--story", "s", "--format", "csv")
    assert code == 2
    code, _, err = run(capsys, "export", "--story", "s", "--format", "csv", *catalogue_opt(tmp_path))
    assert code == 2 and "no catalogue" in err
    code, _, err = run(capsys, "export", str(folder), "--format", "rtf")
    assert code == 2 and "invalid choice" in err
    code, out, err = run(capsys, "export", str(folder / "bna_1.jpg"), str(folder / "gone.jpg"), "--format", "article")
    assert code == 1
    assert err.count("\n") == 1 and "gone.jpg" in err
    assert out.startswith("bna_1.jpg\n")
    code, _, err = run(capsys, "export", str(folder), "--format", "csv", "-o", str(tmp_path / "no" / "x.csv"))
    assert code == 1 and "cannot write" in err


def test_export_files_in_the_given_order(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(
        capsys,
        "import-article",
        article(tmp_path, ARTICLE),
        "--folder",
        str(folder),
        "--apply",
        *catalogue_opt(tmp_path),
    )
    names = [str(folder / f"bna_{n}.jpg") for n in (3, 1, 2)]
    code, out, _ = run(capsys, "export", *names, "--format", "article", "--credit-label", "Photo")
    assert code == 0
    assert out.split("\n")[::3][:3] == ["bna_3.jpg", "bna_1.jpg", "bna_2.jpg"]
    assert "说明二。Photo:Thanh Cuong" in out


def test_demo_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "demo", str(tmp_path / "d"))
    assert (code, err) == (0, "")
    assert out == f"{tmp_path / 'd'}\n"
    assert len(list((tmp_path / "d").glob("bna_*.jpg"))) == 12


def test_check_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "demo", str(tmp_path / "demo"))
    code, out, err = run(capsys, "check", str(tmp_path / "demo"), "--fix", *catalogue_opt(tmp_path))
    assert (code, err) == (0, "")
    assert "fixed: " + str(tmp_path / "demo" / "bna_9384.jpg") + ": byline, credit, caption" in out
    assert "3 pictures fixed, 0 failed; checking again" in out
    code, out, _ = run(capsys, "check", str(tmp_path / "demo"), "--json")
    assert {f["code"] for f in json.loads(out)["findings"]} == {"missing"}
