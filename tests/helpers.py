"""Helpers shared by the tests: where things are, photo-like JPEGs, ExifTool as the referee.

A plain module (not conftest.py), so that ``from helpers import make_jpeg`` means the same in every test
whatever order pytest loads its conftest files in.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()


def make_jpeg(path: Path, size: tuple[int, int] = (64, 48), seed: int = 0, quality: int = 85) -> Path:
    """Write a plain JPEG (no metadata) with some structure in its pixels."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    draw = ImageDraw.Draw(img)
    w, h = size
    for i in range(0, w, max(1, w // 8)):
        draw.line([(i, 0), (w - i, h)], fill=((i * 5 + seed) % 256, 128, 200), width=2)
    img.save(path, "JPEG", quality=quality)
    return path


def exiftool_json(path: Path, *tags: str) -> dict:
    """What ExifTool (the referee) reads from `path`: ``exiftool -json -G1 -a -charset iptc=UTF8``."""
    cmd = ["exiftool", "-json", "-G1", "-a", "-struct", "-charset", "iptc=UTF8", *tags, str(path)]
    out = subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8"})
    return json.loads(out.stdout.decode("utf-8"))[0]


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """Run ``captioner ARGV…`` in this process: (exit status, stdout, stderr)."""
    from captioner.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
