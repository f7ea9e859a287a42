"""The flags ``tools/train.py`` and ``tools/test.py`` share, and the config
they read.

Both follow mmseg's own tools flag for flag; the plugin is imported before the
config is read, so a user needs no ``PYTHONPATH`` or import step.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

from ..compat import config_file
from ..config_options import merge_cfg_options
from .batch import split_total_batch
from .launch import setup_cpu_distributed


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` with a usage error for a malformed item.

    ``DictAction`` splits each item at its first ``=`` and parses brackets
    with assertions, so an item without ``=`` (``--cfg-options nonsense``)
    or with an unclosed bracket ends in a traceback. Here it is argparse's
    one ``<tool>: error: argument --cfg-options: ...`` line and exit 2.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        for item in values or ():
            key, equals, _ = item.partition('=')
            if not (key and equals):
                raise argparse.ArgumentError(
                    self, f'{item!r} is not KEY=VALUE (e.g. '
                    'train_cfg.max_iters=2)')
        try:
            super().__call__(parser, namespace, values, option_string)
        except (AssertionError, ValueError) as e:
            # DictAction asserts balanced brackets, with no message.
            raise argparse.ArgumentError(
                self, f'cannot parse {" ".join(values)} (unbalanced '
                'brackets?): write lists as key="[a,b]"') from e


def add_cfg_options(parser: argparse.ArgumentParser) -> None:
    """Add mmseg's ``--cfg-options`` (``args.cfg_options``, a dict).

    Args:
        parser (argparse.ArgumentParser): The tool's parser, extended in
            place.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Add mmseg's ``--work-dir``, ``--cfg-options`` and launcher flags.

    Args:
        parser (argparse.ArgumentParser): The tool's parser, extended in
            place.
    """
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    add_cfg_options(parser)
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
        Config: The config with launcher, overrides and work_dir set, the
        per-process batch split from ``total_batch_size``, made ready for
        CPU-only distributed runs where there is no CUDA.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    merge_cfg_options(cfg, args.cfg_options)
    if 'train_dataloader.batch_size' not in (args.cfg_options or {}):
        # An explicit per-process batch wins, as in mmseg.
        split_total_batch(cfg, args.launcher)
    # work_dir priority: CLI > config file > config file name.
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join(
            './work_dirs',
            osp.splitext(osp.basename(config_file(args.config)))[0])
    setup_cpu_distributed(cfg, args.launcher)
    return cfg
