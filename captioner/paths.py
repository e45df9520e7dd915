"""Where Captioner keeps its files: the user data, config and cache folders (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "Captioner"


def data_dir() -> Path:
    """User data folder: the default catalogue and the demo folder live here."""
    import platformdirs  # on first use: start-up time of every command

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """User config folder: the house style TOML file lives here."""
    import platformdirs  # on first use: start-up time of every command

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """User cache folder: thumbnails."""
    import platformdirs  # on first use: start-up time of every command

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


CATALOGUE_ENV = "CAPTIONER_CATALOGUE"
CATALOGUE_NAME = "catalogue.sqlite"


def catalogue_path(arg: str | os.PathLike[str] | None = None) -> Path:
    """Where the catalogue is: `arg` (``--catalogue``), else ``$CAPTIONER_CATALOGUE``, else the user data folder."""
    chosen = arg or os.environ.get(CATALOGUE_ENV) or data_dir() / CATALOGUE_NAME
    return Path(chosen).expanduser().absolute()
