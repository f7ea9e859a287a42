"""Let torch >= 2.6 resume from mmengine 0.10.7's own checkpoints.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``, which
unpickles only tensors, containers and allow-listed globals. mmengine 0.10.7
calls ``torch.load`` without ``weights_only`` and stores its ``MessageHub``
(``HistoryBuffer`` objects holding numpy arrays and references to the
buffer's statistics methods) in every checkpoint, so ``--resume`` fails on a
checkpoint the same run just wrote.

Rather than switching the safety off (``weights_only=False``), we add exactly
the globals those checkpoints contain to torch's allow-list. Plain
state-dict checkpoints (``load_from``, ImageNet weights) need none of them
and load as before.
"""
import numpy as np
import torch
from mmengine.logging import HistoryBuffer


def mmengine_checkpoint_globals() -> list:
    """The non-tensor globals found in mmengine 0.10.7 checkpoints.

    Returns:
        list: ``HistoryBuffer``, the statistics methods it keeps in
        ``_statistics_methods``, and the numpy types its histories (and
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
    statistics = [
        HistoryBuffer.min, HistoryBuffer.max, HistoryBuffer.current,
        HistoryBuffer.mean
    ]
    return [HistoryBuffer, *statistics, *numpy_types]


def allow_mmengine_checkpoints() -> None:
    """Allow-list the globals of :func:`mmengine_checkpoint_globals`.

    A no-op on torch versions without ``weights_only`` allow-lists.
    """
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is not None:
        add_safe_globals(mmengine_checkpoint_globals())
