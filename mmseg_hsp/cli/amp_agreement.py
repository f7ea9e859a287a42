"""``tools/analysis/amp_agreement.py``'s flags: labels and mIoU of
mixed-precision inference against float32
(:mod:`mmseg_hsp.experiments.amp_agreement`)."""
import argparse
import sys

from ..experiments.amp_agreement import amp_agreement
from ..fileio import write_json
from ..tiling.precision import choose_amp
from .amp import add_amp_argument
from .args import add_cfg_options


def build_parser() -> argparse.ArgumentParser:
    """The comparison's flags."""
    parser = argparse.ArgumentParser(
        description='Labels and mIoU of mixed-precision inference against '
        'float32, on a test set')
    parser.add_argument('config', help='test config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--min-agreement',
        type=float,
        default=0.995,
        help='least share of pixels with the same label (default: 0.995)')
    parser.add_argument(
        '--max-miou-change',
        type=float,
        default=0.005,
        help='largest mIoU difference (default: 0.005)')
    add_amp_argument(parser, default='auto', from_config=False)
    parser.add_argument('--out', help='also write the results as JSON')
    add_cfg_options(parser)
    return parser


def main(argv=None) -> int:
    """Compare; 0 if within the bars, 1 if not."""
    args = build_parser().parse_args(argv)
    result = amp_agreement(args.config, args.checkpoint,
                           choose_amp(args.amp, None, 'auto'),
                           args.cfg_options)
    share = result['label_agreement']
    print(f"labels equal on {100 * share:.3f}% of pixels; mIoU "
          f"{result['miou']['fp32']:.4f} (fp32) vs "
          f"{result['miou']['fast']:.4f} (fast path): change "
          f"{result['miou_change']:.4f}")
    if args.out:
        write_json(args.out, result)
    passed = share >= args.min_agreement and \
        result['miou_change'] <= args.max_miou_change
    if not passed:
        print(f'amp_agreement: below the bar (agreement >= '
              f'{args.min_agreement}, mIoU change <= '
              f'{args.max_miou_change})', file=sys.stderr)
    return 0 if passed else 1


if __name__ == '__main__':
    sys.exit(main())
