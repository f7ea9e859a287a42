"""The demo (`make demo`): HSP-Net learns the synthetic MTCHI on a CPU.

1. Writes the synthetic MTCHI (Task 2 layout) if absent, and cuts its
   training regions into patches (tools/dataset_converters/).
2. Trains a small HSP-Net (configs/hspnet_r18_synthetic_demo.py).
3. Evaluates it on the Test regions with MTCHIMetric (Dice, mIoU, AP over
   normal/CIN1-3; NLH-/NC-mIoU), beside a constant predictor.
4. Writes, under the work dir: ``metrics.json``, ``predictions/`` (one
   ``Mask_<name>.png`` per test region) and ``predictions.png`` (test
   regions, truth and prediction in the paper's palette).

The console shows one line per step; mmengine's config dump and training
log go to ``<work dir>/runner.log`` (and to mmengine's own
``<work dir>/<timestamp>/<timestamp>.log``).

Example::

    python tools/demo.py --work-dir work_dirs/demo
"""
import argparse
import contextlib
import io
import os
import os.path as osp
import time
from typing import Optional

import cv2
import numpy as np
import torch

import mmseg_hsp  # noqa: F401 (registers HSP-Net, MTCHI)
from mmseg_hsp.cli import enable_amp
from mmseg_hsp.datasets import write_synthetic_mtchi
from mmseg_hsp.datasets.mtchi_patches import convert_regions, task2_regions
from mmseg_hsp.evaluation import mtchi_scores
from mmseg_hsp.evaluation.mtchi_metric import confusion_matrix
from mmseg_hsp.fileio import write_json
from mmseg_hsp.visualization import draw_prediction_grid

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args():
    parser = argparse.ArgumentParser(
        description='Train and evaluate a small HSP-Net on synthetic MTCHI')
    parser.add_argument(
        '--config',
        default=osp.join(REPO, 'configs', 'hspnet_r18_synthetic_demo.py'))
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
    parser.add_argument(
        '--amp',
        choices=('auto', 'off'),
        default='auto',
        help='auto: bfloat16 autocast training on a CPU with native '
        'bfloat16 (float16 on CUDA), float32 elsewhere; off: float32')
    parser.add_argument(
        '--show',
        type=int,
        default=4,
        help='test regions drawn in predictions.png')
    return parser.parse_args()


def cut_patches(data_root: str, patch_size: int,
                stride: int) -> Optional[str]:
    """Cut ``<data_root>/Training`` into ``TrainingPatches`` if absent.

    Returns:
        str | None: The converter's summary line, for the caller's console
        (None when the patches were there).
    """
    patches = osp.join(data_root, 'TrainingPatches')
    if osp.isdir(patches):
        return None
    with contextlib.redirect_stdout(io.StringIO()) as summary:
        convert_regions(
            osp.join(data_root, 'Training'),
            patches,
            patch_size=patch_size,
            stride=stride,
            progress=False)
    return summary.getvalue().strip()


def prepare_data(args) -> float:
    """Write the synthetic set and its patches if absent; seconds spent."""
    start = time.time()
    if not osp.isdir(args.data_root):
        print(f'[demo] writing the synthetic MTCHI to {args.data_root}')
        write_synthetic_mtchi(args.data_root, args.num_train, args.num_test,
                              (args.size, args.size))
    patches = osp.join(args.data_root, 'TrainingPatches')
    summary = cut_patches(args.data_root, args.patch_size, args.stride)
    if summary:
        print(f'[demo] cut {summary}')
    first = sorted(os.listdir(osp.join(patches, 'Img')))[0]
    side = cv2.imread(osp.join(patches, 'Img', first)).shape[0]
    if side != args.patch_size:
        raise SystemExit(f'error: {patches} holds {side}px patches, not '
                         f'--patch-size {args.patch_size}; remove it to '
                         'cut new ones')
    return time.time() - start


def demo_config(args):
    """The demo config, pointed at the data and work dir.

    Training does not validate: the trained model is evaluated once, by the
    test loop, which also writes the predictions.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    cfg.work_dir = args.work_dir
    for loader in ('train_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = args.data_root
    cfg.test_evaluator.output_dir = osp.join(args.work_dir, 'predictions')
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.pop('val_interval', None)
    if args.max_iters:
        cfg.train_cfg.max_iters = args.max_iters
    cfg.default_hooks.checkpoint.interval = cfg.train_cfg.max_iters
    return cfg


def read_labels(split_dir: str):
    """The label maps of a Task 2 split folder, in name order."""
    for _, mask in task2_regions(split_dir):
        yield cv2.imread(mask, cv2.IMREAD_UNCHANGED)


def constant_predictor(data_root: str) -> dict:
    """Scores of predicting the most frequent training lesion everywhere."""
    counts = sum(
        np.bincount(labels.ravel(), minlength=5)
        for labels in read_labels(osp.join(data_root, 'Training')))
    label = int(np.argmax(counts[1:]) + 1)
    # Truth 0 ignored, as MTCHIMetric does by default.
    confusion = sum(
        confusion_matrix(
            torch.full(truth.shape, label),
            torch.from_numpy(truth),
            ignore_labels=(0, 255))
        for truth in read_labels(osp.join(data_root, 'Test')))
    return dict(label=label, **mtchi_scores(confusion))


def main():
    from mmengine.runner import Runner
    args = parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    data_seconds = prepare_data(args)
    cfg = demo_config(args)
    try:
        precision = enable_amp(cfg) if args.amp == 'auto' else 'fp32'
    except ValueError as error:  # a --config whose wrapper --amp can't switch
        raise SystemExit(f'demo.py: error: {error}; or pass --amp off')
    runner_log = osp.join(args.work_dir, 'runner.log')
    print(f'[demo] training {cfg.train_cfg.max_iters} iterations '
          f'({precision}), then '
          f'testing (log: {runner_log})')
    # mmengine's console handler writes to the sys.stdout of the moment
    # the runner's logger is made: the log file, for the runner's life;
    # its warnings too (an error still ends the demo with its traceback).
    with open(runner_log, 'w') as log, contextlib.redirect_stdout(log), \
            contextlib.redirect_stderr(log):
        runner = Runner.from_cfg(cfg)
        start = time.time()
        runner.train()
        train_seconds = time.time() - start
        start = time.time()
        scores = runner.test()
        test_seconds = time.time() - start
    result = dict(
        config=osp.relpath(args.config, REPO),
        data_root=args.data_root,
        iterations=cfg.train_cfg.max_iters,
        training_precision=precision,
        hspnet=scores,
        constant_predictor=constant_predictor(args.data_root),
        seconds=dict(
            data=round(data_seconds, 1),
            train=round(train_seconds, 1),
            test=round(test_seconds, 1)))
    write_json(osp.join(args.work_dir, 'metrics.json'), result)
    draw_prediction_grid(args.data_root,
                         [('HSP-Net', cfg.test_evaluator.output_dir)],
                         args.show, osp.join(args.work_dir, 'predictions.png'))
    const = result['constant_predictor']
    print(f"[demo] HSP-Net on {args.num_test} synthetic test regions: "
          f"mIoU {scores['mIoU']:.4f}, Dice {scores['Dice']:.4f}, "
          f"AP {scores['AP']:.4f} (constant predictor: mIoU "
          f"{const['mIoU']:.4f}); trained {train_seconds / 60:.1f} min")
    print(f'[demo] written: {args.work_dir}/metrics.json, '
          f'{args.work_dir}/predictions.png, {args.work_dir}/predictions/')


if __name__ == '__main__':
    main()
