"""Captioner's desktop app (installed as ``captioner_gui``): PySide6 views and controllers over the core.

The rules are in ARCHITECTURE.md: this package imports ``captioner``, never the other way round; core work
runs on ``QThreadPool`` through :mod:`captioner_gui.workers`; workers hand back ``QImage``, never ``QPixmap``.
"""
