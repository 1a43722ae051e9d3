"""RUN_DIR and the files in it that only the service's own user may read.

RUN_DIR holds the SQLite database (sessions, webhook signing secrets), the generated SECRET_KEY,
the first operator's password and the embedded Redis socket. The directory is 0700 and each
secret file is born 0600: it is written under a temporary name opened 0600 and then linked into
place, so there is no moment at which it exists with a looser mode, or half written.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` (and its parents) 0700, or take group and other access away from it."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(PRIVATE_DIR_MODE)
    return path


def tighten(path: Path) -> None:
    """Take group and other access away from an existing file made before files were born 0600."""
    with contextlib.suppress(FileNotFoundError):
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(PRIVATE_FILE_MODE)


def _written_privately(path: Path, content: str) -> Path:
    """A new 0600 file beside `path` holding `content`, on disk before it is linked anywhere."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        temporary.unlink()
        raise
    return temporary


def create_private_file(path: Path, content: str) -> bool:
    """Write `content` to `path` as a new 0600 file; False (and nothing written) if it exists.

    Two processes starting together may both try: one wins, the other reads the winner's file.
    """
    temporary = _written_privately(path, content)
    try:
        os.link(temporary, path)  # unlike a rename, refuses to replace a file already there
    except FileExistsError:
        return False
    finally:
        temporary.unlink()
    return True


def replace_private_file(path: Path, content: str) -> None:
    """Write `content` to `path` as a 0600 file, replacing whatever was there in one step."""
    os.replace(_written_privately(path, content), path)


def create_empty_private_file(path: Path) -> None:
    """Make `path` an empty 0600 file unless it exists (SQLite then fills it in place, and gives
    its -wal and -shm files the same mode)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    tighten(path)
