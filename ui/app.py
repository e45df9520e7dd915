"""``captioner-gui [FOLDER] [--demo] [--screenshot PNG]``: start-up in one place (vorta's ``__main__`` pattern).

:func:`main` wires, in order: arguments, logging, the exception hook, the Qt application (palette, fonts),
the catalogue, the main window, and what to show first — FOLDER, the demo, or the last folder.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from captioner_gui import workers
from captioner_gui.loading import prepare_metadata_engine
from captioner_gui.main_window import MainWindow
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QFont, QGuiApplication, QPixmapCache
from PySide6.QtWidgets import QApplication, QMessageBox

from captioner import paths
from captioner.errors import CaptionerError
from captioner.templates import load_codes

log = logging.getLogger("captioner_gui")

ORGANISATION = "Captioner"
APPLICATION = "Captioner"
CJK_FALLBACK = "Noto Sans CJK SC"
"""Fallback family for Chinese: the SC (simplified) cut, or Han glyphs come out in Japanese shapes."""
SCREENSHOT_TIMEOUT_MS = 60_000
GIL_SWITCH_INTERVAL_S = 0.001
PIXMAP_CACHE_KB = 64 * 1024
"""Scaled grid thumbnails kept ready to draw (~75 KB each): several screenfuls."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command-line arguments of ``captioner-gui``."""
    parser = argparse.ArgumentParser(prog="captioner-gui", description="Captions and credits for newsroom photos.")
    parser.add_argument("folder", nargs="?", type=Path, help="folder of pictures to open")
    parser.add_argument("--demo", action="store_true", help="open a fresh copy of the demo folder")
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="save the window once loaded, then quit")
    parser.add_argument("--catalogue", metavar="PATH", help="catalogue file (default: in the user data folder)")
    return parser.parse_args(argv)


def setup_logging(log_file: Path | None) -> None:
    """Log to stderr, and to `log_file` when it can be written."""
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
        except OSError:
            pass
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers)


def install_exception_hook() -> None:
    """Log uncaught exceptions and show them, instead of Qt aborting or the error vanishing."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, exc, tb))
        log.error("uncaught exception:\n%s", text)
        if QApplication.instance() is not None and kind is not KeyboardInterrupt:
            box = QMessageBox(QMessageBox.Icon.Critical, "Captioner", f"Something went wrong: {exc}")
            box.setDetailedText(text)
            box.exec()

    sys.excepthook = hook


def make_application(argv: Sequence[str]) -> QApplication:
    """The QApplication, named for QSettings, with a CJK fallback font; the palette is the system's."""
    app = QApplication.instance() or QApplication(list(argv))
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Captioner")
    app.setDesktopFileName("captioner")
    apply_cjk_font(app)
    # Workers run Python too (metadata, catalogue); a short GIL switch interval hands the GIL back to the
    # GUI thread within about a millisecond instead of five, so painting and typing never wait on them.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    QPixmapCache.setCacheLimit(PIXMAP_CACHE_KB)
    return app


def apply_cjk_font(app: QGuiApplication) -> None:
    """Put the simplified-Chinese CJK family behind the default font, so Chinese uses SC glyph shapes."""
    font = QFont(app.font())
    families = [f for f in font.families() or [font.family()] if f != CJK_FALLBACK]
    font.setFamilies([*families, CJK_FALLBACK])
    app.setFont(font)


def open_catalogue(arg: str | None) -> object | None:
    """The catalogue, or None (with a logged warning) when it cannot be opened: the app works without it."""
    try:
        from captioner.catalogue import Catalogue, resolve_catalogue_path

        return Catalogue.open(resolve_catalogue_path(arg))
    except CaptionerError as exc:
        log.warning("working without the catalogue: %s", exc)
    except ImportError as exc:
        log.warning("working without the catalogue: %s", exc)
    return None


def load_code_replacements(settings: QSettings) -> dict[str, str]:
    """Code replacements from the codes file chosen before, else ``codes.txt`` in the config folder."""
    chosen = settings.value("codesFile", "")
    path = Path(str(chosen)) if chosen else paths.config_dir() / "codes.txt"
    try:
        return load_codes(path)
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("cannot read code replacements %s: %s", path, exc)
        return {}


def open_demo(window: MainWindow, fresh: bool) -> None:
    """Create the demo folder in a worker (fresh, or only if missing) and open it."""
    from captioner.demo import create_demo, default_folder

    def make() -> object:
        folder = default_folder()
        if fresh or not any(folder.glob("bna_*.jpg")):
            folder = create_demo(folder)
        yield folder

    workers.start(make, on_value=window.open_folder, on_failed=lambda exc: log.error("demo: %s", exc))


def take_screenshot(window: MainWindow, target: Path) -> None:
    """Once the window's pictures are loaded, select the first, save the window as `target` and quit."""
    app = QApplication.instance()

    def grab() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(target))
        log.info("screenshot %s %s", target, "saved" if ok else "FAILED")
        window.model.set_paths([])  # nothing unsaved: quit without asking
        app.exit(0 if ok else 1)

    def loaded() -> None:
        if window.model.rowCount():
            window.select_rows([0])
        QTimer.singleShot(700, grab)  # let the preview decode and the grid repaint

    window.when_loaded(loaded)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, grab)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``captioner-gui``."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    setup_logging(paths.data_dir() / "captioner-gui.log")
    install_exception_hook()
    app = make_application(sys.argv[:1])
    prepare_metadata_engine()  # before any worker thread touches exiv2
    settings = QSettings()
    catalogue = open_catalogue(args.catalogue)
    window = MainWindow(
        settings,
        catalogue=catalogue,
        templates_file=paths.config_dir() / "templates.json",
        codes=load_code_replacements(settings),
    )
    if args.screenshot:
        take_screenshot(window, args.screenshot.resolve())
    window.show()

    last = settings.value("lastFolder", "")
    if args.folder is not None:
        window.open_folder(args.folder.resolve())
    elif args.demo:
        open_demo(window, fresh=True)
    elif last and Path(str(last)).is_dir():
        window.open_folder(Path(str(last)))
    else:
        open_demo(window, fresh=False)
    status = app.exec()
    window.loader.shutdown()
    if catalogue is not None:
        catalogue.close()  # type: ignore[attr-defined]
    return status


if __name__ == "__main__":
    sys.exit(main())
