"""One process per slide: a lock file beside the slide's outputs.

Two runs on the same slides and output folder (two shells, two jobs of a
scheduler, a torchrun job beside a plain run) each redid every slide,
writing the same outputs twice. While a process runs a slide it holds an
exclusive ``flock`` on ``.<name>.lock`` in the output folder; another
process finds the slide taken, leaves it and goes on with the next, so the
runs split the work. The kernel releases a lock when its process ends,
however it ends (SIGKILL, out-of-memory killer), so the lock of a dead
process is taken over by the next run without any clean-up: the file it
leaves is only a name. (``flock`` is advisory, per open file, and works on
local file systems and on NFS since Linux 2.6.12.)
"""
import contextlib
import fcntl
import os
import os.path as osp
from typing import Iterator

from ..fileio import owner_tag


def lock_path(summary_path: str) -> str:
    """The lock file of a slide: ``.<name>.lock`` beside its summary.

    Args:
        summary_path (str): The slide's ``<name>.summary.json``.

    Returns:
        str: The lock file's path.
    """
    folder, name = osp.split(summary_path)
    return osp.join(folder, '.' + name[:-len('.summary.json')] + '.lock')


@contextlib.contextmanager
def slide_lock(path: str) -> Iterator[bool]:
    """Try to take a slide's lock without waiting.

    Args:
        path (str): The lock file (:func:`lock_path`); its folder exists.

    Yields:
        bool: True if this process holds the lock until the block ends
        (the file then names it, ``<host>-<pid>``, for a person looking);
        False if another live process holds it.
    """
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            yield False
            return
        # The holder before us may have removed the file after we opened
        # it: our lock is then on a name no other process can open.
        try:
            current = os.stat(path).st_ino
        except FileNotFoundError:
            current = None
        if current == os.fstat(fd).st_ino:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, owner_tag().encode())
        yield True
    finally:
        # Removed while still held, so no process locks the file after it
        # is unlinked without seeing the swap above.
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        os.close(fd)
