"""Painting test predictions without a training loop."""
import os.path as osp
from typing import Sequence

import mmcv
import mmengine.fileio as fileio

from mmseg.engine.hooks import SegVisualizationHook
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample


@HOOKS.register_module()
class SegTestVisualizationHook(SegVisualizationHook):
    """mmseg's ``SegVisualizationHook`` whose test pictures need no
    training loop.

    mmseg's hook labels each picture with ``runner.iter``, which builds the
    training loop and so reads the training set: a test run on a machine
    holding only the test split fails at its first picture. Here a test
    picture is labelled with step 0 (``runner.iter`` before any training,
    so the files are named as mmseg names them, ``test_<image>_0.png``).
    Validation and ``interval`` work as in mmseg's hook.
    """

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence[SegDataSample]) -> None:
        if not self.draw or not self.every_n_inner_iters(
                batch_idx, self.interval):
            return
        for output in outputs:
            img_bytes = fileio.get(output.img_path,
                                   backend_args=self.backend_args)
            self._visualizer.add_datasample(
                f'test_{osp.basename(output.img_path)}',
                mmcv.imfrombytes(img_bytes, channel_order='rgb'),
                data_sample=output,
                show=self.show,
                wait_time=self.wait_time,
                step=0)
