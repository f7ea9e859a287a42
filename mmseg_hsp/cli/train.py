"""``tools/train.py``'s flags, mmseg's own: train a segmentor with
:func:`mmseg_hsp.apis.train_model`."""
import argparse

from ..apis.train import train_model
from .amp import add_amp_argument
from .args import add_common_args, set_local_rank
from .errors import exit_on_error


def build_parser() -> argparse.ArgumentParser:
    """mmseg's training flags, and ``--amp``."""
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir automatically '
        '(the newest complete one if the latest is truncated)')
    add_amp_argument(parser, default='fp32', from_config=False)
    add_common_args(parser)
    return parser


def main(argv=None) -> None:
    """Train; a user's mistake is one ``train.py: error:`` line, exit 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    set_local_rank(args)
    with exit_on_error(parser):
        train_model(args.config,
                    args.work_dir,
                    resume=args.resume,
                    amp=args.amp,
                    cfg_options=args.cfg_options,
                    launcher=args.launcher)


if __name__ == '__main__':
    main()
