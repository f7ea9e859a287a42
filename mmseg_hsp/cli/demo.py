"""``tools/demo.py``'s flags: train and evaluate a small HSP-Net on the
synthetic MTCHI (:mod:`mmseg_hsp.experiments.demo`)."""
import argparse

from ..experiments.demo import DEMO_CONFIG, run_demo
from ..tiling.precision import choose_amp
from .amp import add_amp_argument


def build_parser() -> argparse.ArgumentParser:
    """The demo's flags."""
    parser = argparse.ArgumentParser(
        description='Train and evaluate a small HSP-Net on synthetic MTCHI')
    parser.add_argument('--config', default=DEMO_CONFIG)
    parser.add_argument(
        '--data-root',
        default='data/synthetic_mtchi/Task2',
        help='synthetic set, written here if absent')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--num-train', type=int, default=96)
    parser.add_argument('--num-test', type=int, default=16)
    parser.add_argument(
        '--size', type=int, default=256, help='side of a synthetic region')
    parser.add_argument('--patch-size', type=int, default=128)
    parser.add_argument('--stride', type=int, default=64)
    parser.add_argument(
        '--max-iters', type=int, help="override the config's iterations")
    add_amp_argument(parser, default='auto', from_config=False)
    parser.add_argument(
        '--show',
        type=int,
        default=4,
        help='test regions drawn in predictions.png')
    return parser


def main(argv=None) -> None:
    """Run the demo; a one-line error (exit 1) for what it cannot do."""
    args = build_parser().parse_args(argv)
    args.amp_requested = args.amp is not None
    args.amp = choose_amp(args.amp, None, 'auto')
    try:
        run_demo(args)
    except ValueError as error:
        raise SystemExit(f'demo.py: error: {error}')


if __name__ == '__main__':
    main()
