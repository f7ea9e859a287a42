"""``tools/test.py``'s flags, mmseg's own and ``--amp``: test (and
evaluate) a segmentor with :func:`mmseg_hsp.apis.test_model`."""
import argparse

from ..apis.test import test_model
from .amp import add_amp_argument
from .args import add_common_args, set_local_rank
from .errors import exit_on_error


def build_parser() -> argparse.ArgumentParser:
    """mmseg's test flags, and ``--amp``."""
    parser = argparse.ArgumentParser(
        description='MMSeg test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        type=str,
        help='The directory to save output prediction for offline evaluation')
    parser.add_argument('--show',
                        action='store_true',
                        help='show prediction results')
    parser.add_argument('--show-dir',
                        help='directory where painted images will be saved. '
                        'If specified, it will be automatically saved '
                        'to the work_dir/timestamp/show_dir')
    parser.add_argument('--wait-time',
                        type=float,
                        default=2,
                        help='the interval of show (s)')
    parser.add_argument('--tta',
                        action='store_true',
                        help='Test time augmentation')
    add_amp_argument(parser, default='fp32')
    add_common_args(parser)
    return parser


def main(argv=None) -> None:
    """Test; a user's mistake is one ``test.py: error:`` line, exit 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    set_local_rank(args)
    with exit_on_error(parser):
        test_model(args.config,
                   args.checkpoint,
                   work_dir=args.work_dir,
                   cfg_options=args.cfg_options,
                   amp=args.amp,
                   tta=args.tta,
                   show_dir=args.show_dir,
                   out=args.out,
                   launcher=args.launcher,
                   show=args.show,
                   wait_time=args.wait_time)


if __name__ == '__main__':
    main()
