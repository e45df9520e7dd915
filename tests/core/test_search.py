"""Search: folded free text, trigram and LIKE fallback, field filters, FTS syntax taken as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from captioner.catalogue import Catalogue
from captioner.errors import UsageError
from captioner.fields import FIELD_KEYS, empty_value
from captioner.photo import FileStamp, PhotoMetadata
from captioner.search import Term, parse_query
from captioner.textfold import fold


def meta(path: Path, conflict: bool = False, **fields: object) -> PhotoMetadata:
    """A PhotoMetadata with `fields` set, the rest empty; `conflict` marks the caption as conflicting."""
    values = {k: fields.get(k, empty_value(k)) for k in FIELD_KEYS}
    stamp = FileStamp(size=1, mtime_ns=1, sha256=path.name)
    return PhotoMetadata(
        path=path,
        format="image/jpeg",
        width=1,
        height=1,
        stamp=stamp,
        fields=values,  # type: ignore[arg-type]
        conflicts=["caption"] if conflict else [],
    )


@pytest.fixture
def cat(tmp_path: Path):
    catalogue = Catalogue.open(tmp_path / "catalogue.sqlite")
    photos = tmp_path / "photos"
    other = tmp_path / "other"
    photos.mkdir()
    other.mkdir()
    catalogue.upsert_photo(
        meta(
            photos / "bna_9336.jpg",
            caption="Nguyễn Văn A tại lễ hội Đồng Tháp",
            byline=["Thanh Cường"],
            credit="Báo Nghệ An",
            keywords=["lễ hội", "festival"],
        )
    )
    catalogue.upsert_photo(
        meta(photos / "bna_9297.jpg", caption='比赛现场 (AND) "quoted" * star', byline=["清强"], credit="")
    )
    catalogue.upsert_photo(
        meta(other / "afp_1.jpg", caption="Flood in Hà Nội", byline=["Jean Dupont"], credit="AFP", conflict=True)
    )
    yield catalogue
    catalogue.close()


def names(hits: list[dict]) -> list[str]:
    return sorted(Path(h["path"]).name for h in hits)


def test_parse_query() -> None:
    assert parse_query('credit:"Báo Nghệ An" lễ  "two words" foo:bar missing:credit') == [
        Term("credit", "Báo Nghệ An"),
        Term(None, "lễ"),
        Term(None, "two words"),
        Term(None, "foo:bar"),
        Term("missing", "credit"),
    ]
    assert parse_query('"unterminated phrase') == [Term(None, "unterminated phrase")]
    assert parse_query("") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Nguyen", ["bna_9336.jpg"]),
        ("nguyễn", ["bna_9336.jpg"]),
        ("Dong Thap", ["bna_9336.jpg"]),
        ("Đồng", ["bna_9336.jpg"]),
        ("ha noi", ["afp_1.jpg"]),
        ("le hoi festival", ["bna_9336.jpg"]),
        ("bna_9297", ["bna_9297.jpg"]),
        ("比赛", ["bna_9297.jpg"]),
        ("赛", ["bna_9297.jpg"]),
        ("比赛现场", ["bna_9297.jpg"]),
        ("nothing-like-this", []),
        ("", ["afp_1.jpg", "bna_9297.jpg", "bna_9336.jpg"]),
    ],
)
def test_free_text(cat: Catalogue, query: str, expected: list[str]) -> None:
    assert names(cat.search(query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("byline:清强", ["bna_9297.jpg"]),
        ("byline:thanh", ["bna_9336.jpg"]),
        ('credit:"Báo Nghệ An"', ["bna_9336.jpg"]),
        ('credit:"bao nghe an"', ["bna_9336.jpg"]),
        ("credit:AFP", ["afp_1.jpg"]),
        ("caption:AFP", []),
        ("missing:credit", ["bna_9297.jpg"]),
        ("missing:headline", ["afp_1.jpg", "bna_9297.jpg", "bna_9336.jpg"]),
        ("missing:byline", []),
        ("conflict:caption", ["afp_1.jpg"]),
        ("conflict:credit", []),
        ("lễ missing:headline byline:cuong", ["bna_9336.jpg"]),
    ],
)
def test_filters(cat: Catalogue, query: str, expected: list[str]) -> None:
    assert names(cat.search(query)) == expected


def test_folder_filter_by_part_of_the_path(cat: Catalogue) -> None:
    assert names(cat.search("folder:other")) == ["afp_1.jpg"]


def test_folder_filter_with_real_directory(cat: Catalogue, tmp_path: Path) -> None:
    assert names(cat.search(f"folder:{tmp_path / 'photos'}")) == ["bna_9297.jpg", "bna_9336.jpg"]
    assert names(cat.search(f'folder:"{tmp_path}"')) == ["afp_1.jpg", "bna_9297.jpg", "bna_9336.jpg"]


def test_byline_filter_matches_every_registered_spelling(cat: Catalogue) -> None:
    cat.add_person("Thanh Cuong", aliases=["清强"])
    assert names(cat.search("byline:清强")) == ["bna_9297.jpg", "bna_9336.jpg"]
    assert names(cat.search('byline:"Thanh Cuong"')) == ["bna_9297.jpg", "bna_9336.jpg"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "AND",
        "(",
        ")",
        "NOT",
        "a OR b",
        '"(AND)"',
        "NEAR(a b)",
        "^x",
        "col:",
        ":",
        "%",
        "_",
        "\\",
        "'",
        "{caption}",
        "-x",
        "+",
    ],
)
def test_fts_syntax_is_text(cat: Catalogue, query: str) -> None:
    cat.search(query)


def test_fts_syntax_characters_match_literally(cat: Catalogue) -> None:
    assert names(cat.search("(AND)")) == ["bna_9297.jpg"]
    assert names(cat.search('"quoted"')) == ["bna_9297.jpg"]
    assert names(cat.search("*")) == ["bna_9297.jpg"]
    assert names(cat.search("%")) == []
    assert names(cat.search("_")) == ["afp_1.jpg", "bna_9297.jpg", "bna_9336.jpg"]


def test_unknown_field_in_missing_filter(cat: Catalogue) -> None:
    with pytest.raises(UsageError, match="unknown field 'nonsense'"):
        cat.search("missing:nonsense")


def test_limit_and_result_shape(cat: Catalogue) -> None:
    hits = cat.search("", limit=2)
    assert len(hits) == 2
    assert set(hits[0]) == {"path", "fields"}
    assert hits[0]["fields"]["caption"] == "Nguyễn Văn A tại lễ hội Đồng Tháp"
    assert hits[0]["fields"]["byline"] == ["Thanh Cường"]


@pytest.mark.parametrize("needle", ["赛", "比赛", "场", "清强", "强", "ng", "a", "_", "Đ", "x9", "龘", "hộ", ".j"])
def test_short_terms_through_the_index_find_what_like_finds(
    cat: Catalogue, needle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for query in (needle, f"byline:{needle}", f"caption:{needle}"):
        indexed = names(cat.search(query))
        with monkeypatch.context() as m:
            m.setattr("captioner.search._Query._expand", lambda self, n: None)
            scanned = names(cat.search(query))
        assert indexed == scanned, query


def test_two_character_value_at_the_end_of_a_field(cat: Catalogue) -> None:
    assert cat.trigrams_starting_with("清强") == ["清强\x1f"]
    assert names(cat.search("byline:强")) == ["bna_9297.jpg"]


CAPTION_CHARS = 'aAbcdeêếệĐđoơờuưnghiNGUYỄN 清强图片比赛现场 .,()*"^-+{}%_0123456789'


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(caption=st.text(alphabet=CAPTION_CHARS, min_size=1, max_size=40), data=st.data())
def test_any_piece_of_a_caption_finds_it(tmp_path: Path, caption: str, data: st.DataObject) -> None:
    """Whatever an editor types from a caption (one character or more, FTS syntax included) finds it."""
    folded = fold(caption)
    start = data.draw(st.integers(0, len(folded) - 1))
    end = data.draw(st.integers(start + 1, len(folded)))
    piece = folded[start:end]
    if not piece.strip():
        return
    path = tmp_path / f"cat-{abs(hash((caption, start, end)))}.sqlite"
    with Catalogue.open(path) as catalogue:
        catalogue.upsert_photo(meta(tmp_path / "a.jpg", caption=caption))
        catalogue.upsert_photo(meta(tmp_path / "b.jpg", caption="zzz"))
        hits = names(catalogue.search(piece))
    assert "a.jpg" in hits, (caption, piece)
