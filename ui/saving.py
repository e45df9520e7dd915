"""Saving pending edits: the core's safe write run in a worker, one outcome per file.

:func:`save_outcomes` is the generator the worker runs (no Qt in it beyond being called from a worker);
:class:`SaveController` runs it, shows progress, applies each outcome to the model and collects the
per-file errors, separating files changed on disk behind our back so the window can ask what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from captioner_gui import workers
from captioner_gui.photo_model import PhotoListModel
from PySide6.QtCore import QObject, QThreadPool, Signal

from captioner.errors import CaptionerError, ChangedOnDiskError
from captioner.photo import FileStamp, PhotoMetadata

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SaveJob:
    """One file to write: the pending changes and the stamp the file was read with."""

    path: Path
    changes: dict[str, Any]
    expected: FileStamp | None


@dataclass
class SaveOutcome:
    """What happened to one file: the metadata after writing, or an error."""

    path: Path
    changes: dict[str, Any]
    after: PhotoMetadata | None = None
    error: str = ""
    changed_on_disk: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass
class SaveReport:
    """Every outcome of one save."""

    outcomes: list[SaveOutcome] = field(default_factory=list)

    @property
    def written(self) -> list[SaveOutcome]:
        """Files written."""
        return [o for o in self.outcomes if not o.error]

    @property
    def failed(self) -> list[SaveOutcome]:
        """Files not written for a reason other than a change on disk."""
        return [o for o in self.outcomes if o.error and not o.changed_on_disk]

    @property
    def changed_on_disk(self) -> list[SaveOutcome]:
        """Files another program changed since we read them (not written)."""
        return [o for o in self.outcomes if o.changed_on_disk]


def save_outcomes(
    jobs: Sequence[SaveJob], force: bool = False, record: Callable[..., None] | None = None
) -> Iterator[SaveOutcome]:
    """Write each job through the core's safe write; one outcome per file, a bad file never stops the rest.

    `record` (the catalogue's ``record_write``) is called for every file, written or failed.
    """
    from captioner.writing import write_fields

    for job in jobs:
        outcome = SaveOutcome(job.path, job.changes)
        before = None
        try:
            result = write_fields(job.path, job.changes, expected=job.expected, force=force)
            outcome.after, outcome.warnings, before = result.after, list(result.warnings), result.before
        except ChangedOnDiskError as exc:
            outcome.error, outcome.changed_on_disk = str(exc), True
        except CaptionerError as exc:
            outcome.error = str(exc)
        except OSError as exc:
            outcome.error = f"{job.path}: not written: {exc.strerror or exc}"
        if record is not None:
            try:
                record(job.path, job.changes, before, outcome.after, outcome.error or None)
            except CaptionerError as exc:  # the file is the truth; a catalogue hiccup must not fail the save
                log.warning("catalogue: %s", exc)
        yield outcome


class SaveController(QObject):
    """Runs one save at a time on a thread pool and reports progress and the final report."""

    progress = Signal(int, int, str)
    """(files done, total, file name)."""
    finished = Signal(object)
    """The :class:`SaveReport`."""

    def __init__(
        self,
        model: PhotoListModel,
        record: Callable[..., None] | None = None,
        pool: QThreadPool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._record = record
        self._pool = pool
        self.running = False
        self._report = SaveReport()
        self._total = 0

    def jobs(self, paths: Sequence[Path] | None = None) -> list[SaveJob]:
        """Jobs for every picture with pending edits (only `paths` when given)."""
        wanted = set(paths) if paths is not None else None
        return [
            SaveJob(item.path, item.changes(), item.meta.stamp if item.meta else None)
            for item in self._model.dirty_items()
            if wanted is None or item.path in wanted
        ]

    def start(self, jobs: Sequence[SaveJob], force: bool = False) -> bool:
        """Start writing `jobs`; False when a save is already running or there is nothing to write."""
        if self.running or not jobs:
            return False
        self.running = True
        self._report = SaveReport()
        self._total = len(jobs)
        workers.start(
            lambda: save_outcomes(list(jobs), force, self._record),
            on_value=self._on_outcome,
            on_failed=self._on_failed,
            on_finished=self._on_finished,
            pool=self._pool,
        )
        return True

    def _on_outcome(self, outcome: SaveOutcome) -> None:
        self._report.outcomes.append(outcome)
        if outcome.after is not None:
            written = set(outcome.changes)
            self._model.set_metadata([(outcome.path, outcome.after, "")])
            row = self._model.row_of(outcome.path)
            if row is not None:
                item = self._model.item(row)
                # Keep edits typed after the save started (none: the dialog is modal), drop those written.
                keys = [k for k in written if item.pending.get(k) == outcome.changes.get(k)]
                self._model.clear_pending(outcome.path, keys)
        self.progress.emit(len(self._report.outcomes), self._total, outcome.path.name)

    def _on_failed(self, exc: BaseException) -> None:
        log.error("save stopped: %s", exc)
        self._report.outcomes.append(SaveOutcome(Path("?"), {}, error=f"save stopped: {exc}"))

    def _on_finished(self) -> None:
        self.running = False
        self.finished.emit(self._report)
