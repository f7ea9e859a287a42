"""``tools/benchmarks/wsi.py``'s flags: whole-slide inference of HSP-Net
against mmseg's slide_inference (:mod:`mmseg_hsp.benchmarks.wsi`)."""
import argparse
import json
import os
import os.path as osp
import tempfile

import cv2
import torch

from ..benchmarks.wsi import (DEFAULT_CONFIGS, benchmark_wsi, memory_child,
                              report)
from ..tiling.precision import choose_amp
from .amp import add_amp_argument


def build_parser() -> argparse.ArgumentParser:
    """The benchmark's flags."""
    parser = argparse.ArgumentParser(
        description='Benchmark whole-slide inference of HSP-Net against '
        "mmseg's slide_inference")
    parser.add_argument(
        '--config',
        help='model config (default: HSP-Net, the demo size on CPU, R101 on '
        'CUDA)')
    parser.add_argument('--checkpoint', help='weights (default: random)')
    parser.add_argument('--height', type=int, default=1600)
    parser.add_argument('--width', type=int, default=2000)
    parser.add_argument('--tile', type=int, default=400)
    parser.add_argument('--stride', type=int, default=100)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument(
        '--threads',
        type=int,
        help='torch CPU threads, all runs (default: torch\'s default)')
    parser.add_argument('--device', default='cpu')
    add_amp_argument(parser, default='auto', from_config=False)
    parser.add_argument(
        '--memory-height',
        type=int,
        default=600,
        help='slide height of the memory runs (and 3x that); 0 skips them')
    parser.add_argument('--out', help='also write the results as JSON')
    parser.add_argument('--memory-child',
                        nargs=3,
                        metavar=('METHOD', 'IMAGE', 'WORKDIR'),
                        help=argparse.SUPPRESS)
    return parser


def parse_args(argv=None) -> argparse.Namespace:
    """The flags; ``config`` and ``amp`` filled in with their defaults."""
    args = build_parser().parse_args(argv)
    if args.config is None:
        args.config = DEFAULT_CONFIGS[torch.device(args.device).type]
    args.amp = choose_amp(args.amp, None, 'auto')
    return args


def main(argv=None) -> None:
    """Run the benchmark (or one memory run, in a child process)."""
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
        cv2.setNumThreads(args.threads)
    if args.memory_child:
        memory_child(args)
        return
    with tempfile.TemporaryDirectory(prefix='bench_wsi_') as workdir:
        results = benchmark_wsi(args, workdir)
    print(report(args, results['speed'], results['memory']))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(args=vars(args), **results), f, indent=1)


if __name__ == '__main__':
    main()
