"""``tools/benchmarks/stain.py``'s flags: stain robustness of the demo
HSP-Net, augmentation and normalisation
(:mod:`mmseg_hsp.benchmarks.stain`)."""
import argparse
import os.path as osp

from ..benchmarks.stain import benchmark_stain


def build_parser() -> argparse.ArgumentParser:
    """The benchmark's flags."""
    parser = argparse.ArgumentParser(
        description='Train the demo HSP-Net with and without stain '
        'augmentation; test it under held-out stains, with and without '
        'stain normalisation')
    parser.add_argument('--work-dir', default='work_dirs/benchmark_stain')
    parser.add_argument(
        '--data-root',
        help='synthetic set with its held-out stains; written there if '
        'absent (default: <work-dir>/data/Task2)')
    parser.add_argument(
        '--max-iters',
        type=int,
        help="training iterations (default: the demo config's, 1000)")
    parser.add_argument('--num-train', type=int, default=96)
    parser.add_argument('--num-test', type=int, default=16)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--patch-size', type=int, default=128)
    parser.add_argument('--stride', type=int, default=64)
    parser.add_argument(
        '--reference-regions',
        type=int,
        default=16,
        help='training regions the reference stain is estimated on')
    parser.add_argument(
        '--show', type=int, default=0, help='test region drawn in the picture')
    return parser


def parse_args(argv=None) -> argparse.Namespace:
    """The flags, checked; ``data_root`` and ``log`` filled in."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.max_iters is not None and args.max_iters < 1:
        parser.error('--max-iters must be >= 1')
    if not 0 <= args.show < args.num_test:
        parser.error(f'--show must be a test region index below '
                     f'--num-test {args.num_test}')
    args.data_root = args.data_root or osp.join(args.work_dir, 'data',
                                                'Task2')
    args.log = osp.join(args.work_dir, 'benchmark.log')
    return args


def main(argv=None) -> None:
    """Run the benchmark; a one-line error for what it cannot do."""
    args = parse_args(argv)
    try:
        benchmark_stain(args)
    except (OSError, RuntimeError) as error:
        raise SystemExit(f'error: {error}')


if __name__ == '__main__':
    main()
