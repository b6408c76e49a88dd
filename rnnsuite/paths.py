"""Where rnnsuite keeps what it downloads: one place the host and every data set plugin share."""
from __future__ import annotations

import os
from pathlib import Path

#: set to move the data cache (tests point it at a temporary folder)
DATA_DIR_ENV = "RNNSUITE_DATA_DIR"


def data_dir() -> Path:
    """The data cache root (not created here): ``$RNNSUITE_DATA_DIR``, else the user cache folder."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("rnnsuite"))
