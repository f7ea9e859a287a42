"""Mixed precision of a run: the argument checked on the machine at hand,
and a config's optimizer wrapper switched to it for training."""
import logging

import torch
from mmengine.config import Config
from mmengine.logging import print_log

from ..arguments import ArgumentError
from ..tiling.precision import AMP_CHOICES, Precision


def resolve_amp(amp: str, requested: bool = True) -> Precision:
    """The precision ``amp`` runs with on the device mmengine's runner uses
    (CUDA when there is one, else the CPU).

    Args:
        amp (str): ``'auto'``, ``'bf16'``, ``'fp16'`` or ``'fp32'``.
        requested (bool): Whether the user asked for ``amp`` (see
            :meth:`Precision.resolve`). Defaults to True.

    Returns:
        Precision: What runs.

    Raises:
        ArgumentError: ``amp`` is unknown, or cannot run here (float16 on a
            CPU).
    """
    if amp not in AMP_CHOICES:
        raise ArgumentError('amp', amp,
                            f'unknown; use one of {", ".join(AMP_CHOICES)}')
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    try:
        return Precision.resolve(device, amp, requested=requested)
    except ValueError as error:
        raise ArgumentError('amp', amp, str(error)) from error


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
        ArgumentError: The config's wrapper is neither ``OptimWrapper`` nor
            ``AmpOptimWrapper``, ``amp`` is unknown, or ``'fp16'`` is asked
            of a CPU.
    """
    if cfg.optim_wrapper.type == 'AmpOptimWrapper':
        print_log('AMP training is already enabled in your config.',
                  logger='current',
                  level=logging.WARNING)
        return 'fp16'
    if cfg.optim_wrapper.type != 'OptimWrapper':
        raise ArgumentError(
            'amp', amp, 'mixed precision is only supported when the '
            'optimizer wrapper type is OptimWrapper, got '
            f'{cfg.optim_wrapper.type}')
    # Checks amp, refuses float16 on CPU, says why 'auto' stays float32 on
    # a CPU without native bfloat16.
    precision = resolve_amp(amp, requested)
    if precision.dtype is None:
        return 'fp32'
    if precision.device_type == 'cuda':
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
