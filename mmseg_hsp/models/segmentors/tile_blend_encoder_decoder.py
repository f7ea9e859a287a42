"""mmseg's EncoderDecoder with the paper's post-processing as test modes."""
from typing import List

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from torch import Tensor

from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import OptSampleList, SampleList
from mmseg_hsp.wsi.blending import (BLEND_MODES, ArrayTiles, BlendSpec,
                                    blend_tiles)
from mmseg_hsp.wsi.memory import HeapTrimmer
from mmseg_hsp.wsi.predictor import SegmentorPredictor, TilePreprocessor


@MODELS.register_module()
class TileBlendEncoderDecoder(EncoderDecoder):
    """An ``EncoderDecoder`` that can also predict by blending tiles.

    ``test_cfg.mode`` takes mmseg's ``'whole'`` and ``'slide'`` (unchanged
    behaviour) and three more, the post-processing of the paper's Table 5:

    - ``'gauss'``: Gauss-like weighted averaging of overlapping tiles (the
      paper's rows with "Post": 400 px tiles, stride 100);
    - ``'mean'``: plain averaging (the Ensemble rows: stride 96);
    - ``'none'``: non-overlapping stitching of tiles (Figure 4).

    These run through :func:`mmseg_hsp.wsi.blend_tiles`, the same tiling,
    weighting and accumulation as the whole-slide pipeline
    (:class:`~mmseg_hsp.wsi.SlideSegmenter`), with the same
    :class:`~mmseg_hsp.wsi.SegmentorPredictor` and white padding past the
    image edge: an image gives the same labels, pixel for pixel, through
    ``tools/test.py`` and ``tools/infer_wsi.py``. Class scores are held for a
    band of ``crop_size[0]`` rows only; the result is the label map
    (``pred_sem_seg``), so ``seg_logits`` is not set in these modes. Where
    the test pipeline resized the image, the labels are resized back to the
    original shape with nearest-neighbour interpolation.

    A subclass rather than a wrapper (like ``SegTTAModel``): checkpoints,
    data preprocessor and training are the parent's, so any mmseg
    ``EncoderDecoder`` config uses it by changing ``model.type``, and
    ``--cfg-options model.test_cfg.mode=gauss`` switches the post-processing
    of an existing checkpoint on or off.

    Args:
        **kwargs: Arguments of :class:`EncoderDecoder`. In ``test_cfg`` the
            blend modes read ``crop_size`` (tile, default 400), ``stride``
            (default 100), ``weight`` (``'gaussian'``, ``'cosine'`` or
            ``'exponential'``), ``sigma``, ``batch_size`` (tiles per forward)
            and ``scores`` (``'softmax'`` or ``'logits'``), as
            :class:`~mmseg_hsp.wsi.BlendSpec` and
            :class:`~mmseg_hsp.wsi.SegmentorPredictor` define them.
    """

    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """Predict a batch; blend modes give ``pred_sem_seg`` only.

        Args:
            inputs (Tensor): ``(N, C, H, W)`` preprocessed images.
            data_samples (list[SegDataSample], optional): Their metainfo.

        Returns:
            list[SegDataSample]: With ``pred_sem_seg`` set.
        """
        mode = self.test_cfg.get('mode', 'whole')
        if mode not in BLEND_MODES:
            return super().predict(inputs, data_samples)
        if data_samples is None:
            shape = tuple(inputs.shape[2:])
            data_samples = [
                SegDataSample(metainfo=dict(ori_shape=shape,
                                            img_shape=shape,
                                            pad_shape=shape,
                                            padding_size=[0, 0, 0, 0]))
                for _ in range(len(inputs))
            ]
        spec = BlendSpec.from_test_cfg(self.test_cfg)
        predictor = SegmentorPredictor(self,
                                       scores=self.test_cfg.get(
                                           'scores', 'softmax'))
        pad_value = TilePreprocessor(self).pad_value()
        for image, sample in zip(inputs, data_samples):
            labels = self.blend_labels(_crop_padding(image, sample.metainfo),
                                       predictor, spec, pad_value)
            sample.pred_sem_seg = PixelData(
                data=_restore_geometry(labels, sample.metainfo))
        return data_samples

    def blend_labels(self, image: Tensor, predictor: SegmentorPredictor,
                     spec: BlendSpec, pad_value: List[float]) -> Tensor:
        """The blended label map of one image.

        Args:
            image (Tensor): ``(C, H, W)`` preprocessed image.
            predictor (SegmentorPredictor): Scores of this model.
            spec (BlendSpec): Tiling and blending.
            pad_value (list[float]): Preprocessed value of the padding past
                the image edge, per channel (white, as the slide reader).

        Returns:
            Tensor: ``(H, W)`` int64 labels on the image's device.
        """
        height, width = image.shape[1:]
        labels = np.empty((height, width), np.uint8)
        bands = blend_tiles(ArrayTiles(image, pad_value), predictor,
                            (height, width), predictor.num_classes, spec)
        trim_heap = HeapTrimmer()
        for band in bands:
            labels[band.top:band.bottom] = band.labels()
            trim_heap()
        return torch.from_numpy(labels).to(image.device, torch.int64)


def _crop_padding(image: Tensor, meta: dict) -> Tensor:
    """The image without the padding the data preprocessor added."""
    left, right, top, bottom = meta.get('padding_size', [0, 0, 0, 0])
    height, width = image.shape[1:]
    return image[:, top:height - bottom, left:width - right]


def _restore_geometry(labels: Tensor, meta: dict) -> Tensor:
    """Undo test-time flip and resize, as ``postprocess_result`` does."""
    if meta.get('flip', False):
        dims = (1, ) if meta['flip_direction'] == 'horizontal' else (0, )
        labels = labels.flip(dims)
    ori_shape = tuple(meta.get('ori_shape', labels.shape))
    if tuple(labels.shape) != ori_shape:
        labels = F.interpolate(labels[None, None].float(),
                               size=ori_shape,
                               mode='nearest')[0, 0].long()
    return labels[None]
