"""Let torch >= 2.6 resume from mmengine 0.10.7's own checkpoints.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``, which
unpickles only tensors, containers and allow-listed globals. mmengine 0.10.7
calls ``torch.load`` without ``weights_only`` and stores its ``MessageHub``
(``HistoryBuffer`` objects holding numpy arrays and references to the
buffer's statistics methods) in every checkpoint, so ``--resume`` fails on a
checkpoint the same run just wrote.

Rather than switching the safety off (``weights_only=False``), we add exactly
the globals those checkpoints contain to torch's allow-list. The statistics
methods pickle as ``getattr(HistoryBuffer, 'mean')``: instead of allowing
``builtins.getattr`` itself, that name is mapped to
:func:`history_buffer_getattr`, which resolves those four attributes of
``HistoryBuffer`` and nothing else. Plain state-dict checkpoints
(``load_from``, ImageNet weights) need none of this and load as before.
"""
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def history_buffer_getattr(obj, name: str):
    """``getattr`` restricted to ``HistoryBuffer``'s statistics methods.

    Args:
        obj: The object whose attribute the checkpoint asks for.
        name (str): The attribute's name.

    Returns:
        The method, e.g. ``HistoryBuffer.mean``.

    Raises:
        pickle.UnpicklingError: For any other object or attribute.
    """
    if obj is not HistoryBuffer or name not in HISTORY_BUFFER_STATISTICS:
        raise pickle.UnpicklingError(
            f'checkpoint asks for getattr({obj!r}, {name!r}), which only '
            'trusted code may do: load it with weights_only=False if you '
            'trust its source')
    return getattr(HistoryBuffer, name)


def mmengine_checkpoint_globals() -> list:
    """The non-tensor globals found in mmengine 0.10.7 checkpoints.

    Returns:
        list: ``HistoryBuffer``, the restricted ``getattr`` its statistics
        methods are pickled with, and the numpy types its histories (and
        numpy scalars in ``runtime_info``) pickle to.
    """
    numpy_types = [
        np.ndarray,
        np.dtype,
        np.core.multiarray._reconstruct,
        np.core.multiarray.scalar,
    ]
    # numpy >= 1.25 pickles dtypes by their class (np.dtypes.Float64DType...).
    numpy_types += [type(np.dtype(t)) for t in np.sctypeDict.values()]
    return [
        HistoryBuffer, (history_buffer_getattr, 'builtins.getattr'),
        *numpy_types
    ]


def allow_mmengine_checkpoints() -> None:
    """Allow-list the globals of :func:`mmengine_checkpoint_globals`.

    A no-op on torch versions without ``weights_only`` allow-lists.
    """
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is not None:
        add_safe_globals(mmengine_checkpoint_globals())
