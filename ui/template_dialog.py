"""The template dialog (Photo Mechanic's "stationery pad"): a tick box, text and mode per field, saved sets.

The dialog only builds a :class:`captioner.templates.Template`; applying it is
:func:`captioner.templates.apply_template`, run by the main window as one undoable command.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from captioner.fields import FIELDS
from captioner.templates import MODES, VARIABLES, Template, TemplateField, load_templates, save_templates

MODE_LABELS = {"replace": "Replace", "prefix": "Prefix", "append": "Append"}


class TemplateDialog(QDialog):
    """Edit, save and choose a template; :meth:`template` is what Apply applies."""

    def __init__(self, templates_file: Path, selected: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Apply template to {selected} picture(s)")
        self.templates_file = templates_file
        self.saved: list[Template] = load_templates(templates_file)

        top = QHBoxLayout()
        top.addWidget(QLabel("Template:"))
        self.chooser = QComboBox(self)
        self.chooser.addItem("(new)")
        for t in self.saved:
            self.chooser.addItem(t.name)
        self.chooser.currentIndexChanged.connect(self._load_chosen)
        top.addWidget(self.chooser, 1)
        save = QPushButton("Save as…", self)
        save.clicked.connect(self._save_as)
        top.addWidget(save)
        delete = QPushButton("Delete", self)
        delete.clicked.connect(self._delete)
        top.addWidget(delete)

        grid_host = QWidget(self)
        grid = QGridLayout(grid_host)
        grid.setColumnStretch(2, 1)
        self.ticks: dict[str, QCheckBox] = {}
        self.texts: dict[str, QLineEdit] = {}
        self.modes: dict[str, QComboBox] = {}
        for row, spec in enumerate(FIELDS):
            tick = QCheckBox(spec.label, grid_host)
            tick.setObjectName(f"tick_{spec.key}")
            text = QLineEdit(grid_host)
            text.setObjectName(f"text_{spec.key}")
            text.textEdited.connect(lambda _t, tick=tick: tick.setChecked(True))
            mode = QComboBox(grid_host)
            for m in MODES:
                mode.addItem(MODE_LABELS[m], m)
            grid.addWidget(tick, row, 0)
            grid.addWidget(mode, row, 1)
            grid.addWidget(text, row, 2)
            self.ticks[spec.key], self.texts[spec.key], self.modes[spec.key] = tick, text, mode
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)

        hint = QLabel(
            "Variables: "
            + "  ".join("{" + v + "}" for v in VARIABLES)
            + ".  Lists (photographer, keywords) take items separated by ;",
            self,
        )
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.resize(720, 640)

    def template(self, name: str = "") -> Template:
        """The template as set in the dialog (every row, ticked or not)."""
        rows = [
            TemplateField(key, self.texts[key].text(), self.modes[key].currentData(), self.ticks[key].isChecked())
            for key in self.ticks
        ]
        return Template(name or self.chooser.currentText(), rows)

    def set_template(self, template: Template) -> None:
        """Fill the dialog from `template`."""
        by_key = {row.key: row for row in template.fields}
        for key in self.ticks:
            row = by_key.get(key, TemplateField(key, enabled=False))
            self.ticks[key].setChecked(row.enabled)
            self.texts[key].setText(row.text)
            self.modes[key].setCurrentIndex(max(0, self.modes[key].findData(row.mode)))

    def _load_chosen(self, index: int) -> None:
        if 1 <= index <= len(self.saved):
            self.set_template(self.saved[index - 1])

    def _save_as(self) -> None:
        current = self.chooser.currentText() if self.chooser.currentIndex() > 0 else ""
        name, ok = QInputDialog.getText(self, "Save template", "Template name:", text=current)
        if ok and name.strip():
            self.save_as(name.strip())

    def save_as(self, name: str) -> None:
        """Save the dialog's template under `name` (replacing one of that name)."""
        template = self.template(name)
        self.saved = [t for t in self.saved if t.name != name] + [template]
        try:
            save_templates(self.templates_file, self.saved)
        except OSError as exc:
            QMessageBox.warning(self, "Save template", f"Cannot save templates to {self.templates_file}: {exc}")
            return
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.addItem("(new)")
        for t in self.saved:
            self.chooser.addItem(t.name)
        self.chooser.setCurrentText(name)
        self.chooser.blockSignals(False)

    def _delete(self) -> None:
        index = self.chooser.currentIndex()
        if index <= 0:
            return
        del self.saved[index - 1]
        try:
            save_templates(self.templates_file, self.saved)
        except OSError as exc:
            QMessageBox.warning(self, "Delete template", f"Cannot save templates to {self.templates_file}: {exc}")
        self.chooser.removeItem(index)
