"""One process per slide: a lock file beside the slide's outputs.

Two runs on the same slides and output folder (two shells, two jobs of a
scheduler, a torchrun job beside a plain run) each redid every slide,
writing the same outputs twice. While a process runs a slide it holds an
exclusive ``flock`` on ``.<name>.lock`` in the output folder; another
process finds the slide taken, leaves it and goes on with the next, so the
runs split the work. The kernel releases a lock when its process ends
however it ends (SIGKILL, out-of-memory killer), unless a child the process
forked still holds the open file: then the lock outlives its holder and
every later run would find the slide busy for ever. So the file names its
holder (:func:`holder_record`: host, pid, the process's start time), and a
lock whose holder is dead (this host, and its pid gone, or reused by a
process started at another time) is taken over, saying so. (``flock`` is
advisory, per open file, and works on local file systems and on NFS since
Linux 2.6.12.)
"""
import contextlib
import fcntl
import json
import os
import os.path as osp
import socket
import time
from typing import Iterator, Optional, Tuple

from .recovery import process_is_running

BOOT_ID = '/proc/sys/kernel/random/boot_id'
# Seconds to let a process that has just taken a lock write its record: on
# a loaded machine (two runs on two cores) 0.2 s was seen not to be enough.
SETTLE_SECONDS = 2.0
SETTLE_POLL_SECONDS = 0.02


def lock_path(summary_path: str) -> str:
    """The lock file of a slide: ``.<name>.lock`` beside its summary.

    Args:
        summary_path (str): The slide's ``<name>.summary.json``.

    Returns:
        str: The lock file's path.
    """
    folder, name = osp.split(summary_path)
    return osp.join(folder, '.' + name[:-len('.summary.json')] + '.lock')


def _read(path: str) -> Optional[str]:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def process_start(pid: int) -> Optional[str]:
    """When a process of this host started: ``<boot id>:<clock ticks>``.

    Args:
        pid (int): Process id.

    Returns:
        str | None: Unique to the process across pid reuse and reboots;
        None where ``/proc`` does not tell (not Linux, no such process).
    """
    stat = _read(f'/proc/{pid}/stat')
    if stat is None:
        return None
    # starttime is the 22nd field; the 2nd (the command) may hold spaces.
    ticks = stat.rsplit(')', 1)[1].split()[19]
    return f'{_read(BOOT_ID)}:{ticks}'


def holder_record() -> dict:
    """What a lock file says of this process.

    Returns:
        dict: ``host``, ``pid``, ``start`` (:func:`process_start`) and
        ``since`` (when it took the lock, UTC, for a person looking).
    """
    return dict(host=socket.gethostname(), pid=os.getpid(),
                start=process_start(os.getpid()),
                since=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()))


def read_holder(path: str) -> Optional[dict]:
    """The holder a lock file names, None if it names none."""
    try:
        holder = json.loads(_read(path) or 'null')
    except ValueError:  # an earlier version's "<host>-<pid>", or empty
        return None
    return holder if isinstance(holder, dict) and 'pid' in holder else None


def holder_is_dead(holder: dict) -> bool:
    """Whether a lock's holder is a process of this host that has ended.

    Args:
        holder (dict): From :func:`read_holder`.

    Returns:
        bool: True if it ran on this host and its pid is gone, or now
        belongs to a process started at another time (pid reuse, a
        reboot). False for another host's holder: it cannot be checked.
    """
    if holder.get('host') != socket.gethostname():
        return False
    pid = int(holder['pid'])
    if not process_is_running(pid):
        return True
    start = process_start(pid)
    return None not in (start, holder.get('start')) and \
        start != holder['start']


def describe_holder(holder: Optional[dict]) -> str:
    """A lock's holder in words, e.g. ``pid 12 on host-a since <time>``."""
    if holder is None:
        return 'another process'
    return (f'pid {holder["pid"]} on {holder.get("host")} since '
            f'{holder.get("since")}')


class SlideLock:
    """The outcome of trying to take a slide's lock.

    Args:
        held (bool): Whether this process holds it.
        holder (dict, optional): The live holder, when not held.
        taken_over (str, optional): The line saying whose dead lock this
            process took over.
    """

    def __init__(self, held: bool, holder: Optional[dict] = None,
                 taken_over: Optional[str] = None):
        self.held = held
        self.holder = holder
        self.taken_over = taken_over

    def __bool__(self) -> bool:
        return self.held


def _inode(path: str) -> Optional[int]:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def _settled_holder(path: str, inode: int) -> Tuple[bool, Optional[dict]]:
    """The holder a locked file names, looked at until it names a live one
    (a process that has just taken the lock writes its record right after)
    or :data:`SETTLE_SECONDS` have passed.

    Returns:
        tuple[bool, dict | None]: Whether ``path`` is still the file whose
        lock was refused (its holder may have finished and removed it
        meanwhile: then the lock is free to try again), and the holder.
    """
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        holder = read_holder(path)
        same = _inode(path) == inode
        settled = holder is not None and not holder_is_dead(holder)
        if not same or settled or time.monotonic() > deadline:
            return same, holder
        time.sleep(SETTLE_POLL_SECONDS)


def _taken_over(path: str, holder: dict) -> str:
    return (f'took over the lock {path} of {describe_holder(holder)}, which '
            'is no longer running')


@contextlib.contextmanager
def slide_lock(path: str) -> Iterator[SlideLock]:
    """Try to take a slide's lock without waiting.

    Args:
        path (str): The lock file (:func:`lock_path`); its folder exists.

    Yields:
        SlideLock: Held until the block ends (the file then names this
        process, :func:`holder_record`), also when the lock of a dead
        holder was taken over (``taken_over`` says so); else not held, with
        the live holder (None if the file names none).
    """
    taken_over = None
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            stale = os.fstat(fd).st_ino
            os.close(fd)
            same, holder = _settled_holder(path, stale)
            if not same:  # its holder finished while we looked
                continue
            if holder is None or not holder_is_dead(holder):
                yield SlideLock(False, holder)
                return
            # A dead holder's file still locked (by a child it forked): a
            # new file under the name is a new lock. Removed only if it is
            # still that file (another run may have replaced it already).
            taken_over = _taken_over(path, holder)
            with contextlib.suppress(FileNotFoundError):
                if os.stat(path).st_ino == stale:
                    os.remove(path)
            continue
        # The holder before us may have removed the file after we opened
        # it: our lock is then on a name no other process can open.
        if _inode(path) == os.fstat(fd).st_ino:
            break
        os.close(fd)
    # What the file still says is of a holder that ended without removing
    # it (killed): say so.
    holder = read_holder(path)
    if taken_over is None and holder is not None and holder_is_dead(holder):
        taken_over = _taken_over(path, holder)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(holder_record()).encode())
        yield SlideLock(True, taken_over=taken_over)
    finally:
        # Removed while still held, so no process locks the file after it
        # is unlinked without seeing the swap above.
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        os.close(fd)
