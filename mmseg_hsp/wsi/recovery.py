"""Temporaries a killed run leaves in an output folder, and removing them.

Every temporary a slide run writes in its output folder is named after its
owner, ``<host>-<pid>`` (:func:`mmseg_hsp.fileio.owner_tag`): the
label-pyramid folders ``.labels-<owner>~*`` and the files being written,
``.<name>.partial-<owner><ext>``. A process
killed with SIGKILL (or by the out-of-memory killer, or a power cut) cannot
remove them; a later run removes those whose owner is a process of this
host that no longer runs. Temporaries of live processes (other ranks of a
torchrun job, another run into the same folder) and of other hosts (a
shared file system) are left alone.
"""
import os
import os.path as osp
import re
import shutil
import socket
from typing import List

# A temporary's owner: host and process id.
OWNER = re.compile(r'(?P<host>.+)-(?P<pid>\d+)')
TEMPORARY_NAMES = (
    re.compile(r'^\.labels-(?P<owner>.+)~[^~]*$'),
    re.compile(r'^\..+\.partial-(?P<owner>.+?-\d+)(\.[A-Za-z0-9]+)?$'),
)


def process_is_running(pid: int) -> bool:
    """Whether a process of this host with this id exists.

    Args:
        pid (int): Process id.

    Returns:
        bool: True if it runs (also when it belongs to another user).
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_owner(name: str) -> bool:
    """Whether ``name`` is a temporary of a dead process of this host.

    Args:
        name (str): A file or folder name.

    Returns:
        bool: True if it is one of the temporary names above, its host is
        this one and its process has ended.
    """
    for pattern in TEMPORARY_NAMES:
        match = pattern.match(name)
        if match is None:
            continue
        owner = OWNER.fullmatch(match.group('owner'))
        if owner is None or owner.group('host') != socket.gethostname():
            return False
        return not process_is_running(int(owner.group('pid')))
    return False


def remove_stale_temporaries(folder: str) -> List[str]:
    """Remove what killed runs of this host left in ``folder``.

    Args:
        folder (str): An output folder (need not exist).

    Returns:
        list[str]: The names removed.
    """
    if not osp.isdir(folder):
        return []
    removed = []
    for name in sorted(os.listdir(folder)):
        if not stale_owner(name):
            continue
        path = osp.join(folder, name)
        if osp.isdir(path) and not osp.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.remove(path)
            except FileNotFoundError:  # another run removed it first
                pass
        removed.append(name)
    return removed
