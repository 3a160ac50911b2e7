"""Writing output files atomically: a reader sees the old file or the new one, never half.

Outputs go to regular files only: a FIFO, a device, a socket or a directory at the path is
refused (:class:`NotARegularFile`), never opened or replaced. A symbolic link is followed:
its target is replaced atomically and the link stays.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from simulator.file_kinds import special_file_kind


class NotARegularFile(OSError):
    """An output path holds something other than a regular file (a FIFO, a device, ...)."""


def output_target(path: str | os.PathLike[str]) -> Path:
    """The file an output to ``path`` replaces: ``path`` itself, or the file a symbolic link
    there points to (followed to the end). Raises :class:`NotARegularFile` when what is
    there is not a regular file, and ``IsADirectoryError`` for a directory."""
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    try:
        info = target.stat()
    except FileNotFoundError:
        return target
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", str(path))
    if not stat.S_ISREG(info.st_mode):
        kind = special_file_kind(info.st_mode) or "something other than a regular file"
        raise NotARegularFile(errno.EINVAL, f"{kind} is there; outputs go to regular files only")
    return target


def atomic_write(
    path: str | os.PathLike[str], text: str | bytes, *, encoding: str = "utf-8"
) -> None:
    """Write ``text`` (or bytes) to ``path`` so that it is replaced in one step.

    The text goes to a temporary file in the same directory, is flushed and fsynced, and then
    renamed over ``path`` with :func:`os.replace`. If anything fails before the rename, the
    temporary file is removed and the old ``path`` (if any) is left as it was. The new file
    keeps the permissions of the file it replaces, or gets the usual ones (0666 less the
    umask) when it is new. ``path`` must be (or name a link to) a regular file or nothing
    (see :func:`output_target`).
    """
    target = output_target(path)
    directory = target.parent
    try:
        info = target.stat()
        mode: int | None = stat.S_IMODE(info.st_mode)
    except FileNotFoundError:
        mode = None
    tmp, fd = _create_temp(directory, target.name)
    try:
        if isinstance(text, bytes):
            with os.fdopen(fd, "wb") as binary:
                binary.write(text)
                binary.flush()
                os.fsync(binary.fileno())
        else:
            with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        output_target(target)  # nothing else was put there meanwhile
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _create_temp(directory: Path, name: str) -> tuple[Path, int]:
    """A new, empty temporary file next to ``name``, opened for writing (0666 less umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = directory / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file in {str(directory)!r}")


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable where the platform allows it (best effort)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
