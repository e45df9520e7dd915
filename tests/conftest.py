"""Fixtures shared by every test: the third-party corpus, photo-like JPEG files, ExifTool as the referee."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import CORPUS, ROOT, exiftool_json, make_jpeg

__all__ = ["CORPUS", "ROOT", "exiftool_json", "make_jpeg"]


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user folders: point HOME / XDG folders and the catalogue at a temporary place."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("CAPTIONER_CATALOGUE", raising=False)


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared third-party corpus folder (read-only: copy a file before writing to it)."""
    if not CORPUS.is_dir():
        pytest.fail(f"shared corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture
def corpus_copy(corpus: Path, tmp_path: Path) -> Callable[[str], Path]:
    """Copy a corpus file (path relative to the corpus root) into tmp_path and return the copy."""

    def copy(rel: str) -> Path:
        dst = tmp_path / Path(rel).name
        shutil.copyfile(corpus / rel, dst)
        return dst

    return copy


@pytest.fixture
def jpeg(tmp_path: Path) -> Path:
    """A fresh metadata-free JPEG in tmp_path."""
    return make_jpeg(tmp_path / "bna_0001.jpg")


@pytest.fixture(scope="session")
def exiftool() -> Callable[..., dict]:
    """ExifTool as a test oracle; the suite fails (never skips) when it is missing."""
    if shutil.which("exiftool") is None:
        pytest.fail("exiftool is not installed (apt-get install libimage-exiftool-perl)")
    return exiftool_json
