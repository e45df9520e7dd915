"""Undo commands for every edit: one field on many pictures (typing), or a whole template on many pictures.

Commands address pictures by path and change only pending edits in the
:class:`~captioner_gui.photo_model.PhotoListModel`; undoing a command puts back the pending state exactly
as it was (including "no pending edit").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from captioner_gui.photo_model import DEFAULT_LANG, UNSET, PhotoListModel
from PySide6.QtGui import QUndoCommand

from captioner.fields import FIELD_BY_KEY

TYPING_ID = 4711


class EditCommand(QUndoCommand):
    """Set pending values: ``edits`` is a list of ``(path, key, before, after)`` pending values."""

    def __init__(
        self,
        model: PhotoListModel,
        text: str,
        edits: Sequence[tuple[Path, str, Any, Any]],
        merge_key: tuple[Any, ...] | None = None,
    ) -> None:
        super().__init__(text)
        self._model = model
        self.edits = list(edits)
        self._merge_key = merge_key

    def redo(self) -> None:
        """Apply the `after` values."""
        for path, key, _before, after in self.edits:
            self._model.set_pending(path, key, after)

    def undo(self) -> None:
        """Put back the `before` values."""
        for path, key, before, _after in reversed(self.edits):
            self._model.set_pending(path, key, before)

    def id(self) -> int:
        """Typing in one field merges into one command; other commands never merge."""
        return TYPING_ID if self._merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Absorb `other` when it is more typing in the same field of the same pictures."""
        if not isinstance(other, EditCommand) or other._merge_key != self._merge_key:
            return False
        after = {(p, k): a for p, k, _b, a in other.edits}
        self.edits = [(p, k, b, after.get((p, k), a)) for p, k, b, a in self.edits]
        return True


def field_edit(
    model: PhotoListModel,
    paths: Sequence[Path],
    key: str,
    value: Any,
    lang: str = DEFAULT_LANG,
    typing_session: int | None = None,
) -> EditCommand:
    """The command setting field `key` (language `lang` for language alternatives) to `value` on `paths`.

    Commands with the same `typing_session` (one stretch of typing in one field) merge into one undo step.
    """
    edits = []
    for path in paths:
        before = model.pending_value(path, key)
        if FIELD_BY_KEY[key].is_lang_alt:
            after = dict(before) if before is not UNSET else {}
            after[lang] = value
        else:
            after = value
        edits.append((path, key, before, after))
    label = FIELD_BY_KEY[key].label
    text = f"Edit {label}" if len(paths) == 1 else f"Edit {label} on {len(paths)} pictures"
    merge_key = (typing_session, key, lang, tuple(paths)) if typing_session is not None else None
    return EditCommand(model, text, edits, merge_key)


def changes_edit(model: PhotoListModel, changes: Mapping[Path, Mapping[str, Any]], text: str) -> EditCommand:
    """One command applying per-picture changes ``{path: {key: value}}`` (a template on a selection)."""
    edits = []
    for path, fields in changes.items():
        for key, value in fields.items():
            before = model.pending_value(path, key)
            if FIELD_BY_KEY[key].is_lang_alt and not isinstance(value, dict):
                after = dict(before) if before is not UNSET else {}
                after[DEFAULT_LANG] = value
            else:
                after = value
            edits.append((path, key, before, after))
    return EditCommand(model, text, edits)


def revert_edit(model: PhotoListModel, paths: Sequence[Path]) -> EditCommand:
    """One command dropping every pending edit of `paths` (Revert), undoable like any edit."""
    edits = []
    for path in paths:
        row = model.row_of(path)
        if row is None:
            continue
        for key in list(model.item(row).pending):
            edits.append((path, key, model.pending_value(path, key), UNSET))
    return EditCommand(model, f"Revert {len(paths)} picture(s)", edits)
