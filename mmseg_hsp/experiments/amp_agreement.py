"""Labels and mIoU of mixed-precision inference against float32, on a test set.

Runs the config's test loop twice on one checkpoint: float32 (NCHW, as
before the fast path) and the fast path (``model.test_cfg.amp`` as
``--amp`` chose, channels-last). Its flags:
:mod:`mmseg_hsp.cli.amp_agreement` (``tools/analysis/amp_agreement.py``).
"""
import os
import os.path as osp
import tempfile
from typing import Optional

import cv2
from mmengine.config import Config

from ..config_options import merge_cfg_options

FP32 = dict(amp='fp32', channels_last=False)


def run_test(config: str, checkpoint: str, cfg_options: Optional[dict],
             precision: dict, work_dir: str) -> dict:
    """The test loop's metrics; predictions written under ``work_dir``.

    Args:
        config (str): Test config file.
        checkpoint (str): Checkpoint file.
        cfg_options (dict, optional): ``--cfg-options``.
        precision (dict): ``amp`` and ``channels_last`` of
            ``model.test_cfg``.
        work_dir (str): The run's work dir.

    Returns:
        dict: The test metrics.
    """
    from mmengine.runner import Runner
    cfg = Config.fromfile(config)
    merge_cfg_options(cfg, cfg_options)
    cfg.model.test_cfg.update(precision)
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint
    cfg.test_evaluator.output_dir = osp.join(work_dir, 'predictions')
    return Runner.from_cfg(cfg).test()


def agreement(first_dir: str, second_dir: str) -> float:
    """Share of pixels with the same label over same-named label maps.

    Raises:
        RuntimeError: The folders hold different names, or none.
    """
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


def amp_agreement(config: str,
                  checkpoint: str,
                  amp: str = 'auto',
                  cfg_options: Optional[dict] = None) -> dict:
    """Test a checkpoint float32 and on the fast path; compare.

    Args:
        config (str): Test config file.
        checkpoint (str): Checkpoint file.
        amp (str): The fast path's precision, one of ``AMP_CHOICES``.
            Defaults to ``'auto'``.
        cfg_options (dict, optional): ``--cfg-options``.

    Returns:
        dict: ``label_agreement`` (share of pixels), ``miou`` (``fp32``,
        ``fast``), ``miou_change`` and both runs' ``metrics``.
    """
    precisions = dict(fp32=FP32, fast=dict(amp=amp, channels_last=True))
    with tempfile.TemporaryDirectory(prefix='amp_agreement_') as work:
        metrics = {
            name: run_test(config, checkpoint, cfg_options, precision,
                           osp.join(work, name))
            for name, precision in precisions.items()
        }
        share = agreement(*(osp.join(work, name, 'predictions')
                            for name in precisions))
    return dict(label_agreement=share,
                miou=dict(fp32=metrics['fp32']['mIoU'],
                          fast=metrics['fast']['mIoU']),
                miou_change=abs(metrics['fast']['mIoU'] -
                                metrics['fp32']['mIoU']),
                metrics=metrics)
