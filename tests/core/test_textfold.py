"""Folding for matching: case, diacritics, Đ, width; scripts without diacritics unchanged."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captioner.textfold import fold, fold_name


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn", "nguyen"),
        ("Đồng Tháp", "dong thap"),
        ("đường", "duong"),
        ("Thanh Cường", "thanh cuong"),
        ("Báo Nghệ An", "bao nghe an"),
        ("清强", "清强"),
        ("图片:", "图片:"),
        ("ＡＦＰ", "afp"),
        ("Straße", "strasse"),
        ("Øresund Łódź", "oresund lodz"),
        ("한국어", "한국어"),
        ("𝑨𝒃", "ab"),
        ("İstanbul", "istanbul"),
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_is_the_same_for_composed_and_decomposed_input() -> None:
    text = "Thanh Cường"
    assert fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text))


def test_fold_name_collapses_whitespace() -> None:
    assert fold_name("  Thanh   Cường ") == "thanh cuong"


@settings(max_examples=500)
@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text(alphabet="aăâeêoôơuưyĐđ ÀÁẢÃẠằắẳẵặ清强图片ＡＢ", max_size=30))
def test_folded_text_has_no_diacritics_or_capitals(text: str) -> None:
    folded = fold(text)
    assert folded == folded.lower()
    assert not any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", folded))
