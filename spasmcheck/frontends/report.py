"""Write a dated report file atomically, never replacing an existing file unless forced."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from spasmcheck.core.errors import OutputError, UsageError
from spasmcheck.render.formats import REPORT_SUFFIXES, Format


def report_format(path: Path) -> Format:
    """The report format from the file name; UsageError for anything else."""
    fmt = REPORT_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"--report {path}: the file name must end in .md or .html")
    return fmt


def write(path: Path, text: str, force: bool) -> None:
    """All or nothing: the text goes to a temporary file that is then moved into place."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: the folder {folder} does not exist")
    if path.exists() and not force:
        raise OutputError(f"{path} already exists; use --force to replace it")
    try:  # a short prefix: the report's own name may already be as long as a name can be
        fd, tmp = tempfile.mkstemp(prefix=".spasmcheck-", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write in {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        if force:
            _keep_mode(path, tmp)
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the file appeared meanwhile: never overwrite
    except FileExistsError:
        raise OutputError(f"{path} already exists; use --force to replace it") from None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    finally:  # on success, failure or Ctrl-C alike, no temporary file is left behind
        if os.path.exists(tmp):
            os.unlink(tmp)


def _keep_mode(path: Path, tmp: str) -> None:
    """A replaced report keeps its permissions; a new one is private to its owner (0600)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(info.st_mode):
        os.chmod(tmp, stat.S_IMODE(info.st_mode))
