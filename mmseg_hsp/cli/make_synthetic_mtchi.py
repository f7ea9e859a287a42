"""``tools/dataset_converters/make_synthetic_mtchi.py``'s flags: write a
synthetic MTCHI Task 2 set (:mod:`mmseg_hsp.datasets.synthetic`)."""
import argparse
import sys

from ..datasets import write_synthetic_mtchi
from ..datasets.synthetic import HELD_OUT_STAINS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write a synthetic MTCHI set in the Task 2 layout')
    parser.add_argument('root', help='Task2 folder to create')
    parser.add_argument('--num-train', type=int, default=96)
    parser.add_argument('--num-test', type=int, default=16)
    parser.add_argument(
        '--size',
        type=int,
        nargs='+',
        default=[256],
        help='region side, or H W (default 256)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--thickness',
        type=float,
        nargs=2,
        default=[50, 80],
        help='epithelial thickness range in pixels')
    parser.add_argument(
        '--segment-length',
        type=float,
        nargs=2,
        default=[70, 160],
        help='length range of a constant-grade stretch of epithelium')
    parser.add_argument(
        '--test-stains',
        nargs='+',
        default=[],
        choices=['all', *HELD_OUT_STAINS],
        help='also write the Test regions under these held-out stains, '
        'in Test-<stain>/')
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args(argv)
    if len(args.size) not in (1, 2):
        parser.error('--size takes one side or H W')
    if 'all' in args.test_stains:
        args.test_stains = list(HELD_OUT_STAINS)
    return args


def main(argv=None):
    args = parse_args(argv)
    size = tuple(args.size * (3 - len(args.size)))
    try:
        write_synthetic_mtchi(args.root, args.num_train, args.num_test, size,
                              args.seed, args.thickness, args.segment_length,
                              args.overwrite, {
                                  name: HELD_OUT_STAINS[name]
                                  for name in args.test_stains
                              })
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')
    stains = ''.join(f', Test-{name}' for name in args.test_stains)
    print(f'{args.num_train} training and {args.num_test} test regions of '
          f'{size[0]}x{size[1]} written to {args.root}{stains}')


if __name__ == '__main__':
    main()
