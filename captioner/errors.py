"""Captioner's errors: each carries the path it is about and a one-line reason.

The command line prints ``str(error)`` as its one line on stderr; the app shows it in the error list.
"""

from __future__ import annotations

from pathlib import Path


class CaptionerError(Exception):
    """Base of every error Captioner raises on purpose."""


class FileOperationError(CaptionerError):
    """Something went wrong with one file; `path` and `reason` say what."""

    verb = "cannot process"

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {self.verb}: {reason}")

    def __reduce__(self) -> tuple[type[FileOperationError], tuple[Path, str]]:
        # Errors cross process boundaries (batch workers): rebuild them from path and reason.
        return (self.__class__, (self.path, self.reason))


class ReadError(FileOperationError):
    """The file could not be read as an image with metadata."""

    verb = "cannot read"


class UnsupportedFormatError(ReadError):
    """The file is not an image format Captioner handles."""

    verb = "unsupported format"


class WriteError(FileOperationError):
    """The file could not be written; the original is untouched."""

    verb = "not written"


class ChangedOnDiskError(WriteError):
    """The file changed on disk since it was read; writing would lose the other program's change."""

    verb = "changed on disk since it was read"


class VerificationError(WriteError):
    """Re-reading the written copy did not give back what was written, so the original was kept."""

    verb = "verification failed"


class UsageError(CaptionerError):
    """A wrong argument or an impossible request (exit status 2 on the command line)."""


class CatalogueError(CaptionerError):
    """The catalogue cannot be opened or used (corrupt, newer schema, locked)."""
