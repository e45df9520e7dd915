"""The editor panel: one editor per field of :data:`captioner.fields.FIELDS`, for one or many pictures.

The panel only shows values and reports what the user typed (:attr:`EditorPanel.edited`); the main window
turns each report into an undoable command. With many pictures selected, a field whose values differ shows
‹multiple values› and is left alone unless the user types into it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from captioner_gui.photo_model import DEFAULT_LANG, PhotoItem
from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from captioner.fields import FIELDS, Field
from captioner.templates import LIST_SEPARATOR, expand_codes, split_list
from captioner.textfold import fold

MULTIPLE = "‹multiple values›"
OVER_LIMIT_STYLE = "color: #d32f2f; font-weight: bold;"
LANGUAGE_NAMES = {
    DEFAULT_LANG: "Default",
    "en": "English",
    "vi": "Tiếng Việt",
    "zh": "中文",
    "zh-CN": "中文 (简体)",
    "zh-TW": "中文 (繁體)",
    "fr": "Français",
    "de": "Deutsch",
    "ja": "日本語",
    "ko": "한국어",
}
FOLDED_ROLE = Qt.ItemDataRole.UserRole + 1
"""Completion matches on names folded for case and diacritics."""
NO_METER = frozenset({"date_created"})
"""Fields whose IIM limit applies to a reformatted value, so a byte count of the text would mislead."""


def utf8_len(text: str) -> int:
    """Bytes `text` takes in UTF-8 (what IIM limits count)."""
    return len(text.encode("utf-8", "surrogatepass"))


class _UndoToWindow(QObject):
    """Event filter letting Ctrl+Z / Ctrl+Shift+Z reach the window's undo stack instead of the text widget."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and (
            event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo)
        ):
            event.ignore()
            return True
        return False


class ByteMeter(QLabel):
    """``used/limit`` in UTF-8 bytes; turns red past the IIM limit."""

    def __init__(self, limit: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.limit = limit
        self.used = 0
        font = self.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.8))
        self.setFont(font)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("0000/0000"))
        self.update_count("")

    @property
    def over(self) -> bool:
        """True when the text does not fit the IIM field."""
        return self.used > self.limit

    def update_count(self, text: str | Sequence[str] | None) -> None:
        """Count `text` (for a list: its longest item; None: unknown, ‹multiple values›)."""
        if text is None:
            self.used = 0
            self.setText(f"–/{self.limit}")
        else:
            self.used = max((utf8_len(t) for t in text), default=0) if isinstance(text, list) else utf8_len(text)
            self.setText(f"{self.used}/{self.limit}")
        self.setStyleSheet(OVER_LIMIT_STYLE if self.over else "")
        self.setToolTip(
            f"{self.used} of {self.limit} bytes allowed in IPTC IIM"
            + (" — the IIM copy will be cut; XMP keeps the full text" if self.over else "")
        )


class FieldEditor(QWidget):
    """Base of the per-field editors: value display, ‹multiple values› state, code replacement, meter."""

    edited = Signal(str, str, object)
    """(field key, language, new value) — only for edits the user made."""
    focused = Signal(str)
    """The user entered this field (starts a new undo step for typing)."""

    def __init__(self, spec: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.codes: Mapping[str, str] = {}
        self.multiple = False
        self._updating = False
        self.meter = ByteMeter(spec.iim_max) if spec.iim_max and spec.key not in NO_METER else None

    def show_values(self, items: Sequence[PhotoItem]) -> None:
        """Show the effective value of `items` (‹multiple values› when they differ)."""
        raise NotImplementedError

    def _expand(self, text: str, cursor: int) -> tuple[str, int]:
        return expand_codes(text, self.codes, cursor) if self.codes else (text, cursor)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            self.focused.emit(self.spec.key)
        return False


class LineFieldEditor(FieldEditor):
    """A one-line text field; list fields (byline, keywords) take ``;``-separated items."""

    def __init__(self, spec: Field, names: QStandardItemModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit(self)
        self.line.setObjectName(f"field_{spec.key}")
        self.line.setClearButtonEnabled(True)
        if spec.is_list:
            self.line.setPlaceholderText("separate names with ;" if spec.key == "byline" else "keyword; keyword")
        elif spec.key == "date_created":
            self.line.setPlaceholderText("YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS")
        self.line.installEventFilter(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line, 1)
        if self.meter is not None:
            layout.addWidget(self.meter)
        self.line.textEdited.connect(self._on_text_edited)
        self.completer: QCompleter | None = None
        if names is not None:
            self.completer = QCompleter(names, self)
            self.completer.setCompletionRole(FOLDED_ROLE)  # "duc" finds "Nguyễn Đức Trung"
            self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
            self.completer.setWidget(self.line)
            self.completer.activated[QModelIndex].connect(self._on_completion)

    def text(self) -> str:
        """The text shown (empty in ‹multiple values› state)."""
        return self.line.text()

    def show_values(self, items: Sequence[PhotoItem]) -> None:
        values = [item.value(self.spec.key) for item in items]
        texts = {self._to_text(v) for v in values}
        self.multiple = len(texts) > 1
        text = "" if self.multiple or not texts else texts.pop()
        self._updating = True
        try:
            self.line.setPlaceholderText(MULTIPLE if self.multiple else self._placeholder())
            if self.line.text() != text:
                self.line.setText(text)
        finally:
            self._updating = False
        if self.meter is not None:
            self.meter.update_count(None if self.multiple else self._from_text(text))

    def _placeholder(self) -> str:
        if self.spec.is_list:
            return "separate names with ;" if self.spec.key == "byline" else "keyword; keyword"
        return "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS" if self.spec.key == "date_created" else ""

    def _to_text(self, value: Any) -> str:
        return f"{LIST_SEPARATOR} ".join(value) if isinstance(value, list) else str(value or "")

    def _from_text(self, text: str) -> Any:
        return split_list(text) if self.spec.is_list else text

    def _on_text_edited(self, text: str) -> None:
        if self._updating:
            return
        expanded, cursor = self._expand(text, self.line.cursorPosition())
        if expanded != text:
            self.line.setText(expanded)
            self.line.setCursorPosition(cursor)
        self.multiple = False
        self.line.setPlaceholderText(self._placeholder())
        value = self._from_text(expanded)
        if self.meter is not None:
            self.meter.update_count(value)
        self.edited.emit(self.spec.key, DEFAULT_LANG, value)
        if self.completer is not None:
            prefix = expanded[: self.line.cursorPosition()].rsplit(LIST_SEPARATOR, 1)[-1].strip()
            if prefix:
                self.completer.setCompletionPrefix(fold(prefix))
                if self.completer.completionCount() > 0:
                    self.completer.complete()
            else:
                self.completer.popup().hide()

    def _on_completion(self, chosen: QModelIndex | str) -> None:
        """Replace the name being typed (the last ``;`` item before the cursor) with the chosen one."""
        name = chosen if isinstance(chosen, str) else str(chosen.data(Qt.ItemDataRole.DisplayRole))
        head = self.line.text()[: self.line.cursorPosition()]
        tail = self.line.text()[self.line.cursorPosition() :]
        parts = head.rsplit(LIST_SEPARATOR, 1)
        before = parts[0] + f"{LIST_SEPARATOR} " if len(parts) == 2 else ""
        new_head = before + name
        self.line.setText(new_head + tail)
        self.line.setCursorPosition(len(new_head))
        self._on_text_edited(self.line.text())


class _CaptionText(QPlainTextEdit):
    """Caption text box: Tab moves focus instead of typing a tab."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        lines = self.fontMetrics().lineSpacing()
        self.setMinimumHeight(lines * 4 + 12)
        self.setMaximumHeight(lines * 9 + 12)


class CaptionEditor(FieldEditor):
    """Multi-line caption with one tab per XMP language (x-default first); the meter counts x-default."""

    def __init__(self, spec: Field, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        corner = QWidget(self.tabs)
        corner_layout = QHBoxLayout(corner)
        corner_layout.setContentsMargins(0, 0, 0, 0)
        if self.meter is not None:
            corner_layout.addWidget(self.meter)
        add = QToolButton(corner)
        add.setText("+")
        add.setToolTip("Add a caption in another language (XMP language alternative)")
        add.clicked.connect(self._ask_language)
        corner_layout.addWidget(add)
        self.tabs.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        self.boxes: dict[str, _CaptionText] = {}
        self._items: Sequence[PhotoItem] = ()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.tabs)
        self._set_languages([DEFAULT_LANG])
        self.tabs.setMaximumHeight(self.box.maximumHeight() + self.tabs.tabBar().sizeHint().height() + 8)

    @property
    def box(self) -> _CaptionText:
        """The x-default caption box."""
        return self.boxes[DEFAULT_LANG]

    def text(self, lang: str = DEFAULT_LANG) -> str:
        """The text of language `lang`."""
        return self.boxes[lang].toPlainText()

    def _set_languages(self, langs: Sequence[str]) -> None:
        if list(self.boxes) == list(langs):
            return
        for lang in list(self.boxes):
            if lang not in langs:
                box = self.boxes.pop(lang)
                self.tabs.removeTab(self.tabs.indexOf(box))
                box.deleteLater()
        for lang in langs:
            if lang not in self.boxes:
                box = _CaptionText(self.tabs)
                box.setObjectName(f"field_caption_{lang}")
                box.installEventFilter(self)
                box.installEventFilter(_UNDO_FILTER)
                box.textChanged.connect(lambda lang=lang: self._on_text_changed(lang))
                self.boxes[lang] = box
                self.tabs.addTab(box, LANGUAGE_NAMES.get(lang, lang))

    def add_language(self, lang: str) -> None:
        """Show a tab for `lang` (its text starts empty)."""
        lang = lang.strip()
        if lang and lang not in self.boxes:
            self._set_languages([*self.boxes, lang])
            self.tabs.setCurrentWidget(self.boxes[lang])

    def _ask_language(self) -> None:
        lang, ok = QInputDialog.getText(self, "Add caption language", "Language code (e.g. vi, zh-CN, en):")
        if ok:
            self.add_language(lang)

    def show_values(self, items: Sequence[PhotoItem]) -> None:
        langs: list[str] = [DEFAULT_LANG]
        for item in items:
            langs += [lang for lang in item.languages("caption") if lang not in langs]
        if [i.path for i in items] == [i.path for i in self._items]:
            langs += [lang for lang in self.boxes if lang not in langs]  # a tab just added, still empty
        self._items = items
        self._set_languages(langs)
        self.multiple = False
        self._updating = True
        try:
            for lang, box in self.boxes.items():
                texts = {str(item.value("caption", lang)) for item in items}
                multiple = len(texts) > 1
                if lang == DEFAULT_LANG:
                    self.multiple = multiple
                text = "" if multiple or not texts else texts.pop()
                box.setPlaceholderText(MULTIPLE if multiple else "")
                if box.toPlainText() != text:
                    box.setPlainText(text)
        finally:
            self._updating = False
        if self.meter is not None:
            self.meter.update_count(None if self.multiple else self.box.toPlainText())

    def _on_text_changed(self, lang: str) -> None:
        if self._updating:
            return
        box = self.boxes[lang]
        text = box.toPlainText()
        cursor = box.textCursor()
        expanded, pos = self._expand(text, cursor.position())
        if expanded != text:
            self._updating = True
            try:
                box.setPlainText(expanded)
                cursor = box.textCursor()
                cursor.setPosition(min(pos, len(expanded)))
                box.setTextCursor(cursor)
            finally:
                self._updating = False
        box.setPlaceholderText("")
        if lang == DEFAULT_LANG:
            self.multiple = False
            if self.meter is not None:
                self.meter.update_count(expanded)
        self.edited.emit(self.spec.key, lang, expanded)


_UNDO_FILTER = _UndoToWindow()


class EditorPanel(QScrollArea):
    """Every field of the field table, generated from it, in a scrollable form."""

    edited = Signal(str, str, object)
    """(field key, language, value): the user changed a field of the shown pictures."""
    fieldFocused = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.names = QStandardItemModel(self)
        body = QWidget(self)
        self.form = QFormLayout(body)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.header = QLabel("No picture selected", body)
        bold = QFont(self.header.font())
        bold.setBold(True)
        self.header.setFont(bold)
        self.header.setWordWrap(True)
        self.form.addRow(self.header)
        self.editors: dict[str, FieldEditor] = {}
        for spec in FIELDS:
            editor: FieldEditor
            if spec.key == "caption":
                editor = CaptionEditor(spec, body)
            else:
                editor = LineFieldEditor(spec, self.names if spec.key in ("byline", "credit") else None, body)
                editor.line.installEventFilter(_UNDO_FILTER)
            editor.edited.connect(self.edited)
            editor.focused.connect(self.fieldFocused)
            self.editors[spec.key] = editor
            label = QLabel(spec.label + ":", body)
            label.setBuddy(editor.box if isinstance(editor, CaptionEditor) else editor.line)
            self.form.addRow(label, editor)
        self.setWidget(body)
        self.show_items([])

    @property
    def caption(self) -> CaptionEditor:
        """The caption editor (F2 focuses it)."""
        editor = self.editors["caption"]
        assert isinstance(editor, CaptionEditor)
        return editor

    def line(self, key: str) -> QLineEdit:
        """The line edit of one-line field `key`."""
        editor = self.editors[key]
        assert isinstance(editor, LineFieldEditor)
        return editor.line

    def set_codes(self, codes: Mapping[str, str]) -> None:
        """Code replacements applied while typing in every field."""
        for editor in self.editors.values():
            editor.codes = dict(codes)

    def set_names(self, names: Sequence[str]) -> None:
        """Names offered when typing a byline or credit (people registry and names seen in the folder)."""
        self.names.clear()
        for name in sorted(set(names), key=fold):
            item = QStandardItem(name)
            item.setData(fold(name), FOLDED_ROLE)
            item.setEditable(False)
            self.names.appendRow(item)

    def name_list(self) -> list[str]:
        """The names offered for completion."""
        return [self.names.item(r).text() for r in range(self.names.rowCount())]

    def show_items(self, items: Sequence[PhotoItem]) -> None:
        """Show the pictures being edited; disabled when none is selected or read yet."""
        loaded = [item for item in items if item.meta is not None]
        if not items:
            self.header.setText("No picture selected")
        elif len(items) == 1:
            self.header.setText(items[0].path.name + ("" if loaded else " — reading…"))
        else:
            self.header.setText(f"{len(items)} pictures selected — fields that differ show {MULTIPLE}")
        enabled = bool(loaded) and len(loaded) == len(items)
        for editor in self.editors.values():
            editor.setEnabled(enabled)
            editor.show_values(loaded if enabled else [])
