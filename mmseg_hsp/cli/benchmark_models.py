"""``tools/benchmarks/models.py``'s flags: parameters, FLOPs and speed of
HSP-Net beside mmseg's baselines (:mod:`mmseg_hsp.benchmarks.models`)."""
import argparse

import torch

from ..benchmarks.models import MODEL_CONFIGS, benchmark_models
from ..fileio import write_text
from ..tiling.precision import Precision, choose_amp
from .amp import add_amp_argument


def build_parser() -> argparse.ArgumentParser:
    """The benchmark's flags."""
    parser = argparse.ArgumentParser(
        description="Parameters, FLOPs and speed of HSP-Net beside mmseg's "
        'baselines, one run')
    parser.add_argument(
        '--models',
        nargs='+',
        default=list(MODEL_CONFIGS),
        choices=list(MODEL_CONFIGS),
        metavar='NAME',
        help=f'models to measure, of: {", ".join(MODEL_CONFIGS)}')
    parser.add_argument(
        '--baseline',
        default='DeepLab v3+ R101-D8',
        choices=list(MODEL_CONFIGS),
        help='model whose times the ratio columns divide by')
    parser.add_argument(
        '--batch-sizes',
        nargs='+',
        type=int,
        default=[2],
        help='batch sizes to time (>= 2: BN after global pooling needs it)')
    parser.add_argument('--iters', type=int, default=3, help='timed runs')
    parser.add_argument('--warmup', type=int, default=1, help='untimed runs')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1')
    add_amp_argument(parser, default='fp32', from_config=False)
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='channels_last memory format for models and inputs')
    parser.add_argument(
        '--out', help='also write the Markdown table to this file')
    return parser


def parse_args(argv=None) -> argparse.Namespace:
    """The flags, checked; ``amp`` chosen (default fp32)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.baseline not in args.models:
        parser.error(f'--baseline {args.baseline!r} must be one of --models')
    if min(args.batch_sizes) < 2:
        parser.error('--batch-sizes must be >= 2: the BN after global '
                     'pooling cannot train on one image')
    if args.iters < 1 or args.warmup < 0:
        parser.error('--iters must be >= 1 and --warmup >= 0')
    args.amp = choose_amp(args.amp, None, 'fp32')
    return args


def main(argv=None) -> None:
    """Measure and print (and write) the table."""
    args = parse_args(argv)
    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise SystemExit(f'--device {args.device}: CUDA is not available '
                         'here; use --device cpu.')
    try:
        precision = Precision.resolve(device, args.amp, args.channels_last)
    except ValueError as error:  # float16 on a CPU
        raise SystemExit(f'benchmark_models: error: {error}')
    text = benchmark_models(args.models, args.baseline, args.batch_sizes,
                            device, precision, args.iters, args.warmup)
    print('\n' + text)
    if args.out:
        write_text(args.out, text)


if __name__ == '__main__':
    main()
