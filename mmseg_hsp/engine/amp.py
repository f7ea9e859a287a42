"""Mixed-precision training: a config's optimizer wrapper switched to the
precision ``--amp`` chose, on the machine at hand."""
import logging

import torch
from mmengine.config import Config
from mmengine.logging import print_log

from ..tiling.precision import Precision


def enable_amp(cfg: Config,
               amp: str = 'auto',
               requested: bool = True) -> str:
    """Switch a config's optimizer wrapper to mixed-precision training.

    CUDA: mmengine's ``AmpOptimWrapper``, float16 with dynamic loss
    scaling (``'auto'``, ``'fp16'``) or bfloat16 (``'bf16'``). CPU:
    :class:`~mmseg_hsp.engine.AutocastOptimWrapper`, bfloat16 autocast (no
    scaling needed): ``'auto'`` only where the CPU has native bfloat16 (on
    other CPUs the config is left float32 and one line says why),
    ``'bf16'`` anywhere.

    Args:
        cfg (Config): The config, modified in place.
        amp (str): ``'auto'``, ``'bf16'``, ``'fp16'`` or ``'fp32'`` (the
            config is left as it is). Defaults to ``'auto'``.
        requested (bool): Whether the user asked for ``amp``: only then
            does a CPU without native bfloat16 get a line saying why
            ``'auto'`` trains float32. Defaults to True.

    Returns:
        str: ``'fp16'``, ``'bf16'`` or ``'fp32'``: what training will run.

    Raises:
        ValueError: The config's wrapper is neither ``OptimWrapper`` nor
            ``AmpOptimWrapper``, ``amp`` is unknown, or ``'fp16'`` is asked
            of a CPU.
    """
    if cfg.optim_wrapper.type == 'AmpOptimWrapper':
        print_log('AMP training is already enabled in your config.',
                  logger='current',
                  level=logging.WARNING)
        return 'fp16'
    if cfg.optim_wrapper.type != 'OptimWrapper':
        raise ValueError('--amp is only supported when the optimizer wrapper '
                         f'type is OptimWrapper, got {cfg.optim_wrapper.type}')
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    # Checks amp, refuses float16 on CPU, says why 'auto' stays float32 on
    # a CPU without native bfloat16.
    precision = Precision.resolve(device, amp, requested=requested)
    if precision.dtype is None:
        return 'fp32'
    if device == 'cuda':
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
        if precision.dtype == torch.bfloat16:
            cfg.optim_wrapper.dtype = 'bfloat16'
        return precision.name
    # mmengine's AmpOptimWrapper needs a GPU; bfloat16 autocast needs no
    # loss scaling.
    cfg.optim_wrapper.type = 'AutocastOptimWrapper'
    cfg.optim_wrapper.dtype = 'bfloat16'
    return 'bf16'
