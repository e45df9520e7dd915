"""Benchmark: opening a folder of photo-sized JPEGs in the app (not collected by pytest).

Measures, on 1,000 pictures of 1600×1067 pixels (~400 KB, captioned like a photo desk's):

* first thumbnails visible — every cell of the first screenful has a thumbnail (target ≤ 300 ms);
* all thumbnails (target ≤ 3 s) and all metadata read;
* the longest GUI-thread stall, from a 5 ms ``QTimer`` heartbeat (target ≤ 50 ms);
* a cached reopen in a new window: every thumbnail from the disk cache (target < 0.5 s);
* resident memory with 5,000 pictures open (hard links of the 1,000 under other names; target < 400 MB).

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_gui_open.py [--count N] [--rss-count N]``.
The pictures are generated once into ``bench-out/photos`` and reused.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from captioner_gui.app import make_application
from photos import make_photos
from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ensure_photos(folder: Path, count: int) -> list[Path]:
    """`count` benchmark pictures in `folder`, generated on first use."""
    folder.mkdir(parents=True, exist_ok=True)
    have = sorted(folder.glob("bna_*.jpg"))
    if len(have) < count:
        print(f"generating {count - len(have)} photos in {folder} …", file=sys.stderr)
        make_photos(folder, count)
        have = sorted(folder.glob("bna_*.jpg"))
    return have[:count]


def link_farm(source: list[Path], folder: Path, count: int) -> Path:
    """`count` hard links to the pictures of `source` under distinct names (distinct cache keys)."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        target = folder / f"pic_{n:05d}.jpg"
        if not target.exists():
            os.link(source[n % len(source)], target)
    return folder


class Run:
    """One folder opening in a fresh window, timed."""

    def __init__(
        self, app: QApplication, folder: Path, work: Path, cache: Path, name: str, catalogue: str = "catalogue"
    ) -> None:
        from captioner_gui.main_window import MainWindow

        from captioner.catalogue import Catalogue

        self.app = app
        settings = QSettings(str(work / f"{name}.ini"), QSettings.Format.IniFormat)
        self.catalogue = Catalogue.open(work / f"{catalogue}.sqlite")
        self.window = MainWindow(
            settings, catalogue=self.catalogue, templates_file=work / "templates.json", cache_root=cache
        )
        self.window.resize(1400, 900)
        self.window.show()
        app.processEvents()
        self.folder = folder
        self.first_visible: float | None = None
        self.all_thumbs: float | None = None
        self.all_meta: float | None = None
        self.beats: list[float] = []

    def visible_count(self) -> int:
        grid = self.window.grid
        size = grid.gridSize()
        cols = max(1, grid.viewport().width() // size.width())
        rows = math.ceil(grid.viewport().height() / size.height())
        return min(cols * rows, self.window.model.rowCount())

    def go(self, timeout_s: float = 300) -> dict[str, float]:
        model = self.window.model
        heartbeat = QTimer()
        heartbeat.setInterval(5)
        heartbeat.timeout.connect(lambda: self.beats.append(time.perf_counter()))

        sharp: set[int] = set()
        read: set[int] = set()

        def check(top: object, bottom: object, *_roles: object) -> None:
            now = time.perf_counter()
            for row in range(top.row(), bottom.row() + 1):  # type: ignore[attr-defined]
                item = model.item(row)
                if item.thumbnail_kind in ("sharp", "cached"):
                    sharp.add(row)
                if item.meta is not None or item.error:
                    read.add(row)
            total = model.rowCount()
            if self.first_visible is None and total:
                k = self.visible_count()
                if all(model.item(r).thumbnail_jpeg for r in range(k)):
                    self.first_visible = now - start
            if self.all_thumbs is None and total and len(sharp) == total:
                self.all_thumbs = now - start
            if self.all_meta is None and total and len(read) == total:
                self.all_meta = now - start

        model.dataChanged.connect(check)
        heartbeat.start()
        cpu_start = time.process_time()
        start = time.perf_counter()
        self.beats.append(start)
        self.window.open_folder(self.folder)
        loop = QEventLoop()
        done = QTimer()
        done.setInterval(20)
        done.timeout.connect(lambda: loop.quit() if self.all_thumbs is not None and self.all_meta is not None else None)
        done.start()
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        loop.exec()
        done.stop()
        heartbeat.stop()
        gaps = [b - a for a, b in pairwise(self.beats)]
        worst = max(range(len(gaps)), key=gaps.__getitem__, default=0)
        return {
            "pictures": model.rowCount(),
            "first_visible_ms": round((self.first_visible or float("nan")) * 1000),
            "all_thumbnails_ms": round((self.all_thumbs or float("nan")) * 1000),
            "all_metadata_ms": round((self.all_meta or float("nan")) * 1000),
            "max_stall_ms": round(max(gaps, default=0) * 1000, 1),
            "max_stall_at_ms": round((self.beats[worst] - start) * 1000) if gaps else 0,
            "rss_mb": round(rss_mb()),
            "cpu_s": round(time.process_time() - cpu_start, 2),
        }

    def close(self) -> None:
        self.window.model.set_paths([])
        self.window.close()
        self.window.loader.shutdown()
        self.catalogue.close()
        self.window.deleteLater()
        self.app.processEvents()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rss-count", type=int, default=5000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out")
    args = parser.parse_args()

    photos = ensure_photos(args.out / "photos", args.count)
    with tempfile.TemporaryDirectory(prefix="captioner-bench-") as tmp:
        work = Path(tmp)
        os.environ["XDG_DATA_HOME"] = str(work / "data")
        os.environ["XDG_CONFIG_HOME"] = str(work / "config")
        os.environ["XDG_CACHE_HOME"] = str(work / "cache")
        app = make_application(sys.argv[:1])  # configured as captioner-gui configures it
        cache = work / "thumbs"
        results: dict[str, dict[str, float]] = {}

        first = Run(app, photos[0].parent, work, cache, "cold")
        results["cold open"] = first.go()
        first.close()

        again = Run(app, photos[0].parent, work, cache, "cached")
        results["cached reopen"] = again.go()
        again.close()

        if args.rss_count:
            farm = link_farm(photos, work / "farm", args.rss_count)
            big = Run(app, farm, work, work / "thumbs-farm", "big", catalogue="big")
            results[f"{args.rss_count} pictures"] = big.go(timeout_s=900)
            big.close()

    print(json.dumps(results, indent=2))
    cold, cached = results["cold open"], results["cached reopen"]
    targets = [
        ("first thumbnails visible ≤ 300 ms", cold["first_visible_ms"] <= 300),
        ("all thumbnails ≤ 3 s", cold["all_thumbnails_ms"] <= 3000),
        ("GUI stall ≤ 50 ms", cold["max_stall_ms"] <= 50),
        ("cached reopen < 0.5 s (all thumbnails)", cached["all_thumbnails_ms"] < 500),
    ]
    if args.rss_count:
        targets.append((f"RSS < 400 MB with {args.rss_count}", results[f"{args.rss_count} pictures"]["rss_mb"] < 400))
    for name, ok in targets:
        print(f"{'PASS' if ok else 'MISS'}  {name}")
    return 0 if all(ok for _n, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
