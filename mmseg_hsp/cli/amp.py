"""``--amp``: one flag, one vocabulary (:data:`AMP_CHOICES`) for every tool,
and mixed-precision training on the machine at hand."""
import argparse
import logging

import torch
from mmengine.config import Config
from mmengine.logging import print_log

from ..tiling.precision import AMP_CHOICES, Precision

AMP_HELP = ('precision: auto (float16 on CUDA; bfloat16 on a CPU with native '
            'bfloat16, else float32 with a note), bf16, fp16 (CUDA) or fp32; '
            '--amp alone is auto')


def add_amp_argument(parser: argparse.ArgumentParser, default: str) -> None:
    """Add ``--amp [{auto,bf16,fp16,fp32}]``, the same in every tool.

    Not given, it parses to None, so that
    :func:`~mmseg_hsp.tiling.precision.choose_amp` can put the config's
    ``test_cfg.amp`` before the tool's default.

    Args:
        parser (ArgumentParser): The tool's parser.
        default (str): What the tool runs when neither the flag nor the
            config says; shown in ``--help``.
    """
    parser.add_argument(
        '--amp',
        nargs='?',
        const='auto',
        default=None,
        choices=AMP_CHOICES,
        help=f"{AMP_HELP} (default: the config's test_cfg.amp, else "
        f'{default})')


def enable_amp(cfg: Config) -> str:
    """Switch a config's optimizer wrapper to mixed-precision training.

    CUDA: mmengine's ``AmpOptimWrapper``, float16 with dynamic loss
    scaling. CPU: :class:`~mmseg_hsp.engine.AutocastOptimWrapper`, bfloat16
    autocast (no scaling needed), where the CPU has native bfloat16; on
    other CPUs the config is left float32 and one line says why.

    Args:
        cfg (Config): The config, modified in place.

    Returns:
        str: ``'fp16'``, ``'bf16'`` or ``'fp32'``: what training will run.

    Raises:
        ValueError: The config's wrapper is neither ``OptimWrapper`` nor
            ``AmpOptimWrapper``.
    """
    if cfg.optim_wrapper.type == 'AmpOptimWrapper':
        print_log('AMP training is already enabled in your config.',
                  logger='current',
                  level=logging.WARNING)
        return 'fp16'
    if cfg.optim_wrapper.type != 'OptimWrapper':
        raise ValueError('--amp is only supported when the optimizer wrapper '
                         f'type is OptimWrapper, got {cfg.optim_wrapper.type}')
    if torch.cuda.is_available():
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
        return 'fp16'
    # mmengine's AmpOptimWrapper needs a GPU. On CPU, autocast is bfloat16,
    # which needs no loss scaling, where the CPU runs it natively.
    if Precision.resolve('cpu', True).dtype is None:  # says why, in a line
        return 'fp32'
    cfg.optim_wrapper.type = 'AutocastOptimWrapper'
    cfg.optim_wrapper.dtype = 'bfloat16'
    return 'bf16'
