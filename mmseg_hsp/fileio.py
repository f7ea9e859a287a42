"""Writing outputs so that an interrupted run never leaves a file or folder
that looks finished.

Every file and folder the package and its tools write goes through
:func:`atomic_output`: it is written under a hidden temporary name in its
own folder (so the rename stays on one file system) and renamed into place
only when complete. :func:`write_png` is the one image writer.
"""
import contextlib
import json
import os
import os.path as osp
import shutil
import socket
import tempfile
from typing import Iterator

import cv2
import numpy as np


def owner_tag() -> str:
    """This process's tag for its temporaries: ``<host>-<pid>``.

    A process killed with SIGKILL cannot remove its temporaries; the tag
    lets a later run tell those of dead processes (removed) from those of
    running ones or of other hosts on a shared file system (kept): see
    :mod:`mmseg_hsp.wsi.recovery`.

    Returns:
        str: The tag.
    """
    return f'{socket.gethostname()}-{os.getpid()}'


def check_writable(folder: str, flag: str = '--out-dir') -> None:
    """Create ``folder`` if needed and make sure a file can be written in it.

    Checked by writing (an unnamed temporary file, gone when closed), not by
    permission bits: a read-only mount, a full quota or an ACL refuse
    writes that the bits allow, and the bits do not bind root.

    Args:
        folder (str): The output folder.
        flag (str): The flag that named it, for the message. Defaults to
            ``'--out-dir'``.

    Raises:
        PermissionError: If it cannot be created or written to: one line
            naming the folder, the system's reason and the fix.
    """
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        reason = error.strerror or error
        raise PermissionError(
            f'{flag} {folder}: cannot write there ({reason}); choose a '
            'folder you can write to') from None


@contextlib.contextmanager
def atomic_output(path: str, fsync: bool = True) -> Iterator[str]:
    """Write a file (or build a folder) under a temporary name, renamed to
    ``path`` on success.

    Args:
        path (str): The final file or folder; an existing one is replaced.
        fsync (bool): Flush a file's bytes to disk before the rename, so
            that a crash cannot leave a finished name over missing bytes.
            Files written into a folder that is itself renamed into place
            skip it (one flush per patch would cost minutes for thousands
            of patches; the folder's rename is their commit). Defaults to
            True.

    Yields:
        str: The temporary path to write or create (same folder and
        extension, hidden name tagged with :func:`owner_tag`); it is removed
        if the block raises.
    """
    path = osp.normpath(path)
    folder, name = osp.split(path)
    stem, ext = osp.splitext(name)
    partial = osp.join(folder, f'.{stem}.partial-{owner_tag()}{ext}')
    try:
        yield partial
        if fsync and osp.isfile(partial):
            with open(partial, 'rb') as f:
                os.fsync(f.fileno())
        if osp.isdir(partial) and osp.isdir(path):
            shutil.rmtree(path)
        os.replace(partial, path)
    finally:
        if osp.isdir(partial):
            shutil.rmtree(partial)
        elif osp.exists(partial):
            os.remove(partial)


@contextlib.contextmanager
def atomic_folder(path: str, overwrite: bool) -> Iterator[str]:
    """Build a folder under a temporary name; it replaces ``path`` on exit.

    Args:
        path (str): Final folder.
        overwrite (bool): Replace an existing ``path``; otherwise an existing
            one is an error, raised before any work.

    Yields:
        str: The (created, empty) temporary folder to fill.
    """
    if osp.exists(path) and not overwrite:
        raise FileExistsError(f'{path}: exists; pass --overwrite to '
                              'replace it')
    with atomic_output(path) as partial:
        os.makedirs(partial)
        yield partial


def write_png(path: str, image: np.ndarray, fsync: bool = True) -> None:
    """Write an image as PNG atomically.

    Args:
        path (str): The ``.png`` file.
        image (np.ndarray): ``(H, W, 3)`` uint8 **RGB** (the slide readers'
            and the synthetic set's order), or ``(H, W)`` uint8 (label
            maps, written as they are).
        fsync (bool): See :func:`atomic_output`. Defaults to True.
    """
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, png = cv2.imencode('.png', image)
    if not ok:
        raise ValueError(f'{path}: cannot encode an image of shape '
                         f'{image.shape} as PNG')
    with atomic_output(path, fsync) as partial, open(partial, 'wb') as f:
        f.write(png.tobytes())


def write_text(path: str, text: str) -> None:
    """Write text atomically, line endings as given.

    Args:
        path (str): The file.
        text (str): What to write.
    """
    with atomic_output(path) as partial, open(partial, 'w', newline='') as f:
        f.write(text)


def write_json(path: str, data: dict) -> None:
    """Write JSON (one-space indent) atomically.

    Args:
        path (str): The file.
        data (dict): What to write.
    """
    write_text(path, json.dumps(data, indent=1))
