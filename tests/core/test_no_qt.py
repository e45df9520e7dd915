"""The core never imports Qt (ARCHITECTURE.md rule 1): ``captioner`` works where PySide6 is not installed.

Two checks: a fresh interpreter imports ``captioner`` and every module under ``captioner/`` (found by walking
the package folder, none skipped) and finds neither ``PySide6`` nor ``captioner_gui`` in ``sys.modules``;
and a static scan of every source file under ``captioner/`` finds no import of PySide6, shiboken6,
``captioner_gui`` or ``ui``, at module level or inside a function.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import captioner

PACKAGE = Path(captioner.__file__).resolve().parent
FORBIDDEN = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "captioner_gui", "ui")


def core_modules() -> list[str]:
    """Every module of the ``captioner`` package, by walking its folder (``__main__`` excluded: it runs the CLI)."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_the_walk_finds_the_core() -> None:
    """Sanity check of the walk itself: the engine and the command line are among the modules."""
    names = core_modules()
    for expected in ("captioner", "captioner.reading", "captioner.writing", "captioner.cli", "captioner.cli.common"):
        assert expected in names


def test_importing_every_core_module_loads_no_qt() -> None:
    """A fresh interpreter imports every core module; no Qt binding and no GUI package gets loaded."""
    script = f"""
import importlib, json, sys
names = {core_modules()!r}
failed = {{}}
for name in names:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = f"{{type(exc).__name__}}: {{exc}}"
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {FORBIDDEN!r})
print(json.dumps({{"failed": failed, "loaded": loaded}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["failed"] == {}, "every core module imports without the GUI"
    assert report["loaded"] == []


def test_cli_parser_loads_no_qt() -> None:
    """Building the full command line (every command module registered) loads no Qt either."""
    script = (
        "import sys, json; from captioner.cli import build_parser; build_parser(); "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, top-level module) of every import in `tree`, including ``importlib.import_module("…")`` calls."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value.split(".")[0]))
    return found


def test_no_core_file_imports_qt_or_the_gui() -> None:
    """Static check: no file under captioner/ imports PySide6 / shiboken6 / captioner_gui / ui anywhere."""
    offenders = []
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) >= 10
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [
            f"{path.relative_to(PACKAGE.parent)}:{line}: {name}"
            for line, name in imported_names(tree)
            if name in FORBIDDEN
        ]
    assert offenders == []


def test_core_tests_do_not_use_qt() -> None:
    """The core tests (and the shared conftest) import no Qt and ask for no ``qtbot``: they run without PySide6."""
    tests = Path(__file__).resolve().parent.parent
    files = [tests / "conftest.py", *sorted((tests / "core").rglob("*.py"))]
    offenders = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [f"{path.name}:{line}: {name}" for line, name in imported_names(tree) if name in FORBIDDEN]
        offenders += [
            f"{path.name}:{node.lineno}: qtbot"
            for node in ast.walk(tree)
            if isinstance(node, ast.arg) and node.arg in ("qtbot", "qapp")
        ]
    assert offenders == []
