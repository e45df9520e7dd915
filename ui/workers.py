"""Run core generators on the thread pool and forward what they yield as Qt signals (TagStudio pattern).

The core reports progress by yielding; it never sees Qt. :class:`GeneratorWorker` runs such a generator on
``QThreadPool`` and emits each value (or each batch of values) as a queued signal on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class Cancelled:
    """A thread-safe cancel flag shared by the workers of one job (e.g. loading one folder)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask every worker holding this flag to stop at its next value."""
        self._event.set()

    @property
    def is_set(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._event.is_set()


class WorkerSignals(QObject):
    """Signals of a :class:`GeneratorWorker`; they live on the GUI thread so slots run there."""

    yielded = Signal(object)
    """One value, or a list of values when the worker batches."""
    failed = Signal(object)
    """The exception that ended the generator."""
    finished = Signal()
    """Emitted last, after a failure too."""


class GeneratorWorker(QRunnable):
    """Runs ``factory()`` (a generator) on the pool; forwards its values through :attr:`signals`.

    With `batch_ms` > 0, values are collected and emitted as lists at most every `batch_ms` milliseconds,
    so a fast generator cannot flood the GUI thread with thousands of tiny events.
    """

    _live: ClassVar[set[GeneratorWorker]] = set()
    """Workers started and not yet finished: keeps their Python signals object alive until delivered."""

    def __init__(
        self,
        factory: Callable[[], Iterator[Any]],
        cancelled: Cancelled | None = None,
        batch_ms: float = 0.0,
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._factory = factory
        self._cancelled = cancelled or Cancelled()
        self._batch_s = batch_ms / 1000.0
        self.signals = WorkerSignals()

    def run(self) -> None:
        """Called by the pool on a worker thread."""
        batch: list[Any] = []
        last = time.monotonic()
        try:
            for value in self._factory():
                if self._cancelled.is_set:
                    return
                if self._batch_s <= 0:
                    self.signals.yielded.emit(value)
                    continue
                batch.append(value)
                now = time.monotonic()
                if now - last >= self._batch_s:
                    self.signals.yielded.emit(batch)
                    batch, last = [], now
            if batch and not self._cancelled.is_set:
                self.signals.yielded.emit(batch)
        except Exception as exc:  # reported to the GUI, which shows it; never lost in a thread
            log.exception("worker failed")
            self.signals.failed.emit(exc)
        finally:
            self.signals.finished.emit()


def start(
    factory: Callable[[], Iterator[Any]],
    on_value: Callable[[Any], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
    cancelled: Cancelled | None = None,
    batch_ms: float = 0.0,
    priority: int = 0,
    pool: QThreadPool | None = None,
    owner: QObject | None = None,
) -> GeneratorWorker:
    """Start `factory` on `pool` (the global one by default), wiring the given callbacks; returns the worker.

    With `owner` (the widget the callbacks update), a callback that arrives after the owner was destroyed
    is dropped instead of touching deleted widgets (a dialog closed while its worker still runs).
    """
    worker = GeneratorWorker(factory, cancelled, batch_ms)
    if on_value is not None:
        worker.signals.yielded.connect(_while_alive(owner, on_value))
    if on_failed is not None:
        worker.signals.failed.connect(_while_alive(owner, on_failed))
    if on_finished is not None:
        worker.signals.finished.connect(_while_alive(owner, on_finished))
    GeneratorWorker._live.add(worker)
    worker.signals.finished.connect(lambda: GeneratorWorker._live.discard(worker))
    (pool or QThreadPool.globalInstance()).start(worker, priority)
    return worker


def _while_alive(owner: QObject | None, callback: Callable[..., None]) -> Callable[..., None]:
    """`callback`, skipped once `owner`'s C++ object is gone."""
    if owner is None:
        return callback

    def call(*args: Any) -> None:
        if shiboken6.isValid(owner):
            callback(*args)

    return call
