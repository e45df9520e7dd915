"""Command-line edges found by trying Captioner as a new user: each gives one clear line and touches nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import make_jpeg
from helpers import run_cli as run

from captioner.reading import read_metadata
from captioner.writing import write_fields


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "catalogue.sqlite"
    monkeypatch.setenv("CAPTIONER_CATALOGUE", str(path))
    return path


def test_an_empty_value_is_a_usage_error_not_a_silent_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = make_jpeg(tmp_path / "bna_1.jpg")
    write_fields(photo, {"byline": ["Thanh Cuong"]})
    before = photo.read_bytes()
    code, _, err = run(capsys, "set", str(photo), "--byline", "")
    assert code == 2
    assert err.strip() == "captioner: --byline is empty; to remove the field use --clear byline"
    assert photo.read_bytes() == before
    assert run(capsys, "set", str(photo), "--clear", "byline")[0] == 0
    assert read_metadata(photo).fields["byline"] == []


def test_a_text_file_named_jpg_is_called_what_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "notes.jpg"
    fake.write_text("not a picture")
    for argv in (["show", str(fake)], ["set", str(fake), "--caption", "x"]):
        code, _, err = run(capsys, *argv)
        assert code == 1
        assert "not a picture, or a damaged one" in err and len(err.splitlines()) == 1
    assert fake.read_text() == "not a picture"


def test_story_add_refuses_what_is_not_a_picture(
    tmp_path: Path, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = make_jpeg(tmp_path / "bna_1.jpg")
    fake = tmp_path / "notes.jpg"
    fake.write_text("not a picture")
    code, _, err = run(capsys, "story", "create", "seed", str(photo), str(fake))
    assert code == 1
    assert len(err.splitlines()) == 1
    assert err.startswith(f"captioner: {fake}: cannot read: not a picture, or a damaged one (")
    assert err.rstrip().endswith("(not added to the story)")
    code, out, _ = run(capsys, "story", "show", "seed", "--json")
    assert code == 0
    assert [Path(p["path"]).name for p in json.loads(out)] == ["bna_1.jpg"]


def test_no_history_for_a_file_that_never_existed(
    tmp_path: Path, catalogue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "scan", str(tmp_path))  # creates the catalogue, so that set records into it
    missing = tmp_path / "gone.jpg"
    assert run(capsys, "set", str(missing), "--caption", "x")[0] == 1
    code, out, _ = run(capsys, "history", str(missing), "--json")
    assert code == 0 and json.loads(out) == []


def test_catalogue_option_also_works_before_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = make_jpeg(tmp_path / "bna_1.jpg")
    write_fields(photo, {"caption": "Hội nghị tổng kết"})
    other = tmp_path / "elsewhere.sqlite"
    assert run(capsys, "--catalogue", str(other), "scan", str(tmp_path))[0] == 0
    code, out, _ = run(capsys, "--catalogue", str(other), "search", "hoi nghi", "--json")
    assert code == 0 and [Path(r["path"]).name for r in json.loads(out)] == ["bna_1.jpg"]
