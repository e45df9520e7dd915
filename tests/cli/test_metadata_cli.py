"""``captioner show`` and ``captioner set`` against the command-line contract of DESIGN.md.

Most tests call :func:`captioner.cli.main` in-process (quick, with capsys); a few run the real
``python -m captioner`` in a subprocess to prove exit statuses and the absence of tracebacks end to end.
Errors must be one line per problem on stderr, exit 1 for failed files (the others still written, the failed
ones byte-identical) and 2 for bad usage.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from helpers import exiftool_json, make_jpeg

from captioner.cli import main
from captioner.fields import FIELD_KEYS, LIST_KEYS

SOURCE_KEYS = {"exif", "iim", "xmp"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, list[str]]:
    """Run the command line in-process: (exit status, stdout, stderr lines)."""
    try:
        status = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err.splitlines()


def run_process(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m captioner`` as a separate process."""
    env = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "captioner", *argv], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def assert_error_lines(lines: list[str], names: list[str]) -> None:
    """One ``captioner: …`` line per problem, naming each file, no traceback."""
    assert len(lines) == len(names), lines
    for line, name in zip(lines, names, strict=True):
        assert line.startswith("captioner: "), line
        assert name in line, line
    assert not any("Traceback" in line or line.startswith("  File ") for line in lines)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with two plain JPEGs, a text file named .jpg, a truncated JPEG and a GIF."""
    from PIL import Image

    make_jpeg(tmp_path / "bna_0001.jpg", seed=1)
    make_jpeg(tmp_path / "bna_0002.jpg", seed=2)
    (tmp_path / "notes.jpg").write_text("Không phải ảnh — not a picture\n", encoding="utf-8")
    (tmp_path / "cut.jpg").write_bytes(make_jpeg(tmp_path / "whole.jpg", size=(200, 150), seed=3).read_bytes()[:400])
    Image.new("RGB", (16, 16), (200, 30, 30)).save(tmp_path / "anim.gif")
    return tmp_path


# --- show --------------------------------------------------------------------------------------------------


def test_show_json_shape(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    """``show --json``: an array with one object per file, in order, with the contract's keys and types."""
    a, b = folder / "bna_0001.jpg", folder / "bna_0002.jpg"
    status, _, err = run(
        capsys, "set", str(a), "--caption", "Chú thích", "--byline", "清强", "--byline", "Thanh Hà", "--keyword", "Tết"
    )
    assert status == 0, err
    status, out, err = run(capsys, "show", "--json", str(a), str(b))
    assert (status, err) == (0, [])
    data = json.loads(out)
    assert isinstance(data, list) and len(data) == 2
    assert [d["path"] for d in data] == [str(a), str(b)]
    for obj in data:
        assert {"path", "fields", "sources", "conflicts", "warnings"} <= set(obj)
        assert set(obj["fields"]) == set(FIELD_KEYS)
        for key, value in obj["fields"].items():
            assert isinstance(value, list if key in LIST_KEYS else str), key
        for key, per_source in obj["sources"].items():
            assert key in FIELD_KEYS
            assert set(per_source) == SOURCE_KEYS
        assert isinstance(obj["conflicts"], list) and all(c in FIELD_KEYS for c in obj["conflicts"])
        assert isinstance(obj["warnings"], list) and all(isinstance(w, str) for w in obj["warnings"])
    first = data[0]
    assert first["fields"]["caption"] == "Chú thích"
    assert first["fields"]["byline"] == ["清强", "Thanh Hà"]
    assert first["fields"]["keywords"] == ["Tết"]
    assert first["sources"]["byline"] == {
        "exif": ["清强", "Thanh Hà"],
        "iim": ["清强", "Thanh Hà"],
        "xmp": ["清强", "Thanh Hà"],
    }
    assert first["sources"]["keywords"] == {"exif": None, "iim": ["Tết"], "xmp": ["Tết"]}
    assert data[1]["fields"]["caption"] == "" and data[1]["sources"] == {}


def test_show_json_reports_conflicts(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    """A file whose IIM caption disagrees with XMP lists ``caption`` in conflicts, with both values in sources."""
    path = folder / "bna_0001.jpg"
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-IPTC:Caption-Abstract=IIM caption",
            "-XMP-dc:Description=XMP caption",
            str(path),
        ],
        check=True,
    )
    status, out, _ = run(capsys, "show", "--json", str(path))
    (obj,) = json.loads(out)
    assert status == 0
    assert obj["conflicts"] == ["caption"]
    assert obj["sources"]["caption"]["iim"] == "IIM caption"
    assert obj["sources"]["caption"]["xmp"] == "XMP caption"


def test_show_bad_files_one_line_each_others_still_shown(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    """Not-an-image, truncated, missing: one stderr line each, exit 1, the good files still in the JSON array."""
    good = str(folder / "bna_0001.jpg")
    bad = [str(folder / n) for n in ("notes.jpg", "cut.jpg", "missing.jpg")]
    status, out, err = run(capsys, "show", "--json", bad[0], good, bad[1], bad[2])
    assert status == 1
    assert_error_lines(err, bad)
    assert [d["path"] for d in json.loads(out)] == [good]
    status, out, err = run(capsys, "show", "--json", *bad)
    assert status == 1 and len(err) == 3
    assert json.loads(out) == [], "stdout stays valid JSON when every file fails"


def test_show_text_output(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    """Plain ``show`` prints the path and the set fields, lists joined."""
    path = folder / "bna_0001.jpg"
    run(capsys, "set", str(path), "--caption", "Người dân", "--byline", "A", "--byline", "B")
    status, out, err = run(capsys, "show", str(path))
    assert (status, err) == (0, [])
    assert str(path) in out and "Người dân" in out and "A; B" in out


# --- set ---------------------------------------------------------------------------------------------------

EVERY_FIELD = (
    ("--caption", "caption", "Người dân Hà Nội đón Tết\nDòng hai"),
    ("--headline", "headline", "Hà Nội đón Tết"),
    ("--title", "title", "TET-HANOI"),
    ("--byline-title", "byline_title", "Phóng viên ảnh"),
    ("--credit", "credit", "Ảnh: TTXVN"),
    ("--source", "source", "Thông tấn xã Việt Nam"),
    ("--copyright", "copyright", "© 2026 TTXVN"),
    ("--date-created", "date_created", "2026-02-16T23:59:00+07:00"),
    ("--city", "city", "Hà Nội"),
    ("--sublocation", "sublocation", "Hồ Hoàn Kiếm"),
    ("--state", "state", "Hà Nội"),
    ("--country", "country", "Việt Nam"),
    ("--country-code", "country_code", "VNM"),
    ("--job-id", "job_id", "BNA-20260216"),
    ("--instructions", "instructions", "Không dùng cho quảng cáo"),
    ("--caption-writer", "caption_writer", "Lê Minh"),
    ("--alt-text", "alt_text", "Pháo hoa trên mặt hồ"),
)


def test_set_every_field_through_its_option(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    """Every field key can be written through its option; show and ExifTool read them back."""
    path = folder / "bna_0001.jpg"
    argv = [
        "set",
        str(path),
        "--byline",
        "Nguyễn Thanh Hà",
        "--byline",
        "清强",
        "--keyword",
        "Tết",
        "--keyword",
        "pháo hoa",
    ]
    for option, _, value in EVERY_FIELD:
        argv += [option, value]
    status, out, err = run(capsys, *argv)
    assert (status, err) == (0, [])
    assert f"{path}: written" in out
    covered = {key for _, key, _ in EVERY_FIELD} | {"byline", "keywords"}
    assert covered == set(FIELD_KEYS), "every field key has an option in this test"

    status, out, _ = run(capsys, "show", "--json", str(path))
    (obj,) = json.loads(out)
    for _, key, value in EVERY_FIELD:
        assert obj["fields"][key] == value, key
    assert obj["fields"]["byline"] == ["Nguyễn Thanh Hà", "清强"]
    assert obj["fields"]["keywords"] == ["Tết", "pháo hoa"]
    assert obj["conflicts"] == []

    et = exiftool_json(path)
    assert et["XMP-photoshop:AuthorsPosition"] == et["IPTC:By-lineTitle"] == "Phóng viên ảnh"
    assert et["XMP-iptcCore:CountryCode"] == et["IPTC:Country-PrimaryLocationCode"] == "VNM"
    assert et["IPTC:DateCreated"] == "2026:02:16"
    assert et["IPTC:TimeCreated"] == "23:59:00+07:00"
    assert et["ExifIFD:DateTimeOriginal"] == "2026:02:16 23:59:00"
    assert et["XMP-photoshop:DateCreated"] == "2026:02:16 23:59:00+07:00"
    assert et["IPTC:Keywords"] == et["XMP-dc:Subject"] == ["Tết", "pháo hoa"]
    assert et["XMP-iptcCore:AltTextAccessibility"] == "Pháo hoa trên mặt hồ"
    assert et["IPTC:ObjectName"] == et["XMP-dc:Title"] == "TET-HANOI"
    assert et["IPTC:SpecialInstructions"] == "Không dùng cho quảng cáo"
    assert et["IPTC:CodedCharacterSet"] == "UTF8"


def test_set_clear_removes_a_field_everywhere(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    """``--clear KEY`` removes the field from XMP, IIM and EXIF, and leaves the others."""
    path = folder / "bna_0001.jpg"
    run(capsys, "set", str(path), "--caption", "Xoá tôi", "--credit", "TTXVN", "--byline", "A")
    status, _, err = run(capsys, "set", str(path), "--clear", "caption", "--clear", "byline")
    assert (status, err) == (0, [])
    et = exiftool_json(path)
    for tag in (
        "XMP-dc:Description",
        "IPTC:Caption-Abstract",
        "IFD0:ImageDescription",
        "XMP-dc:Creator",
        "IPTC:By-line",
        "IFD0:Artist",
    ):
        assert tag not in et, tag
    assert et["IPTC:Credit"] == "TTXVN"


def test_set_lang_writes_one_xmp_language(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    """``--lang vi --caption T`` sets the Vietnamese alternative; x-default (and so IIM / EXIF) stays."""
    path = folder / "bna_0001.jpg"
    run(capsys, "set", str(path), "--caption", "Fireworks over Hoan Kiem lake")
    status, _, err = run(capsys, "set", str(path), "--lang", "vi", "--caption", "Pháo hoa trên hồ Hoàn Kiếm")
    assert (status, err) == (0, [])
    et = exiftool_json(path)
    assert et["XMP-dc:Description"] == "Fireworks over Hoan Kiem lake"
    assert et["XMP-dc:Description-vi"] == "Pháo hoa trên hồ Hoàn Kiếm"
    assert et["IPTC:Caption-Abstract"] == et["IFD0:ImageDescription"] == "Fireworks over Hoan Kiem lake"
    _, out, _ = run(capsys, "show", "--json", str(path))
    assert json.loads(out)[0]["languages"]["caption"]["vi"] == "Pháo hoa trên hồ Hoàn Kiếm"


def test_set_value_cut_in_iim_warns_and_succeeds(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    """A value past its IIM byte limit is written (XMP full, IIM cut) with a one-line warning, exit 0."""
    path = folder / "bna_0001.jpg"
    credit = "Ảnh: Nguyễn Thị Phương Thảo/TTXVN"
    status, _, err = run(capsys, "set", str(path), "--credit", credit)
    assert status == 0
    assert len(err) == 1 and "credit" in err[0] and "32" in err[0]
    et = exiftool_json(path)
    assert et["XMP-photoshop:Credit"] == credit
    assert credit.startswith(et["IPTC:Credit"]) and len(et["IPTC:Credit"].encode()) <= 32


def test_set_batch_with_bad_files(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    """Not-an-image, truncated, GIF, missing: one line each, exit 1, untouched; the good files are written."""
    good = [folder / "bna_0001.jpg", folder / "bna_0002.jpg"]
    bad = [folder / n for n in ("notes.jpg", "cut.jpg", "anim.gif", "missing.jpg")]
    before = {p: p.read_bytes() for p in bad if p.exists()}
    argv = [str(good[0]), *map(str, bad), str(good[1])]
    status, out, err = run(capsys, "set", *argv, "--caption", "Chú thích", "--credit", "TTXVN")
    assert status == 1
    assert_error_lines(err, [str(p) for p in bad])
    assert out.splitlines() == [f"{good[0]}: written", f"{good[1]}: written"]
    for p, data in before.items():
        assert p.read_bytes() == data
    for p in good:
        assert exiftool_json(p)["IPTC:Caption-Abstract"] == "Chú thích"
    gif_line = next(line for line in err if "anim.gif" in line)
    assert "unsupported format" in gif_line, gif_line
    assert not [p.name for p in folder.iterdir() if ".captioner-tmp-" in p.name]


def test_set_read_only_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Files in a read-only folder: one line each, exit 1, bytes unchanged; a writable one is still written."""
    locked = tmp_path / "locked"
    locked.mkdir()
    inside = [make_jpeg(locked / f"bna_{i}.jpg", seed=i) for i in range(2)]
    outside = make_jpeg(tmp_path / "bna_9.jpg", seed=9)
    before = {p: p.read_bytes() for p in inside}
    os.chmod(locked, 0o555)
    try:
        status, _, err = run(capsys, "set", *map(str, inside), str(outside), "--credit", "TTXVN")
    finally:
        os.chmod(locked, 0o755)
    assert status == 1
    assert_error_lines(err, [str(p) for p in inside])
    assert all("read-only" in line for line in err)
    assert {p: p.read_bytes() for p in inside} == before
    assert exiftool_json(outside)["IPTC:Credit"] == "TTXVN"


@pytest.mark.parametrize(
    "argv",
    [
        ["set", "{a}"],  # no field given
        ["set", "{a}", "--bogus", "x"],  # unknown option
        ["set", "{a}", "--clear", "nope"],  # unknown field key
        ["set", "{a}", "--caption", "x", "--clear", "caption"],  # contradiction
        ["set", "{a}", "--date-created", "yesterday"],  # not a date
        ["set", "{a}", "--date-created", "2025-13-45"],  # no such month
        ["set", "{a}", "--date-created", "2025-02-30"],  # no such day
        ["set", "{a}", "--date-created", "0000-00-00"],  # the "no date" of some cameras
        ["set", "{a}", "--date-created", "2025-01-07T25:61:00"],  # no such time
        ["set", "{a}", "--date-created", "2025-01-07T08:30:00+25:00"],  # no such time zone
        ["set", "--caption", "x"],  # no file
        ["show"],  # no file
        ["frobnicate", "{a}"],  # unknown command
        [],  # no command
    ],
)
def test_bad_usage_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], folder: Path, argv: list[str]) -> None:
    """Bad usage: exit 2, one line on stderr, nothing written."""
    a = folder / "bna_0001.jpg"
    before = a.read_bytes()
    status, out, err = run(capsys, *[x.format(a=a) for x in argv])
    assert status == 2, (argv, err)
    assert len(err) == 1 and err[0].startswith("captioner"), err
    assert "Traceback" not in out
    assert a.read_bytes() == before


# --- the real entry point ----------------------------------------------------------------------------------


def test_subprocess_set_and_show(folder: Path) -> None:
    """``python -m captioner``: set writes (exit 0), show --json prints the value; bad files exit 1 cleanly."""
    good = folder / "bna_0001.jpg"
    done = run_process("set", str(good), "--caption", "Người dân 市民", "--byline", "清强", cwd=folder)
    assert (done.returncode, done.stderr) == (0, "")
    done = run_process("show", "--json", str(good))
    assert done.returncode == 0
    data: list[dict[str, Any]] = json.loads(done.stdout)
    assert data[0]["fields"]["caption"] == "Người dân 市民"
    assert data[0]["fields"]["byline"] == ["清强"]

    bad = [folder / n for n in ("notes.jpg", "cut.jpg", "anim.gif", "missing.jpg")]
    before = {p: p.read_bytes() for p in bad if p.exists()}
    done = run_process("set", *map(str, bad), str(good), "--credit", "TTXVN")
    assert done.returncode == 1
    assert_error_lines(done.stderr.splitlines(), [str(p) for p in bad])
    assert {p: p.read_bytes() for p in before} == before
    assert exiftool_json(good)["IPTC:Credit"] == "TTXVN"


@pytest.mark.parametrize("argv", [["set", "x.jpg"], ["set", "x.jpg", "--nope"], ["show"]])
def test_subprocess_usage_errors(argv: list[str], tmp_path: Path) -> None:
    """Usage errors from the real entry point: exit 2, one line, no traceback."""
    done = run_process(*argv, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("captioner"), lines


def test_file_names_in_any_encoding(tmp_path: Path) -> None:
    """Vietnamese / Chinese names with spaces, and a Latin-1 name that is not UTF-8, work with show and set."""
    source = make_jpeg(tmp_path / "source.jpg", seed=4).read_bytes()
    names = [
        str(tmp_path / "ảnh Hà Nội 清强.jpg"),
        str(tmp_path / unicodedata.normalize("NFD", "Ảnh Đồng.jpg")),
        os.fsdecode(os.fsencode(str(tmp_path)) + b"/\xe1nh cu\xf5.jpg"),  # Latin-1 bytes from an old card
    ]
    for name in names:
        Path(name).write_bytes(source)
    done = run_process("set", *names, "--caption", "Chú thích")
    assert (done.returncode, done.stderr) == (0, "")
    done = run_process("show", "--json", *names)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert [d["fields"]["caption"] for d in json.loads(done.stdout)] == ["Chú thích"] * 3


def test_special_files_are_refused_without_hanging(tmp_path: Path) -> None:
    """A FIFO, a folder and a dangling symlink: one line each, exit 1, and no hang waiting on the FIFO."""
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    sub = tmp_path / "folder.jpg"
    sub.mkdir()
    dangling = tmp_path / "gone.jpg"
    dangling.symlink_to(tmp_path / "nowhere.jpg")
    specials = [str(fifo), str(sub), str(dangling)]
    for argv in (["show", "--json", *specials], ["set", *specials, "--credit", "TTXVN"]):
        done = run_process(*argv)
        assert done.returncode == 1
        assert_error_lines(done.stderr.splitlines(), specials)
    assert fifo.exists() and sub.is_dir() and dangling.is_symlink()


def test_set_large_batch_with_a_bad_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A batch large enough for the parallel path: the bad file gets its one line, the rest are written, in order."""
    paths = [make_jpeg(tmp_path / f"bna_{i:04d}.jpg", seed=i) for i in range(48)]
    paths[20].write_bytes(b"\xff\xd8\xff\xe0 broken")
    status, out, err = run(capsys, "set", *map(str, paths), "--credit", "TTXVN", "--keyword", "Tết")
    assert status == 1
    assert_error_lines(err, [str(paths[20])])
    assert out.splitlines() == [f"{p}: written" for p in paths if p != paths[20]]
    _, out, _ = run(capsys, "show", "--json", *(str(p) for p in paths if p != paths[20]))
    assert {d["fields"]["credit"] for d in json.loads(out)} == {"TTXVN"}


def test_set_lang_tags(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    """``--lang`` takes any BCP 47 tag (zh-Hant-TW too); a malformed one is a usage error (exit 2, one line)."""
    path = folder / "bna_0001.jpg"
    status, _, err = run(capsys, "set", str(path), "--lang", "zh-Hant-TW", "--caption", "新的圖片說明")
    assert (status, err) == (0, [])
    info = {k.lower(): v for k, v in exiftool_json(path).items()}  # language tags are case-insensitive
    assert info["xmp-dc:description-zh-hant-tw"] == "新的圖片說明"
    before = path.read_bytes()
    for bad in ('vi"', "x y", ""):
        status, _, err = run(capsys, "set", str(path), "--lang", bad, "--caption", "x")
        assert status == 2, (bad, err)
        assert len(err) == 1 and err[0].startswith("captioner"), err
    assert path.read_bytes() == before


def test_set_batch_goes_on_past_a_file_with_an_unusual_language(
    capsys: pytest.CaptureFixture[str], folder: Path
) -> None:
    """A file whose caption has a zh-Hant-TW alternative neither crashes ``set`` nor stops the batch."""
    odd = folder / "bna_0002.jpg"
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-XMP-dc:Description-zh-Hant-TW=舊的", str(odd)], check=True
    )
    paths = [folder / "bna_0001.jpg", odd, folder / "whole.jpg"]
    status, out, err = run(capsys, "set", *map(str, paths), "--caption", "Chú thích")
    assert (status, err) == (0, [])
    assert out.splitlines() == [f"{p}: written" for p in paths]
    assert {k.lower(): v for k, v in exiftool_json(odd).items()}["xmp-dc:description-zh-hant-tw"] == "舊的"


def test_set_and_show_on_every_corpus_file(corpus: Path, tmp_path: Path) -> None:
    """``set`` then ``show`` over a copy of every file of the shared corpus, broken ones included.

    No traceback and no hang; each problem one line naming its file; a refused file byte-identical; a written
    file (or its XMP sidecar) carries the caption for ExifTool, and ``show`` reads it back.
    """
    skip_suffixes = {".json", ".tsv", ".md", ".out", ".xml", ".txt"}
    names = []
    for src in sorted(corpus.rglob("*")):
        rel = src.relative_to(corpus)
        if (
            not src.is_file()
            or src.suffix.lower() in skip_suffixes
            or rel.parts[0] in ("licences",)
            or "expected" in rel.parts
        ):
            continue
        dst = tmp_path / "__".join(rel.parts)
        dst.write_bytes(src.read_bytes())
        names.append(dst.name)
    assert len(names) > 50
    before = {n: (tmp_path / n).read_bytes() for n in names}
    caption = "Chú thích 清强 — kiểm tra"
    done = run_process("set", *names, "--caption", caption, "--credit", "TTXVN", cwd=tmp_path)
    assert done.returncode in (0, 1)
    assert "Traceback" not in done.stderr
    written = {line.removesuffix(": written") for line in done.stdout.splitlines()}
    failed = set()
    for line in done.stderr.splitlines():
        assert line.startswith("captioner: "), line
        name = line.removeprefix("captioner: ").split(": ", 1)[0]
        assert name in before, line
        if ": warning: " not in line:
            failed.add(name)
    assert written | failed == set(names) and not written & failed
    for name in failed:
        assert (tmp_path / name).read_bytes() == before[name], f"{name} refused but changed"
    assert not [p.name for p in tmp_path.iterdir() if ".captioner-tmp-" in p.name]
    targets = [n + ".xmp" if (tmp_path / (n + ".xmp")).exists() else n for n in sorted(written)]
    out = subprocess.run(
        ["exiftool", "-json", "-charset", "iptc=UTF8", "-Description", "-Caption-Abstract", *targets],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    for item in json.loads(out.stdout):
        assert caption in (item.get("Description"), item.get("Caption-Abstract")), item["SourceFile"]

    done = run_process("show", "--json", *sorted(written), cwd=tmp_path)
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr
    shown = {Path(d["path"]).name: d["fields"]["caption"] for d in json.loads(done.stdout)}
    assert {n: c for n, c in shown.items() if c != caption} == {}
