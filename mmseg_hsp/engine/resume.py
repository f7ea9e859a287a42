"""``--resume`` from the newest complete checkpoint of a work_dir.

mmengine resumes from the file named in ``<work_dir>/last_checkpoint``. A run
killed while saving (or a full disk) leaves that file truncated, a power cut
leaves it zero-filled, and resuming then fails with a traceback from deep
inside ``torch.load``. Checkpoints are zip archives: a truncated one has no
central directory, a corrupted one fails its CRCs, a zero-filled one does not
start as one. :func:`resume_checkpoint` picks the newest checkpoint that
passes, and says so when it is not the one ``last_checkpoint`` names.
"""
import os
import os.path as osp
import re
from typing import Callable, Optional

from ..checkpoint_file import checkpoint_problem

# mmengine's checkpoint names: epoch_<n>.pth, iter_<n>.pth.
CHECKPOINT_NAME = re.compile(r'^(?:epoch|iter)_(\d+)\.pth$')


def broken_checkpoint(path: str) -> Optional[str]:
    """What is wrong with a checkpoint file, if anything.

    Args:
        path (str): A ``.pth`` file.

    Returns:
        str | None: ``'missing'``, or what :func:`checkpoint_problem` (CRCs
        checked) finds: empty, zero-filled (a power cut while saving),
        text, truncated or corrupt. None for a whole zip archive (torch's
        format) or a pickle (its legacy one), which cannot be checked
        further without loading it.
    """
    if not osp.isfile(path):
        return 'missing'
    return checkpoint_problem(path, verify=True)


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
    problem = broken_checkpoint(named)
    if problem is None:
        return named
    numbered = sorted(((int(match.group(1)), name)
                       for name in os.listdir(work_dir)
                       for match in [CHECKPOINT_NAME.match(name)] if match),
                      reverse=True)
    for _, name in numbered:
        path = osp.join(work_dir, name)
        if osp.abspath(path) != osp.abspath(named) and \
                broken_checkpoint(path) is None:
            warn(f'{named} (named by {pointer}) is {problem}: resuming from '
                 f'{path}, the newest complete checkpoint')
            return path
    raise FileNotFoundError(
        f'{named} (named by {pointer}) is {problem} and {work_dir} holds no '
        'complete checkpoint; train without --resume to start afresh')
