"""Labels and mIoU of mixed-precision inference against float32, on a test set.

Runs the config's test loop twice on one checkpoint: float32 (NCHW, as
before the fast path) and the fast path (``model.test_cfg.amp``:
bfloat16 on a CPU with native bfloat16, float16 on CUDA; channels-last).
Reports the share of pixels whose label is the same in both and the two
mIoU values, and exits 1 if the agreement is below ``--min-agreement`` or
the mIoU moves by more than ``--max-miou-change``.

Example::

    python tools/analysis/amp_agreement.py \\
        configs/hspnet_r18_synthetic_demo.py work_dirs/demo/iter_1000.pth \\
        --cfg-options model.test_cfg.mode=gauss
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile

import cv2
from mmengine.config import Config

import mmseg_hsp  # noqa: F401 (registers the plugin)
from mmseg_hsp.cli import add_cfg_options

PRECISIONS = dict(fp32=dict(amp=False, channels_last=False),
                  fast=dict(amp=True, channels_last=True))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
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
    parser.add_argument('--out', help='also write the results as JSON')
    add_cfg_options(parser)
    return parser.parse_args(argv)


def run_test(args, precision: dict, work_dir: str) -> dict:
    """The test loop's metrics; predictions written under work_dir."""
    from mmengine.runner import Runner
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.model.test_cfg.update(precision)
    cfg.work_dir = work_dir
    cfg.load_from = args.checkpoint
    cfg.test_evaluator.output_dir = osp.join(work_dir, 'predictions')
    return Runner.from_cfg(cfg).test()


def agreement(first_dir: str, second_dir: str) -> float:
    """Share of pixels with the same label over same-named label maps."""
    names = sorted(os.listdir(first_dir))
    if not names or names != sorted(os.listdir(second_dir)):
        raise RuntimeError(f'{first_dir} and {second_dir} do not hold the '
                           'same predictions')
    same = total = 0
    for name in names:
        first, second = (cv2.imread(osp.join(d, name), cv2.IMREAD_UNCHANGED)
                         for d in (first_dir, second_dir))
        same += int((first == second).sum())
        total += first.size
    return same / total


def main(argv=None):
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix='amp_agreement_') as work:
        metrics = {
            name: run_test(args, precision, osp.join(work, name))
            for name, precision in PRECISIONS.items()
        }
        share = agreement(*(osp.join(work, name, 'predictions')
                            for name in PRECISIONS))
    result = dict(label_agreement=share,
                  miou=dict(fp32=metrics['fp32']['mIoU'],
                            fast=metrics['fast']['mIoU']),
                  miou_change=abs(metrics['fast']['mIoU'] -
                                  metrics['fp32']['mIoU']),
                  metrics=metrics)
    print(f"labels equal on {100 * share:.3f}% of pixels; mIoU "
          f"{result['miou']['fp32']:.4f} (fp32) vs "
          f"{result['miou']['fast']:.4f} (fast path): change "
          f"{result['miou_change']:.4f}")
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)
    passed = share >= args.min_agreement and \
        result['miou_change'] <= args.max_miou_change
    if not passed:
        print(f'amp_agreement: below the bar (agreement >= '
              f'{args.min_agreement}, mIoU change <= '
              f'{args.max_miou_change})', file=sys.stderr)
    return 0 if passed else 1


if __name__ == '__main__':
    sys.exit(main())
