"""The catalogue: opening and migrating, photos, history, people and stories, read back from SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from captioner.catalogue import (
    Catalogue,
    CorruptCatalogueError,
    normalise_path,
    resolve_catalogue_path,
)
from captioner.errors import CatalogueError, UsageError
from captioner.fields import FIELD_KEYS, empty_value
from captioner.photo import FileStamp, PhotoMetadata


def meta(path: Path, sha: str = "a" * 64, **fields: object) -> PhotoMetadata:
    """A PhotoMetadata as read_metadata would return it, with `fields` set and the rest empty."""
    values = {k: fields.get(k, empty_value(k)) for k in FIELD_KEYS}
    return PhotoMetadata(
        path=path,
        format="image/jpeg",
        width=1600,
        height=1067,
        stamp=FileStamp(size=400_000, mtime_ns=1_700_000_000_000_000_000, sha256=sha),
        fields=values,  # type: ignore[arg-type]
        sources={k: {"exif": None, "iim": v, "xmp": v} for k, v in values.items() if v},  # type: ignore[misc]
        conflicts=[k for k in ("caption",) if fields.get("_conflict")],
    )


@pytest.fixture
def cat(tmp_path: Path):
    catalogue = Catalogue.open(tmp_path / "cat" / "catalogue.sqlite")
    yield catalogue
    catalogue.close()


def test_resolve_catalogue_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = resolve_catalogue_path(None)
    assert default.name == "catalogue.sqlite"
    assert str(default).startswith(str(tmp_path.parent.parent)) or "Captioner" in str(default)
    monkeypatch.setenv("CAPTIONER_CATALOGUE", str(tmp_path / "env.sqlite"))
    assert resolve_catalogue_path(None) == tmp_path / "env.sqlite"
    assert resolve_catalogue_path(str(tmp_path / "arg.sqlite")) == tmp_path / "arg.sqlite"


def test_open_creates_wal_catalogue_with_schema(cat: Catalogue) -> None:
    assert cat.path.is_file()
    assert cat.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert cat.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    assert cat.schema_version() == "0003_inode_ctime"
    tables = {r[0] for r in cat.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"folders", "photos", "edits", "people", "person_aliases", "stories", "story_photos", "photo_fts"} <= tables


def test_open_existing_returns_none_without_a_file(tmp_path: Path) -> None:
    assert Catalogue.open_existing(tmp_path / "nothing.sqlite") is None
    Catalogue.open(tmp_path / "c.sqlite").close()
    existing = Catalogue.open_existing(tmp_path / "c.sqlite")
    assert existing is not None
    existing.close()


def test_reopen_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with Catalogue.open(path) as cat:
        cat.add_person("Thanh Cuong")
    with Catalogue.open(path) as cat:
        assert [p["name"] for p in cat.people()] == ["Thanh Cuong"]


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    Catalogue.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations(migration_set, name, applied_at) VALUES ('captioner', '0099_future', 'x')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(CatalogueError, match="newer version of Captioner") as info:
        Catalogue.open(path)
    assert not isinstance(info.value, CorruptCatalogueError)


def test_corrupt_file_gives_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(CorruptCatalogueError, match=r"unreadable.*--rebuild.*history, people and stories"):
        Catalogue.open(path)


def test_each_thread_gets_its_own_connection(cat: Catalogue) -> None:
    import threading

    seen: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: seen.append(cat.conn))
    thread.start()
    thread.join()
    assert seen[0] is not cat.conn


def test_upsert_and_read_back_photo(cat: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "bna_9336.jpg"
    cat.upsert_photo(meta(path, caption="Lễ hội", byline=["Thanh Cuong"], credit="Báo Nghệ An"))
    row = cat.photo(path)
    assert row is not None
    assert row["path"] == str(normalise_path(path))
    assert row["name"] == "bna_9336.jpg"
    assert row["status"] == "ok"
    assert row["fields"]["caption"] == "Lễ hội"
    assert row["fields"]["byline"] == ["Thanh Cuong"]
    assert row["sources"]["credit"]["iim"] == "Báo Nghệ An"
    assert row["stamp"] == FileStamp(400_000, 1_700_000_000_000_000_000, "a" * 64)
    assert (row["width"], row["height"], row["format"]) == (1600, 1067, "image/jpeg")
    cat.upsert_photo(meta(path, caption="Lễ hội mới"))
    assert cat.photo(path)["fields"]["caption"] == "Lễ hội mới"  # type: ignore[index]
    assert cat.count() == 1
    assert cat.photo(tmp_path / "unknown.jpg") is None


def test_record_write_adds_one_edit_per_field_and_updates_photo(cat: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    before = meta(path, caption="old caption", credit="")
    after = meta(path, sha="b" * 64, caption="new caption", credit="Báo Nghệ An")
    cat.record_write(path, {"caption": "new caption", "credit": "Báo Nghệ An"}, before, after, None, user="editor")
    history = cat.history(path)
    assert [(h["field"], h["old"], h["new"], h["status"], h["user"]) for h in history] == [
        ("caption", "old caption", "new caption", "written", "editor"),
        ("credit", "", "Báo Nghệ An", "written", "editor"),
    ]
    assert history[0]["when"].endswith("+00:00")
    row = cat.photo(path)
    assert row is not None
    assert row["fields"]["credit"] == "Báo Nghệ An"
    assert row["stamp"].sha256 == "b" * 64


def test_record_write_failure_and_default_user(cat: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    cat.upsert_photo(meta(path, byline=["Old"]))
    cat.record_write(path, {"byline": ["Thanh Cuong"]}, None, None, "a.jpg: not written: disk full")
    (edit,) = cat.history(path)
    assert edit["status"] == "failed"
    assert edit["old"] == ["Old"]
    assert edit["new"] == ["Thanh Cuong"]
    assert edit["error"] == "a.jpg: not written: disk full"
    assert edit["user"]
    assert cat.photo(path)["fields"]["byline"] == ["Old"]  # type: ignore[index]


def test_record_write_for_uncatalogued_file_creates_row(cat: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "new.jpg"
    cat.record_write(path, {"caption": None}, meta(path, caption="x"), meta(path, sha="c" * 64), None)
    (edit,) = cat.history(path)
    assert (edit["old"], edit["new"]) == ("x", "")
    assert cat.photo(path)["status"] == "ok"  # type: ignore[index]


def test_outside_edits_recorded_on_upsert(cat: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    cat.upsert_photo(meta(path, caption="one", credit="AFP"))
    cat.upsert_photo(meta(path, sha="d" * 64, caption="two", credit="AFP"), record_outside_edits=True)
    (edit,) = cat.history(path)
    assert (edit["field"], edit["old"], edit["new"], edit["status"], edit["user"]) == (
        "caption",
        "one",
        "two",
        "outside",
        None,
    )


def test_move_keeps_history(cat: Catalogue, tmp_path: Path) -> None:
    old, new = tmp_path / "a.jpg", tmp_path / "sub" / "b.jpg"
    cat.record_write(old, {"caption": "x"}, meta(old), meta(old, caption="x"), None)
    cat.move_photo(old, new)
    assert cat.photo(old) is None
    assert cat.photo(new)["fields"]["caption"] == "x"  # type: ignore[index]
    assert [h["field"] for h in cat.history(new)] == ["caption"]


def test_people_registry_resolves_aliases_after_folding(cat: Catalogue) -> None:
    cat.add_person("Thanh Cuong", aliases=["清强", "Thanh Cường"])
    cat.add_person("AFP", aliases=["Agence France-Presse"], role="agency")
    for spelling in ("Thanh Cường", "thanh cuong", "清强", "THANH  CUONG", "Thanh Cuong"):
        assert cat.resolve_person(spelling) == "Thanh Cuong"
    assert cat.resolve_person("agence france-presse") == "AFP"
    assert cat.resolve_person("Nobody") is None
    assert cat.people() == [
        {"name": "AFP", "role": "agency", "aliases": ["Agence France-Presse"]},
        {"name": "Thanh Cuong", "role": "photographer", "aliases": ["清强"]},
    ]
    # "Thanh Cường" folds to the registered name itself, so it is not kept as a separate alias.
    assert cat.person_names("Thanh Cường") == ["Thanh Cuong", "清强"]
    assert cat.person_names("Nobody") == ["Nobody"]


def test_people_add_merges_and_refuses_stolen_alias(cat: Catalogue) -> None:
    cat.add_person("Thanh Cuong")
    cat.add_person("thanh cuong", aliases=["TC"])
    assert cat.people() == [{"name": "Thanh Cuong", "role": "photographer", "aliases": ["TC"]}]
    cat.add_person("Hoang Anh")
    with pytest.raises(UsageError, match="already belongs to Thanh Cuong"):
        cat.add_person("Hoang Anh", aliases=["tc"])
    with pytest.raises(UsageError, match="unknown role"):
        cat.add_person("X", role="editor")


def test_remove_person(cat: Catalogue) -> None:
    cat.add_person("Thanh Cuong", aliases=["清强"])
    cat.remove_person("清强")
    assert cat.people() == []
    assert cat.resolve_person("清强") is None
    with pytest.raises(UsageError, match="no person"):
        cat.remove_person("Thanh Cuong")


def test_stories_keep_order(cat: Catalogue, tmp_path: Path) -> None:
    files = [tmp_path / f"bna_{n}.jpg" for n in (9336, 9297, 9301, 9400)]
    for f in files:
        f.write_bytes(b"x")
    a, b, c, d = (normalise_path(f) for f in files)
    cat.create_story("Lễ hội", [a, b])
    cat.add_to_story("Lễ hội", [c])
    assert cat.story("Lễ hội") == [a, b, c]
    cat.add_to_story("Lễ hội", [d], at=0)
    assert cat.story("Lễ hội") == [d, a, b, c]
    cat.move_in_story("Lễ hội", d, 3)
    assert cat.story("Lễ hội") == [a, b, c, d]
    cat.remove_from_story("Lễ hội", [b])
    assert cat.story("Lễ hội") == [a, c, d]
    cat.add_to_story("Lễ hội", [d], at=0)
    assert cat.story("Lễ hội") == [d, a, c]
    assert cat.stories()[0]["name"] == "Lễ hội"
    assert cat.stories()[0]["count"] == 3


def test_story_errors(cat: Catalogue, tmp_path: Path) -> None:
    f = tmp_path / "a.jpg"
    f.write_bytes(b"x")
    cat.create_story("s", [f])
    with pytest.raises(UsageError, match="already exists"):
        cat.create_story("s")
    cat.create_story("s", [], replace=True)
    assert cat.story("s") == []
    with pytest.raises(UsageError, match="no story"):
        cat.story("nope")
    with pytest.raises(UsageError, match="no such file"):
        cat.add_to_story("s", [tmp_path / "missing.jpg"])
    with pytest.raises(UsageError, match="not in story"):
        cat.remove_from_story("s", [f])
    cat.delete_story("s")
    assert cat.stories() == []


def test_story_survives_move(cat: Catalogue, tmp_path: Path) -> None:
    old, new = tmp_path / "a.jpg", tmp_path / "b.jpg"
    cat.upsert_photo(meta(old))
    cat.create_story("s", [old])
    cat.move_photo(old, new)
    assert cat.story("s") == [normalise_path(new)]


def test_mark_missing_keeps_history(cat: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    cat.record_write(path, {"caption": "x"}, meta(path), meta(path, caption="x"), None)
    assert cat.mark_missing([path]) == 1
    assert cat.photo(path)["status"] == "missing"  # type: ignore[index]
    assert len(cat.history(path)) == 1
    assert cat.search("") == []


def test_threads_share_one_catalogue(cat: Catalogue, tmp_path: Path) -> None:
    """The app's workers write through one Catalogue at once: nothing is lost, no 'database is locked'."""
    import threading

    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(40):
                path = tmp_path / f"t{n}_{i}.jpg"
                cat.upsert_photo(meta(path, sha=f"{n:02d}{i:062d}", caption=f"thread {n} photo {i}"))
                cat.record_write(path, {"credit": "AFP"}, None, None, "failed on purpose", user=f"u{n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert cat.count() == 160
    assert cat.conn.execute("SELECT count(*) FROM edits").fetchone()[0] == 160
    assert len(cat.search('"thread 3 photo "')) == 40


def test_sqlite_errors_become_one_line_catalogue_errors(cat: Catalogue) -> None:
    from captioner.catalogue.database import _translate

    full = sqlite3.OperationalError("database or disk is full")
    assert not isinstance(_translate(cat.path, full), CorruptCatalogueError)
    assert "disk is full" in str(_translate(cat.path, full))
    assert "busy" in str(_translate(cat.path, sqlite3.OperationalError("database is locked")))
    assert isinstance(
        _translate(cat.path, sqlite3.DatabaseError("database disk image is malformed")), CorruptCatalogueError
    )


def test_story_names_match_whatever_normalisation_they_arrive_in(cat: Catalogue, tmp_path: Path) -> None:
    import unicodedata

    f = tmp_path / "a.jpg"
    f.write_bytes(b"x")
    cat.create_story(unicodedata.normalize("NFD", "Lễ hội"), [f])
    assert cat.story(" Lễ hội ") == [normalise_path(f)]
    assert cat.stories()[0]["name"] == unicodedata.normalize("NFC", "Lễ hội")
