"""``scan``, ``search``, ``history``, ``people`` and ``story`` on the command line, and the catalogue's faults."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import make_jpeg
from helpers import run_cli as run

from captioner.catalogue import KNOWN_MIGRATIONS
from captioner.writing import write_fields


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of three captioned pictures; the catalogue goes through $CAPTIONER_CATALOGUE."""
    monkeypatch.setenv("CAPTIONER_CATALOGUE", str(tmp_path / "catalogue.sqlite"))
    photos = tmp_path / "photos"
    photos.mkdir()
    for i, (caption, byline, credit) in enumerate(
        [("Lễ hội Đồng Tháp", "Thanh Cường", "Báo Nghệ An"), ("比赛现场", "清强", ""), ("Flood (AND) *", "AFP", "AFP")]
    ):
        path = make_jpeg(photos / f"bna_{i + 1}.jpg", seed=i)
        write_fields(path, {"caption": caption, "byline": [byline], "credit": credit})
    return photos


def test_scan_search_json_and_text(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    code, out, err = run(capsys, "scan", str(env))
    assert code == 0, err
    assert out == "3 pictures: 3 added, 0 re-read, 0 unchanged, 0 moved, 0 missing, 0 unreadable\n"
    assert err == "", "no progress bar when stderr is not a terminal"
    code, out, _ = run(capsys, "scan", str(env))
    assert "3 unchanged" in out
    code, out, _ = run(capsys, "search", "dong thap", "--json")
    hits = json.loads(out)
    assert [Path(h["path"]).name for h in hits] == ["bna_1.jpg"]
    assert hits[0]["fields"]["credit"] == "Báo Nghệ An"
    assert hits[0]["fields"]["byline"] == ["Thanh Cường"]
    code, out, _ = run(capsys, "search", "byline:清强")
    assert out == f"{(env / 'bna_2.jpg').resolve()}\t比赛现场\n"
    code, out, _ = run(capsys, "search", "missing:credit", "--json")
    assert [Path(h["path"]).name for h in json.loads(out)] == ["bna_2.jpg"]
    code, out, _ = run(capsys, "search", 'credit:"Báo Nghệ An"', "--json")
    assert [Path(h["path"]).name for h in json.loads(out)] == ["bna_1.jpg"]


@pytest.mark.parametrize("query", ['"', "(AND)", "*", "NOT", 'a"b', "NEAR(", "AND OR"])
def test_search_with_fts_syntax_is_text(capsys: pytest.CaptureFixture[str], env: Path, query: str) -> None:
    run(capsys, "scan", str(env))
    code, out, err = run(capsys, "search", query, "--json")
    assert (code, err) == (0, "")
    assert isinstance(json.loads(out), list)
    code, out, _ = run(capsys, "search", "(AND) *", "--json")
    assert [Path(h["path"]).name for h in json.loads(out)] == ["bna_3.jpg"]


def test_search_bad_filter_is_usage_error(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    run(capsys, "scan", str(env))
    code, _, err = run(capsys, "search", "missing:nonsense")
    assert code == 2
    assert err.count("\n") == 1 and "unknown field 'nonsense'" in err


def test_search_without_catalogue(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    code, _, err = run(capsys, "search", "x")
    assert code == 1
    assert "no catalogue yet" in err


def test_set_keeps_catalogue_in_step_and_history_shows_it(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    path = env / "bna_2.jpg"
    run(capsys, "scan", str(env))
    code, _, err = run(capsys, "set", str(path), "--credit", "Báo Nghệ An", "--byline", "Thanh Cuong")
    assert code == 0, err
    code, out, _ = run(capsys, "history", str(path), "--json")
    edits = json.loads(out)
    assert [(e["field"], e["old"], e["new"], e["status"]) for e in edits] == [
        ("byline", ["清强"], ["Thanh Cuong"], "written"),
        ("credit", "", "Báo Nghệ An", "written"),
    ] or [(e["field"], e["old"], e["new"], e["status"]) for e in edits] == [
        ("credit", "", "Báo Nghệ An", "written"),
        ("byline", ["清强"], ["Thanh Cuong"], "written"),
    ]
    assert all(e["user"] for e in edits)
    code, out, _ = run(capsys, "scan", str(env))
    assert "3 unchanged" in out, "the write updated the catalogue, so the rescan has nothing to re-read"
    code, out, _ = run(capsys, "search", "missing:credit", "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "history", str(path))
    assert "credit: (empty) → Báo Nghệ An" in out
    assert "written" in out


def test_outside_edit_shows_in_history(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    path = env / "bna_1.jpg"
    run(capsys, "scan", str(env))
    write_fields(path, {"caption": "Đổi bởi chương trình khác"})
    code, out, _ = run(capsys, "scan", str(env))
    assert code == 0
    assert "1 edited outside Captioner" in out
    code, out, _ = run(capsys, "history", str(path))
    assert code == 0
    assert "outside Captioner  outside  caption: Lễ hội Đồng Tháp → Đổi bởi chương trình khác" in out


def test_scan_reports_unreadable_files_and_exits_1(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    (env / "broken.jpg").write_bytes(b"not a picture")
    code, out, err = run(capsys, "scan", str(env))
    assert code == 1
    assert "3 added" in out and "1 unreadable" in out
    assert err.startswith("captioner: ") and "broken.jpg: cannot read" in err
    assert err.count("\n") == 1


def test_scan_missing_folder_is_usage_error(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    code, _, err = run(capsys, "scan", str(env / "nope"))
    assert code == 2
    assert "no such folder" in err


def test_people_commands(capsys: pytest.CaptureFixture[str], env: Path, tmp_path: Path) -> None:
    assert run(capsys, "people", "add", "Thanh Cuong", "--alias", "清强", "--alias", "TC")[0] == 0
    assert (
        run(capsys, "people", "add", "AFP", "--role", "agency", "--catalogue", str(tmp_path / "catalogue.sqlite"))[0]
        == 0
    )
    code, out, _ = run(capsys, "people", "list", "--json")
    assert json.loads(out) == [
        {"name": "AFP", "role": "agency", "aliases": []},
        {"name": "Thanh Cuong", "role": "photographer", "aliases": ["清强", "TC"]},
    ]
    code, out, _ = run(capsys, "people", "list")
    assert out == "AFP\tagency\nThanh Cuong\tphotographer (also 清强, TC)\n"
    run(capsys, "scan", str(env))
    code, out, _ = run(capsys, "search", "byline:thanh cường", "--json")
    assert code == 0
    code, out, _ = run(capsys, "search", "byline:清强", "--json")
    assert sorted(Path(h["path"]).name for h in json.loads(out)) == ["bna_1.jpg", "bna_2.jpg"]
    assert run(capsys, "people", "remove", "tc")[0] == 0
    code, _, err = run(capsys, "people", "remove", "Nobody")
    assert code == 2 and "no person 'Nobody'" in err
    code, _, err = run(capsys, "people", "add", "X", "--role", "editor")
    assert code == 2


def test_story_commands(capsys: pytest.CaptureFixture[str], env: Path) -> None:
    a, b, c = (str(env / f"bna_{i}.jpg") for i in (1, 2, 3))
    run(capsys, "scan", str(env))
    assert run(capsys, "story", "create", "Lễ hội", a, b)[0] == 0
    assert run(capsys, "story", "add", "Lễ hội", c, "--at", "1")[0] == 0
    code, out, _ = run(capsys, "story", "show", "Lễ hội", "--json")
    shown = json.loads(out)
    assert [(p["position"], Path(p["path"]).name) for p in shown] == [
        (1, "bna_3.jpg"),
        (2, "bna_1.jpg"),
        (3, "bna_2.jpg"),
    ]
    assert shown[1]["fields"]["caption"] == "Lễ hội Đồng Tháp"
    assert run(capsys, "story", "move", "Lễ hội", c, "3")[0] == 0
    assert run(capsys, "story", "remove", "Lễ hội", a)[0] == 0
    code, out, _ = run(capsys, "story", "show", "Lễ hội")
    assert [line.split("\t")[:2] for line in out.splitlines()] == [
        ["1", str(Path(b).resolve())],
        ["2", str(Path(c).resolve())],
    ]
    code, out, _ = run(capsys, "story", "list", "--json")
    assert json.loads(out) == [{"name": "Lễ hội", "count": 2}]
    code, _, err = run(capsys, "story", "show", "nope")
    assert code == 2 and "no story 'nope'" in err
    code, _, err = run(capsys, "story", "create", "Lễ hội")
    assert code == 2 and "already exists" in err
    code, _, err = run(capsys, "story", "add", "Lễ hội", str(env / "missing.jpg"))
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, "story", "move", "Lễ hội", c, "0")
    assert code == 2


def test_corrupt_catalogue_is_refused_then_rebuilt(
    capsys: pytest.CaptureFixture[str], env: Path, tmp_path: Path
) -> None:
    catalogue = tmp_path / "catalogue.sqlite"
    catalogue.write_bytes(b"garbage, not SQLite" * 500)
    code, _, err = run(capsys, "scan", str(env))
    assert code == 1
    assert err.count("\n") == 1
    assert "catalogue is unreadable" in err and "--rebuild" in err
    code, out, err = run(capsys, "scan", "--rebuild", str(env))
    assert code == 0
    assert "3 added" in out
    assert "history, people registry and stories are lost" in err
    assert list(tmp_path.glob("catalogue.sqlite.corrupt-*"))
    code, out, _ = run(capsys, "search", "dong", "--json")
    assert len(json.loads(out)) == 1


def test_newer_schema_is_refused(capsys: pytest.CaptureFixture[str], env: Path, tmp_path: Path) -> None:
    run(capsys, "scan", str(env))
    conn = sqlite3.connect(tmp_path / "catalogue.sqlite")
    conn.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) VALUES ('captioner', '0042_x', '')")
    conn.commit()
    conn.close()
    code, _, err = run(capsys, "search", "x")
    assert code == 1
    assert "newer version of Captioner" in err
    code, _, err = run(capsys, "scan", "--rebuild", str(env))
    assert code == 1, "a newer catalogue is never thrown away"


@pytest.mark.parametrize("round_", range(3))
def test_two_scans_at_once_lose_nothing(tmp_path: Path, round_: int) -> None:
    """Two ``captioner scan`` processes on one fresh catalogue, over overlapping folders, at the same time (three
    rounds: the race that matters, two processes creating the catalogue at once, does not happen every time)."""
    folders = [tmp_path / "a", tmp_path / "b"]
    for n, folder in enumerate(folders):
        folder.mkdir()
        for i in range(60):
            path = make_jpeg(folder / f"p{i:03d}.jpg", seed=n * 100 + i)
            write_fields(path, {"caption": f"Ảnh {n}-{i}", "byline": ["Thanh Cường"]})
    catalogue = tmp_path / "shared.sqlite"
    env = {**os.environ, "CAPTIONER_CATALOGUE": str(catalogue)}
    cmd = [sys.executable, "-m", "captioner", "scan"]
    orders = ([str(folders[0]), str(folders[1])], [str(folders[1]), str(folders[0])])
    procs = [subprocess.Popen([*cmd, *o], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for o in orders]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    conn = sqlite3.connect(catalogue)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    counts = conn.execute("SELECT count(*), count(DISTINCT path) FROM photos WHERE status = 'ok'").fetchone()
    assert counts == (120, 120)
    assert conn.execute("SELECT count(*) FROM photo_fts").fetchone()[0] == 120
    applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == sorted(KNOWN_MIGRATIONS), "each migration applied once"
    captions = {r[0] for r in conn.execute("SELECT json_extract(fields, '$.caption') FROM photos")}
    assert captions == {f"Ảnh {n}-{i}" for n in (0, 1) for i in range(60)}
    conn.execute("INSERT INTO photo_fts(photo_fts) VALUES ('integrity-check')")


def test_progress_bar_on_a_terminal(env: Path, tmp_path: Path) -> None:
    import fcntl
    import pty
    import select
    import struct
    import termios

    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "captioner", "scan", str(env)],
            env={**os.environ, "CAPTIONER_CATALOGUE": str(tmp_path / "tty.sqlite")},
            stdout=subprocess.PIPE,
            stderr=secondary,
            timeout=60,
            check=True,
        )
        shown = b""
        while select.select([primary], [], [], 0.2)[0]:
            shown += os.read(primary, 65536)
    finally:
        os.close(secondary)
        os.close(primary)
    assert b"/3 [" in shown and b"file/s" in shown, shown
    assert proc.stdout.decode().startswith("3 pictures: 3 added")


def test_catalogue_that_cannot_be_created(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, "people", "add", "X", "--catalogue", str(blocker / "catalogue.sqlite"))
    assert code == 1
    assert err.count("\n") == 1 and "cannot create the catalogue's folder" in err
    (tmp_path / "dir.sqlite").mkdir()
    code, _, err = run(capsys, "people", "add", "X", "--catalogue", str(tmp_path / "dir.sqlite"))
    assert code == 1
    assert err.count("\n") == 1 and "cannot open catalogue" in err
