"""The demo (`make demo`): HSP-Net learns the synthetic MTCHI on a CPU.

1. Writes the synthetic MTCHI (Task 2 layout) if absent, and cuts its
   training regions into patches (as ``tools/dataset_converters/`` do).
2. Trains a small HSP-Net (configs/hspnet_r18_synthetic_demo.py).
3. Evaluates it on the Test regions with MTCHIMetric (Dice, mIoU, AP over
   normal/CIN1-3; NLH-/NC-mIoU), beside a constant predictor.
4. Writes, under the work dir: ``metrics.json``, ``predictions/`` (one
   ``Mask_<name>.png`` per test region) and ``predictions.png`` (test
   regions, truth and prediction in the paper's palette).

The console shows one line per step; mmengine's config dump and training
log go to ``<work dir>/runner.log`` (and to mmengine's own
``<work dir>/<timestamp>/<timestamp>.log``). Its flags:
:mod:`mmseg_hsp.cli.demo`.
"""
import contextlib
import io
import os
import os.path as osp
import sys
import time
from typing import Optional, Tuple

import cv2
import numpy as np
import torch

from ..arguments import ArgumentError
from ..datasets import write_synthetic_mtchi
from ..datasets.mtchi_patches import convert_regions, task2_regions
from ..engine import ProgressBarHook
from ..engine.amp import enable_amp
from ..evaluation import mtchi_scores
from ..evaluation.mtchi_metric import confusion_matrix
from ..fileio import write_json
from ..progress import progress_display
from ..visualization import draw_prediction_grid
from . import REPO_ROOT

DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'hspnet_r18_synthetic_demo.py')


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


def prepare_data(data_root: str, num_train: int, num_test: int, size: int,
                 patch_size: int, stride: int) -> float:
    """Write the synthetic set and its patches if absent.

    Args:
        data_root (str): Task 2 folder, written if absent.
        num_train (int): Training regions to write.
        num_test (int): Test regions to write.
        size (int): Side of a region.
        patch_size (int): Side of a training patch.
        stride (int): Stride of the patches.

    Returns:
        float: Seconds spent.

    Raises:
        ValueError: ``<data_root>/TrainingPatches`` holds patches of
            another size.
    """
    start = time.time()
    if not osp.isdir(data_root):
        print(f'[demo] writing the synthetic MTCHI to {data_root}')
        write_synthetic_mtchi(data_root, num_train, num_test, (size, size))
    patches = osp.join(data_root, 'TrainingPatches')
    summary = cut_patches(data_root, patch_size, stride)
    if summary:
        print(f'[demo] cut {summary}')
    first = sorted(os.listdir(osp.join(patches, 'Img')))[0]
    side = cv2.imread(osp.join(patches, 'Img', first)).shape[0]
    if side != patch_size:
        raise ValueError(f'{patches} holds {side}px patches, not '
                         f'--patch-size {patch_size}; remove it to cut new '
                         'ones')
    return time.time() - start


def demo_config(config: str, data_root: str, work_dir: str,
                max_iters: Optional[int]):
    """The demo config, pointed at the data and work dir.

    Training does not validate: the trained model is evaluated once, by the
    test loop, which also writes the predictions.

    Args:
        config (str): The config file.
        data_root (str): Task 2 folder.
        work_dir (str): The run's work dir.
        max_iters (int, optional): Iterations instead of the config's.

    Returns:
        Config: The config.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    cfg.work_dir = work_dir
    for loader in ('train_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
    cfg.test_evaluator.output_dir = osp.join(work_dir, 'predictions')
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.pop('val_interval', None)
    if max_iters:
        cfg.train_cfg.max_iters = max_iters
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


def train_and_test(cfg, runner_log: str) -> Tuple[dict, float, float]:
    """Train and test the config's model, mmengine's output to a file.

    Args:
        cfg (Config): The demo config.
        runner_log (str): Where mmengine's console output goes.

    Returns:
        tuple: The test scores, seconds training, seconds testing.
    """
    from mmengine.runner import Runner

    # The bar goes to the terminal, if there is one (its console is made
    # before the redirection); mmengine's console handler writes to the
    # sys.stdout of the moment the runner's logger is made: the log file,
    # for the runner's life; its warnings too (an error still ends the demo
    # with its traceback).
    with progress_display('iterations', disable=not sys.stderr.isatty(),
                          redirect_stdout=False,
                          redirect_stderr=False) as progress, \
            open(runner_log, 'w') as log, contextlib.redirect_stdout(log), \
            contextlib.redirect_stderr(log):
        runner = Runner.from_cfg(cfg)
        runner.register_hook(ProgressBarHook(progress, '[demo] training'))
        start = time.time()
        runner.train()
        train_seconds = time.time() - start
        start = time.time()
        scores = runner.test()
    return scores, train_seconds, time.time() - start


def run_demo(args) -> dict:
    """The demo, end to end (see the module doc).

    Args:
        args (Namespace): The flags of :mod:`mmseg_hsp.cli.demo`, ``amp``
            already chosen (``'auto'``, ``'bf16'``, ``'fp16'`` or
            ``'fp32'``), ``amp_requested`` whether the user named it.

    Returns:
        dict: What ``metrics.json`` holds.

    Raises:
        ValueError: Patches of another size, or a config whose optimizer
            wrapper ``--amp`` cannot switch.
    """
    os.makedirs(args.work_dir, exist_ok=True)
    data_seconds = prepare_data(args.data_root, args.num_train, args.num_test,
                                args.size, args.patch_size, args.stride)
    cfg = demo_config(args.config, args.data_root, args.work_dir,
                      args.max_iters)
    try:
        precision = enable_amp(cfg, args.amp, args.amp_requested) \
            if args.amp != 'fp32' \
            else 'fp32'
    except ArgumentError as error:  # a --config whose wrapper it can't switch
        raise ValueError(f'{error.as_flag("--amp")}; or pass --amp fp32')
    runner_log = osp.join(args.work_dir, 'runner.log')
    print(f'[demo] training {cfg.train_cfg.max_iters} iterations '
          f'({precision}), then '
          f'testing (log: {runner_log})')
    scores, train_seconds, test_seconds = train_and_test(cfg, runner_log)
    result = dict(
        config=osp.relpath(args.config, REPO_ROOT),
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
    return result
