"""The window keeps responding while a large folder loads: a QTimer heartbeat keeps firing."""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path

from conftest import make_jpeg, wait_loaded
from PySide6.QtCore import QTimer

PICTURES = 300
MAX_STALL_S = 0.25
"""Generous for a loaded CI machine; the benchmark holds the 50 ms target on photo-sized files."""


def test_heartbeat_keeps_firing_while_a_large_folder_loads(qtbot, make_window, tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.mkdir()
    for n in range(PICTURES):
        make_jpeg(big / f"img_{n:04d}.jpg", size=(800, 533), seed=n)
    window = make_window()
    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    heartbeat.start()
    started = time.perf_counter()
    window.open_folder(big)
    wait_loaded(qtbot, window, timeout=120_000)
    heartbeat.stop()
    elapsed = time.perf_counter() - started
    gaps = [b - a for a, b in pairwise(beats)]
    assert window.model.rowCount() == PICTURES
    assert all(item.meta is not None and item.thumbnail_jpeg for item in window.model.items())
    assert len(beats) > elapsed / 0.010 * 0.3, "the heartbeat barely ran"
    assert max(gaps) < MAX_STALL_S, f"GUI thread stalled {max(gaps) * 1000:.0f} ms"
