"""mmseg's EncoderDecoder with the paper's post-processing as test modes."""
from typing import List

import torch
from torch import Tensor

from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg_hsp.tiling import (BLEND_MODES, ArrayTiles, BlendSpec,
                              HeapTrimmer, Precision, SegmentorPredictor,
                              TilePreprocessor, blend_tiles)


@MODELS.register_module()
class TileBlendEncoderDecoder(EncoderDecoder):
    """An ``EncoderDecoder`` that can also predict by blending tiles.

    ``test_cfg.mode`` takes mmseg's ``'whole'`` and ``'slide'`` (the
    parent's, unchanged) and three more, the post-processing of the paper's
    Table 5:

    - ``'gauss'``: Gauss-like weighted averaging of overlapping tiles (the
      paper's rows with "Post": 400 px tiles, stride 100);
    - ``'mean'``: plain averaging (the Ensemble rows: stride 96);
    - ``'none'``: non-overlapping stitching of tiles (Figure 4).

    They are an override of :meth:`inference`, mmseg's one switch of test
    modes: each image's blended class scores come back at their place in the
    padded batch, and the parent's ``predict``/``postprocess_result`` crops
    the padding, undoes the flip, resizes bilinearly to ``ori_shape``, takes
    the arg-max (``pred_sem_seg``) and keeps the scores (``seg_logits``), as
    in every mmseg test mode. The blending is
    :func:`mmseg_hsp.tiling.blend_tiles`, the same tiling, weighting and
    accumulation as the whole-slide pipeline
    (:class:`~mmseg_hsp.wsi.SlideSegmenter`), with the same
    :class:`~mmseg_hsp.tiling.SegmentorPredictor` and white padding past the
    image edge: an image gives the same labels, pixel for pixel, through
    ``tools/test.py`` and ``tools/infer_wsi.py``.

    What ``seg_logits`` holds follows ``test_cfg.scores``: with
    ``'softmax'`` (default) the blended probabilities, with ``'logits'`` the
    blended logits. mmseg's ``SegTTAModel`` (``tools/test.py --tta``)
    averages ``seg_logits.softmax(dim=0)`` over the augmented views, so with
    ``'softmax'`` it averages a softmax of blended probabilities: the arg-max
    of each view is kept, but the views are weighted more evenly than an
    average of the probabilities themselves would weigh them.

    Memory: the test loop holds the whole image's scores (``num_classes x H
    x W`` float32) for ``postprocess_result``; only the slide pipeline keeps
    the band-by-band bound of :class:`~mmseg_hsp.tiling.BandBlender`.

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
            :class:`~mmseg_hsp.tiling.BlendSpec` and
            :class:`~mmseg_hsp.tiling.SegmentorPredictor` define them, and
            ``channels_last`` (default True). Every mode reads ``amp``
            (default False): mixed precision as
            :meth:`~mmseg_hsp.tiling.Precision.resolve` takes it (True:
            bfloat16 on a CPU with native bfloat16, float16 on CUDA); with
            it, ``'whole'`` and ``'slide'`` run the parent's inference under
            autocast, channels-last unless ``channels_last=False``. On a GPU
            the blend modes blend on the GPU.
    """

    def inference(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Class scores of a batch in the test mode of ``test_cfg``.

        Args:
            inputs (Tensor): ``(N, C, H, W)`` preprocessed (padded) images.
            batch_img_metas (list[dict]): Their metainfo; the blend modes
                read the padding (``img_padding_size``, else
                ``padding_size``, as ``postprocess_result`` does) to blend
                the image only.

        Returns:
            Tensor: ``(N, num_classes, H, W)`` scores; in the blend modes 0
            on the padding, which ``postprocess_result`` crops.
        """
        amp = self.test_cfg.get('amp', False)
        channels_last = self.test_cfg.get('channels_last', True)
        if self.test_cfg.get('mode', 'whole') not in BLEND_MODES:
            if not amp:
                return super().inference(inputs, batch_img_metas)
            precision = Precision.resolve(inputs.device, amp, channels_last)
            precision.prepare(self)
            with precision.autocast():
                return super().inference(precision.inputs(inputs),
                                         batch_img_metas).float()
        spec = BlendSpec.from_test_cfg(self.test_cfg)
        predictor = SegmentorPredictor(
            self,
            scores=self.test_cfg.get('scores', 'softmax'),
            amp=amp,
            channels_last=channels_last)
        pad_value = TilePreprocessor(self).pad_value()
        height, width = inputs.shape[2:]
        scores = inputs.new_zeros(
            (len(inputs), predictor.num_classes, height, width))
        for image, out, meta in zip(inputs, scores, batch_img_metas):
            top, bottom, left, right = _unpadded(meta, height, width)
            out[:, top:bottom, left:right] = self.blend_scores(
                image[:, top:bottom, left:right], predictor, spec, pad_value)
        return scores

    def blend_scores(self, image: Tensor, predictor: SegmentorPredictor,
                     spec: BlendSpec, pad_value: List[float]) -> Tensor:
        """The blended class scores of one image.

        Args:
            image (Tensor): ``(C, H, W)`` preprocessed image, no padding.
            predictor (SegmentorPredictor): Scores of this model.
            spec (BlendSpec): Tiling and blending.
            pad_value (list[float]): Preprocessed value of the padding past
                the image edge, per channel (white, as the slide reader).

        Returns:
            Tensor: ``(num_classes, H, W)`` float32 on the image's device
            (blended there when it is a GPU).
        """
        height, width = image.shape[1:]
        scores = image.new_empty((predictor.num_classes, height, width),
                                 dtype=torch.float32)
        device = None if image.device.type == 'cpu' else image.device
        bands = blend_tiles(ArrayTiles(image, pad_value), predictor,
                            (height, width), predictor.num_classes, spec,
                            device=device,
                            reads_ahead=predictor.reads_ahead)
        trim_heap = HeapTrimmer()
        for band in bands:
            scores[:, band.top:band.bottom] = torch.as_tensor(band.scores)
            trim_heap()
        return scores


def _unpadded(meta: dict, height: int, width: int) -> tuple:
    """``(top, bottom, left, right)`` of the image inside its padded input.

    The same padding ``BaseSegmentor.postprocess_result`` crops.
    """
    left, right, top, bottom = meta.get('img_padding_size',
                                        meta.get('padding_size', [0] * 4))
    return top, height - bottom, left, width - right
