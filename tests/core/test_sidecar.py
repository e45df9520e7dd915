"""Pictures the engine cannot write (HEIC, AVIF, …) keep their fields in an XMP sidecar NAME.EXT.xmp."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from captioner.errors import WriteError
from captioner.reading import read_metadata
from captioner.writing import write_fields


@pytest.fixture
def heic(corpus_copy: Callable[[str], Path]) -> Path:
    return corpus_copy("exiftool/QuickTime.heic")


def test_fields_go_to_a_sidecar_and_the_picture_is_untouched(heic: Path, exiftool: Callable[..., dict]) -> None:
    before = heic.read_bytes()
    result = write_fields(heic, {"caption": "会议概况 Hội nghị", "byline": ["Thanh Cuong"], "credit": "Báo Nghệ An"})
    side = heic.with_name("QuickTime.heic.xmp")
    assert heic.read_bytes() == before
    assert side.is_file()
    assert result.after.sidecar == side
    assert any("QuickTime.heic.xmp" in w for w in result.warnings)
    meta = read_metadata(heic)
    assert meta.fields["caption"] == "会议概况 Hội nghị"
    assert meta.fields["byline"] == ["Thanh Cuong"]
    assert meta.sidecar == side
    ref = exiftool(side)
    assert ref["XMP-dc:Description"] == "会议概况 Hội nghị"
    assert ref["XMP-photoshop:Credit"] == "Báo Nghệ An"
    assert not [p for p in os.listdir(heic.parent) if ".captioner-tmp-" in p]


def test_an_existing_sidecar_keeps_its_other_properties(heic: Path, exiftool: Callable[..., dict]) -> None:
    side = heic.with_name("QuickTime.heic.xmp")
    subprocess.run(["exiftool", "-q", "-o", str(side), "-XMP-dc:Rights=© Someone", "-XMP-xmp:Rating=4"], check=True)
    write_fields(heic, {"caption": "new caption"})
    ref = exiftool(side)
    assert ref["XMP-dc:Description"] == "new caption"
    assert ref["XMP-dc:Rights"] == "© Someone"
    assert ref["XMP-xmp:Rating"] == 4
    assert read_metadata(heic).fields["copyright"] == "© Someone"


def test_read_only_folder_refuses_the_sidecar(heic: Path) -> None:
    os.chmod(heic.parent, 0o555)
    try:
        with pytest.raises(WriteError, match="read-only"):
            write_fields(heic, {"caption": "x"})
    finally:
        os.chmod(heic.parent, 0o755)
    assert not heic.with_name("QuickTime.heic.xmp").exists()
