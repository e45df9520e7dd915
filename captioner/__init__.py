"""Captioner: the Qt-free core of a caption-and-credit tool for newsroom photo editors.

Import the parts you need: :mod:`captioner.fields` (the field table), :mod:`captioner.reading`
(``read_metadata``), :mod:`captioner.writing` (``write_fields``, ``write_batch``), :mod:`captioner.catalogue`.
Nothing here imports PySide6.
"""

__version__ = "0.1.0"
