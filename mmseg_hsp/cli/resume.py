"""``--resume`` from the newest complete checkpoint of a work_dir.

mmengine resumes from the file named in ``<work_dir>/last_checkpoint``. A run
killed while saving (or a full disk) leaves that file truncated, and resuming
then fails with a traceback from deep inside ``torch.load``. Checkpoints are
zip archives: a truncated one has no central directory, a corrupted one
fails its CRCs. :func:`resume_checkpoint` picks the newest checkpoint that
passes, and says so when it is not the one ``last_checkpoint`` names.
"""
import os
import os.path as osp
import re
import zipfile
from typing import Callable, Optional

# mmengine's checkpoint names: epoch_<n>.pth, iter_<n>.pth.
CHECKPOINT_NAME = re.compile(r'^(?:epoch|iter)_(\d+)\.pth$')


def checkpoint_is_complete(path: str) -> bool:
    """Whether a checkpoint file is whole (its zip archive checks out).

    Args:
        path (str): A ``.pth`` file.

    Returns:
        bool: False if missing, truncated or corrupt; True for a whole zip
        archive (torch's format) or a file in another format, which cannot
        be checked without loading it.
    """
    if not osp.isfile(path):
        return False
    with open(path, 'rb') as f:
        if f.read(2) != b'PK':
            return osp.getsize(path) > 0
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


def resume_checkpoint(work_dir: str,
                      warn: Callable[[str], None] = print) -> Optional[str]:
    """The checkpoint ``--resume`` should start from.

    Args:
        work_dir (str): The run's work_dir.
        warn (Callable[[str], None]): Told, in one line, when a checkpoint
            other than the one ``last_checkpoint`` names is chosen.

    Returns:
        str | None: The file ``last_checkpoint`` names when it is complete,
        else the newest complete ``epoch_<n>.pth``/``iter_<n>.pth``; None
        when there is no ``last_checkpoint`` (mmengine then starts afresh).

    Raises:
        FileNotFoundError: If ``last_checkpoint`` names a broken file and no
            complete checkpoint is left.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        named = f.read().strip()
    if checkpoint_is_complete(named):
        return named
    numbered = sorted(((int(match.group(1)), name)
                       for name in os.listdir(work_dir)
                       for match in [CHECKPOINT_NAME.match(name)] if match),
                      reverse=True)
    for _, name in numbered:
        path = osp.join(work_dir, name)
        if osp.abspath(path) != osp.abspath(named) and \
                checkpoint_is_complete(path):
            warn(f'{named} (named by {pointer}) is missing or truncated: '
                 f'resuming from {path}, the newest complete checkpoint')
            return path
    raise FileNotFoundError(
        f'{named} (named by {pointer}) is missing or truncated and '
        f'{work_dir} holds no complete checkpoint; train without --resume '
        'to start afresh')
