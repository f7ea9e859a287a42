"""Train a segmentor (mmseg's ``tools/train.py``, with the plugin loaded)."""
import argparse
import logging

from mmengine.logging import print_log

import mmseg_hsp  # noqa: F401 (registers the plugin, allows resume)
from mmseg_hsp.cli import (add_amp_argument, add_common_args, build_runner,
                           close_distributed, enable_amp, exit_on_error,
                           load_config, resume_checkpoint)


def parse_args(parser):
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir automatically '
        '(the newest complete one if the latest is truncated)')
    add_amp_argument(parser, default='fp32', from_config=False)
    add_common_args(parser)
    return parser.parse_args()


def warn(message):
    print_log(message, logger='current', level=logging.WARNING)


def main():
    parser = argparse.ArgumentParser(description='Train a segmentor')
    args = parse_args(parser)
    with exit_on_error(parser):
        cfg = load_config(args)
        # --amp alone is auto; absent or fp32, the config's own precision.
        if args.amp not in (None, 'fp32'):
            enable_amp(cfg, args.amp)
        cfg.resume = args.resume
        if args.resume and cfg.get('load_from') is None:
            cfg.load_from = resume_checkpoint(cfg.work_dir, warn=warn)
        runner = build_runner(cfg)
        # The loop builds the rest of the config (loops, dataloaders,
        # evaluator) and reads the data: errors there are the user's too.
        runner.train()
        close_distributed()


if __name__ == '__main__':
    main()
