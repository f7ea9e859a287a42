"""``--amp``: one flag, one vocabulary (:data:`AMP_CHOICES`) for every tool
(training applies it with :func:`~mmseg_hsp.engine.amp.enable_amp`)."""
import argparse

from ..engine.amp import enable_amp
from ..tiling.precision import AMP_CHOICES

AMP_HELP = ('precision: auto (float16 on CUDA; bfloat16 on a CPU with native '
            'bfloat16, else float32 with a note), bf16, fp16 (CUDA) or fp32; '
            '--amp alone is auto')


def add_amp_argument(parser: argparse.ArgumentParser,
                     default: str,
                     from_config: bool = True) -> None:
    """Add ``--amp [{auto,bf16,fp16,fp32}]``, the same in every tool.

    Not given, it parses to None, so that
    :func:`~mmseg_hsp.tiling.precision.choose_amp` can put the config's
    ``test_cfg.amp`` before the tool's default.

    Args:
        parser (ArgumentParser): The tool's parser.
        default (str): What the tool runs when neither the flag nor the
            config says; shown in ``--help``.
        from_config (bool): Whether the tool reads the config's
            ``test_cfg.amp`` (inference); training tools and benchmarks do
            not, and their ``--help`` says so. Defaults to True.
    """
    source = "the config's test_cfg.amp, else " if from_config else ''
    parser.add_argument(
        '--amp',
        nargs='?',
        const='auto',
        default=None,
        choices=AMP_CHOICES,
        help=f'{AMP_HELP} (default: {source}{default})')


__all__ = ['AMP_CHOICES', 'add_amp_argument', 'enable_amp']
