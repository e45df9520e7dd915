"""``captioner-gui`` start-up end to end (a real process): --demo, FOLDER, the last folder, --screenshot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from captioner.writing import write_fields


def run_gui(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    code = "import sys; from captioner_gui.app import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def assert_screenshot(png: Path) -> None:
    with Image.open(png) as img:
        assert img.width >= 800 and img.height >= 500
        lo, hi = zip(*img.convert("RGB").getextrema(), strict=True)
        assert max(hi) - min(lo) > 100  # not a blank window


def test_demo_screenshot_then_the_last_folder_is_reopened(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shot = tmp_path / "demo.png"
    done = run_gui(["--demo", "--screenshot", str(shot)], home)
    assert done.returncode == 0, done.stderr
    assert_screenshot(shot)
    demo = home / "data" / "Captioner" / "demo"
    assert len(list(demo.glob("bna_*.jpg"))) == 12
    assert f"open folder {demo}" in done.stderr

    again = run_gui(["--screenshot", str(tmp_path / "again.png")], home)
    assert again.returncode == 0, again.stderr
    assert f"open folder {demo}" in again.stderr  # the last folder, from QSettings


def test_folder_argument(tmp_path: Path, folder: Path) -> None:
    write_fields(folder / "bna_9300.jpg", {"credit": "BNA"})
    shot = tmp_path / "folder.png"
    done = run_gui([str(folder), "--screenshot", str(shot)], tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert f"open folder {folder}" in done.stderr
    assert_screenshot(shot)
