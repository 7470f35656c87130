"""Files that appear under their name whole or not at all, and never over another file.

`stage` writes the content beside its final name, under a hidden temporary one, and flushes it to
disk; `publish` then gives it the final name in one step. Between the two the caller can commit
what the file stands for, so that a crash at any moment leaves either no file and nothing
committed, or the commit and a complete file (under its temporary name if the crash fell just
between the commit and `publish`), never a file for something that was not committed.
"""

import os
import tempfile
from pathlib import Path


def stage(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write `text` to a new hidden file in `path`'s folder and flush it to disk; return its path."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def publish(staged: Path, path: Path) -> None:
    """Give the staged file its final name; FileExistsError (and nothing moved) if it is taken."""
    try:
        os.link(staged, path)  # atomic, and fails rather than replace an existing file
    except FileExistsError:
        raise
    except OSError:  # a filesystem without hard links: rename, after a last look
        if path.exists():
            raise FileExistsError(f"{path} exists") from None
        os.replace(staged, path)
    else:
        staged.unlink()
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the new name survives a power cut too
    finally:
        os.close(folder)
