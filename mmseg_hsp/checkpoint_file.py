"""Reading a checkpoint file, with one line for a file that is not one.

``torch.load`` on a file that is not a checkpoint raises whatever its
unpickler trips over first: ``pop from empty list``, ``EOFError``,
``invalid load key``, a page on weights-only loading. None names the file
or says what to do. :func:`checkpoint_problem` tells from the file's bytes
what it is instead (empty, zero-filled as a power cut leaves a file being
written, text, a truncated or corrupt archive: ``torch.load`` does not
check the CRCs of an archive's members, so damaged weight bytes would load
as weights), and
:func:`load_checkpoint_file` turns every failure to load into one
:class:`UnreadableCheckpoint` line.
"""
import os.path as osp
import re
import zipfile
from typing import Optional

import torch

# torch.save's format is a zip archive; its legacy format (and a plain
# pickle) starts with the pickle PROTO opcode.
ZIP_MAGIC = b'PK'
PICKLE_PROTO = b'\x80'
# Bytes read to tell what a file is.
HEAD_BYTES = 4096
# The module attribute a refused pickle asks for, in torch's message.
REFUSED_GLOBAL = re.compile(r'GLOBAL (\S+)')


class UnreadableCheckpoint(ValueError):
    """A checkpoint file that cannot be loaded (one-line message)."""


def _text_head(head: bytes) -> Optional[str]:
    """The start of ``head`` if it is printable text, else None."""
    try:
        text = head.decode('utf-8')
    except UnicodeDecodeError:
        return None
    if not all(c.isprintable() or c.isspace() for c in text):
        return None
    return ' '.join(text.split())[:40]


def _leading_zeros(f, counted: int) -> int:
    """How many zero bytes an open file starts with, given that its first
    ``counted`` are (read on from there, a megabyte at a time)."""
    while True:
        chunk = f.read(1 << 20)
        data = chunk.lstrip(b'\0')
        counted += len(chunk) - len(data)
        if data or not chunk:
            return counted


def checkpoint_problem(path: str, verify: bool = False) -> Optional[str]:
    """What makes a file unfit to be a checkpoint, told from its bytes.

    Args:
        path (str): An existing file.
        verify (bool): Also check the CRC of every member of a zip archive
            (reads the whole file). Defaults to False (its directory only).

    Returns:
        str | None: The problem, e.g. ``'an empty file (0 bytes)'``; None
        for a whole zip archive (torch's format) or a pickle (the legacy
        one), which only loading can check further.
    """
    if osp.getsize(path) == 0:
        return 'an empty file (0 bytes)'
    with open(path, 'rb') as f:
        head = f.read(HEAD_BYTES)
        if not head.strip(b'\0'):
            zeros = _leading_zeros(f, len(head))
            if zeros == osp.getsize(path):
                return ('all zero bytes (what a crash or power cut while '
                        'saving leaves)')
            return (f'damaged: its first {zeros} bytes are zeros, then '
                    'data; it starts with neither a zip (torch.save) nor a '
                    'pickle header (its start was overwritten)')
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                damaged = archive.testzip() if verify else None
            if damaged is not None:
                return (f'a corrupt zip archive (its member {damaged} fails '
                        'its CRC check: the file was damaged after saving)')
        except (zipfile.BadZipFile, OSError, EOFError):
            return 'a truncated or corrupt zip archive'
        return None
    if head.startswith(PICKLE_PROTO):
        return None
    text = _text_head(head)
    if text is not None:
        return f'a text file, starting "{text}"'
    return 'neither a zip archive (torch.save) nor a pickle'


def load_checkpoint_file(path: str) -> dict:
    """Load a local checkpoint onto the CPU, weights-only.

    Args:
        path (str): The ``.pth`` file.

    Returns:
        dict: What ``torch.save`` stored: mmengine's dict with
        ``state_dict`` and ``meta``, or a plain state dict.

    Raises:
        FileNotFoundError: If there is no such file.
        UnreadableCheckpoint: With one line naming the file and why it is
            not a checkpoint: its bytes (:func:`checkpoint_problem`), a
            pickle asking for code that weights-only loading refuses (a
            checkpoint never needs any), or another failure to load.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path}: no such file')
    fix = 'give the .pth file a training run saved'
    # Every member's CRC is checked before any weight is used: one more
    # read of the file, at CRC-32 speed (zlib's, about 1 GB/s).
    problem = checkpoint_problem(path, verify=True)
    if problem is not None:
        raise UnreadableCheckpoint(f'checkpoint {path} is {problem}; {fix}')
    try:
        loaded = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as error:  # whatever the unpickler trips over
        refused = REFUSED_GLOBAL.search(str(error))
        if refused is not None:
            raise UnreadableCheckpoint(
                f'checkpoint {path} asks to load {refused.group(1)}, which '
                'weights-only loading refuses (a checkpoint holds weights, '
                'not code): load only checkpoints from a source you trust'
            ) from None
        reason = ' '.join(str(error).split()[:20]) or 'no message'
        raise UnreadableCheckpoint(
            f'checkpoint {path} cannot be loaded ({type(error).__name__}: '
            f'{reason}); {fix}') from None
    if not isinstance(loaded, dict):
        raise UnreadableCheckpoint(
            f'checkpoint {path} holds a {type(loaded).__name__}, not a dict '
            f'of weights; {fix}')
    return loaded
