"""The Checks panel: the findings model on its own, checks run in a worker, jump requests, the certain fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from captioner_gui.checks_panel import ChecksPanel, FindingColumn, FindingRole, FindingTableModel
from conftest import make_jpeg
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QAbstractItemModelTester

from captioner.checks import Finding
from captioner.housestyle import HouseStyle, People, Person
from captioner.reading import read_metadata
from captioner.writing import write_fields

PEOPLE = People([Person("Thanh Cuong", ("清强", "Thanh Cường"))])
COMPLETE = {
    "caption": "会议概况。图片:Thanh Cuong",
    "byline": ["Thanh Cuong"],
    "credit": "Thanh Cuong",
    "copyright": "Báo Nghệ An",
}


@pytest.fixture
def pictures(tmp_path: Path) -> list[Path]:
    """Three pictures: one complete, one credited to an alias (清强), one with no credit at all."""
    folder = tmp_path / "pics"
    folder.mkdir()
    good = make_jpeg(folder / "bna_9336.jpg", seed=1)
    write_fields(good, COMPLETE)
    alias = make_jpeg(folder / "bna_9384.jpg", seed=2)
    write_fields(alias, {**COMPLETE, "caption": "颁发奖状。图片:清强", "byline": ["清强"], "credit": "清强"})
    bare = make_jpeg(folder / "bna_9391.jpg", seed=3)
    write_fields(bare, {"caption": "Đại biểu dự hội nghị.", "byline": ["Thanh Cuong"], "copyright": "Báo Nghệ An"})
    return [good, alias, bare]


def finding(name: str, severity: str = "warning", fix: dict | None = None) -> Finding:
    return Finding(Path(f"/p/{name}"), "credit", severity, "alias", f"{name} problem", "do it", fix)


def test_model_passes_qt_model_tester(qtmodeltester) -> None:
    model = FindingTableModel()
    model.set_file_findings(Path("/p/a.jpg"), [finding("a.jpg", "error"), finding("a.jpg")])
    qtmodeltester.check(model, force_py=True)
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.set_file_findings(Path("/p/b.jpg"), [finding("b.jpg", fix={"credit": "X"})])
    model.set_file_findings(Path("/p/a.jpg"), [finding("a.jpg")])  # replaced in place
    model.set_file_findings(Path("/p/c.jpg"), [])
    model.set_file_findings(Path("/p/b.jpg"), [])
    model.clear()
    del tester
    assert model.rowCount() == 0


def test_model_columns_roles_and_file_order() -> None:
    model = FindingTableModel()
    model.set_file_findings(Path("/p/a.jpg"), [finding("a.jpg", "error")])
    model.set_file_findings(Path("/p/b.jpg"), [finding("b.jpg", fix={"credit": "X"})])
    model.set_file_findings(Path("/p/a.jpg"), [finding("a.jpg", "error"), finding("a.jpg", "info")])
    assert [model.index(r, FindingColumn.File).data() for r in range(3)] == ["a.jpg", "a.jpg", "b.jpg"]
    assert model.headerData(FindingColumn.Message, Qt.Orientation.Horizontal) == "Problem"
    index = model.index(2, FindingColumn.Fix)
    assert index.data() == "✓ do it"
    assert index.data(FindingRole.Fixable) is True
    assert index.data(FindingRole.Path) == Path("/p/b.jpg")
    assert model.index(0, FindingColumn.Severity).data(FindingRole.Severity) == "error"
    assert model.index(0, FindingColumn.Field).data() == "Credit line"
    assert model.counts() == {"error": 1, "info": 1, "warning": 1}


def run_checks(qtbot, panel: ChecksPanel, paths: list[Path]) -> None:
    with qtbot.waitSignal(panel.checkFinished, timeout=20_000):
        assert panel.run(paths)
    qtbot.waitUntil(lambda: not panel.running)


def findings_of(panel: ChecksPanel) -> set[tuple[str, str | None, str, str]]:
    return {(f.path.name, f.field, f.code, f.severity) for f in panel.model.findings()}


def test_run_lists_the_expected_findings(qtbot, pictures: list[Path]) -> None:
    panel = ChecksPanel(HouseStyle(), PEOPLE)
    qtbot.addWidget(panel)
    run_checks(qtbot, panel, pictures)
    assert findings_of(panel) == {
        ("bna_9384.jpg", "byline", "alias", "warning"),
        ("bna_9384.jpg", "credit", "alias", "warning"),
        ("bna_9384.jpg", "caption", "alias", "warning"),
        ("bna_9391.jpg", "credit", "missing", "error"),
    }
    assert panel.summary.text() == "1 error, 3 warnings in 3 pictures · 3 with a certain fix (✓)"
    assert not panel.fix_button.isEnabled()  # nothing selected yet
    assert panel.fix_all_button.isEnabled()


def test_activating_a_finding_requests_a_jump(qtbot, pictures: list[Path]) -> None:
    panel = ChecksPanel(HouseStyle(), PEOPLE, paths=pictures)
    qtbot.addWidget(panel)
    panel.show()
    run_checks(qtbot, panel, pictures)
    row = next(r for r in range(panel.proxy.rowCount()) if panel.proxy.index(r, 0).data() == "bna_9391.jpg")
    index = panel.proxy.index(row, FindingColumn.Message)
    with qtbot.waitSignal(panel.jumpRequested) as jumped:
        panel.table.activated.emit(index)
    assert jumped.args == [pictures[2]]
    panel.table.setCurrentIndex(index)
    panel.table.setFocus()
    with qtbot.waitSignal(panel.jumpRequested) as jumped:
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert jumped.args == [pictures[2]]


def select_rows(panel: ChecksPanel, predicate) -> None:
    selection = panel.table.selectionModel()
    selection.clearSelection()
    for r in range(panel.proxy.rowCount()):
        if predicate(panel.proxy.index(r, 0).data(FindingRole.Finding)):
            selection.select(
                panel.proxy.index(r, 0),
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
            )


def test_fix_is_enabled_only_for_certain_fixes(qtbot, pictures: list[Path]) -> None:
    panel = ChecksPanel(HouseStyle(), PEOPLE)
    qtbot.addWidget(panel)
    run_checks(qtbot, panel, pictures)
    select_rows(panel, lambda f: f.code == "missing")
    assert not panel.fix_button.isEnabled()
    assert not panel.fix_action.isEnabled()
    assert not panel.fix_selected()
    select_rows(panel, lambda f: f.code == "alias")
    assert panel.fix_button.isEnabled()
    assert panel.fix_action.isEnabled()


def test_certain_fix_writes_the_canonical_name_and_checks_again(qtbot, pictures: list[Path]) -> None:
    panel = ChecksPanel(HouseStyle(), PEOPLE)
    qtbot.addWidget(panel)
    run_checks(qtbot, panel, pictures)
    untouched = pictures[2].read_bytes()
    select_rows(panel, lambda f: f.code == "alias")
    with qtbot.waitSignal(panel.filesChanged, timeout=20_000) as changed:
        panel.fix_action.trigger()
    qtbot.waitUntil(lambda: not panel.fixing)
    assert changed.args == [[pictures[1]]]
    meta = read_metadata(pictures[1])
    assert meta.value("byline") == ["Thanh Cuong"]
    assert meta.value("credit") == "Thanh Cuong"
    assert meta.value("caption") == "颁发奖状。图片:Thanh Cuong"
    assert pictures[2].read_bytes() == untouched
    # the fixed file was checked again: only the uncertain finding is left
    assert findings_of(panel) == {("bna_9391.jpg", "credit", "missing", "error")}
    assert panel.summary.text() == "1 error, 0 warnings in 3 pictures"
    assert not panel.fix_all_button.isEnabled()


def test_fix_refused_for_a_file_changed_since_the_check(qtbot, pictures: list[Path]) -> None:
    panel = ChecksPanel(HouseStyle(), PEOPLE)
    qtbot.addWidget(panel)
    run_checks(qtbot, panel, pictures)
    write_fields(pictures[1], {"headline": "changed behind our back"})
    with qtbot.waitSignal(panel.fixFinished, timeout=20_000) as done:
        assert panel.fix_all()
    written, errors = done.args
    assert written == 0
    assert len(errors) == 1 and "bna_9384.jpg" in errors[0]
    assert read_metadata(pictures[1]).value("credit") == "清强"
    assert "not written" in panel.summary.text()


def test_pictures_with_unsaved_edits_are_not_fixed(qtbot, pictures: list[Path]) -> None:
    held = {pictures[1]}
    panel = ChecksPanel(HouseStyle(), PEOPLE, has_unsaved=lambda p: p in held)
    qtbot.addWidget(panel)
    run_checks(qtbot, panel, pictures)
    before = pictures[1].read_bytes()
    with qtbot.waitSignal(panel.fixFinished) as done:
        assert not panel.fix_all()
    assert done.args[0] == 0 and "unsaved edits" in done.args[1][0]
    assert "unsaved edits" in panel.summary.text()
    assert pictures[1].read_bytes() == before
    held.clear()
    with qtbot.waitSignal(panel.fixFinished, timeout=20_000) as done:
        assert panel.fix_all()
    assert done.args == [1, []]
