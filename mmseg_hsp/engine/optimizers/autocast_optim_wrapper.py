"""Mixed-precision training without loss scaling, on CPU too."""
from contextlib import contextmanager
from typing import Union

import torch
from mmengine.optim import OptimWrapper
from mmengine.runner.amp import autocast
from torch import nn

from mmseg.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """mmengine's ``OptimWrapper`` with forward passes under autocast.

    mmengine's ``AmpOptimWrapper`` asserts a GPU (NPU, MLU, MUSA) and scales
    the loss with ``torch.cuda.amp.GradScaler``, which float16's narrow
    exponent range needs. bfloat16 has float32's exponent range: gradients
    neither underflow nor overflow more than in float32, so bfloat16
    training needs no scaler, and this wrapper is ``OptimWrapper`` plus
    mmengine's ``autocast`` (the context ``AmpOptimWrapper`` uses), which
    runs on CPU. Its state dict is ``OptimWrapper``'s: checkpoints resume
    with or without it. ``tools/train.py --amp`` picks it on a CPU with
    native bfloat16.

    Args:
        dtype (str | torch.dtype): Autocast dtype. Defaults to
            ``'bfloat16'``, the one CPU autocast takes; float16 needs loss
            scaling: use ``AmpOptimWrapper`` on a GPU for it.
        **kwargs: Arguments of ``OptimWrapper``.
    """

    def __init__(self, dtype: Union[str, torch.dtype] = 'bfloat16',
                 **kwargs):
        super().__init__(**kwargs)
        dtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype
        if dtype is not torch.bfloat16:
            raise ValueError(f'AutocastOptimWrapper runs bfloat16, got '
                             f'{dtype}: float16 needs loss scaling, use '
                             'AmpOptimWrapper on a GPU')
        self.cast_dtype = dtype

    @contextmanager
    def optim_context(self, model: nn.Module):
        """The parent's context (gradient accumulation) and autocast.

        Args:
            model (nn.Module): The trained model.
        """
        with super().optim_context(model), autocast(dtype=self.cast_dtype):
            yield
