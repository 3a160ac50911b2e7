"""What kind of file a path is, in the words of our messages (scenario files read, outputs
written: both refuse anything but a regular file and say what was there instead)."""

from __future__ import annotations

import stat


def special_file_kind(mode: int) -> str | None:
    """``"a named pipe (FIFO)"``, ``"a device"`` or ``"a socket"`` for a file of that kind
    (its ``st_mode``), else None (a regular file, a directory, a link, ...)."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return None
