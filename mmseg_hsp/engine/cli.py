"""What ``tools/train.py`` and ``tools/test.py`` share: flags and config set-up.

Both follow mmseg's own tools flag for flag; the plugin is imported before the
config is read, so a user needs no ``PYTHONPATH`` or import step.
"""
import argparse
import os
import os.path as osp
from contextlib import contextmanager

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmseg.registry import RUNNERS

from .launch import setup_cpu_distributed


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Add mmseg's ``--work-dir``, ``--cfg-options`` and launcher flags.

    Args:
        parser (argparse.ArgumentParser): The tool's parser, extended in
            place.
    """
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument('--launcher',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none',
                        help='job launcher')
    # torch.distributed.launch passes --local-rank, torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """Read the config and apply the common flags, as mmseg's tools do.

    Args:
        args (argparse.Namespace): Parsed flags of :func:`add_common_args`
            plus ``config``.

    Returns:
        Config: The config with launcher, overrides and work_dir set, made
        ready for CPU-only distributed runs where there is no CUDA.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    # work_dir priority: CLI > config file > config file name.
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    setup_cpu_distributed(cfg, args.launcher)
    return cfg


def build_runner(cfg: Config) -> Runner:
    """Build mmengine's default runner, or ``cfg.runner_type`` if set.

    Args:
        cfg (Config): The prepared config.

    Returns:
        Runner: The runner, with the model already built.
    """
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)


# What a wrong config raises while it is read and its runner (and model) is
# built: a missing file, an unknown type name, an unexpected argument.
CONFIG_ERRORS = (FileNotFoundError, KeyError, TypeError, ValueError,
                 SyntaxError)
# What bad input data raises once the run has started (the datasets and
# transforms name the file): a missing folder or file, a broken mask.
DATA_ERRORS = (FileNotFoundError, ValueError)


@contextmanager
def exit_on_error(parser: argparse.ArgumentParser, errors=CONFIG_ERRORS):
    """Turn user errors into one ``<tool>: error: ...`` line and exit 2.

    mmengine's, mmseg's and the plugin's own messages name the problem (the
    missing file, the unregistered type, the unexpected keyword, the bad
    mask); the traceback through the tool adds nothing. An error raised in a
    dataloader worker carries the worker's traceback in its message: its
    last line is the original error. Set ``MMSEG_HSP_DEBUG=1`` to see the
    traceback anyway.

    Args:
        parser (argparse.ArgumentParser): The tool's parser, which prints
            the error.
        errors (tuple[type]): The exception types to shorten. Defaults to
            :data:`CONFIG_ERRORS`; use :data:`DATA_ERRORS` around
            ``runner.train()`` / ``runner.test()``.
    """
    try:
        yield
    except errors as e:
        if os.environ.get('MMSEG_HSP_DEBUG'):
            raise
        lines = [line for line in str(e).splitlines() if line.strip()]
        if 'Original Traceback' in str(e):
            message = lines[-1].strip()
        else:
            message = f"{type(e).__name__}: {' '.join(' '.join(lines).split())}"
        parser.error(message)
