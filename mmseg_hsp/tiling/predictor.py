"""An mmseg segmentor as the ``predict(batch) -> scores`` of blend_tiles.

:class:`SegmentorPredictor` runs the model's ``encode_decode`` on a batch of
normalised tiles and returns per-pixel class scores at tile resolution:
raw logits, resized to the tile by the decode head, then softmax. It skips
``predict``'s per-sample post-processing (``SegDataSample`` building,
resizing to the original shape, arg-max), which the blender replaces.

:class:`TilePreprocessor` normalises uint8 RGB tiles exactly as the model's
``SegDataPreProcessor`` normalises a whole image (same channel order, same
float32 operations), so a tile gives the same input tensor whether it is cut
from a slide or from an image the test loop already normalised. On CUDA the
uint8 tiles go through pinned host memory and are normalised on the GPU.

Both run the model as a :class:`~.precision.Precision` says: channels-last
by default, autocast with ``amp``.
"""
import math
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from torch import Tensor, nn

from .precision import Precision

SCORE_KINDS = ('softmax', 'logits')


# Side of the blank image the output stride is probed on: a few cells of a
# stride-32 or stride-64 encoder.
PROBE_SIDE = 256


class SegmentorPredictor:
    """Class scores of an mmseg segmentor for batches of tiles.

    Args:
        model (nn.Module): A segmentor with ``encode_decode`` (mmseg's
            ``EncoderDecoder`` and its subclasses), in eval mode.
        scores (str): ``'softmax'`` (default: blending averages
            probabilities, as the paper's "Gauss-weighted predictions") or
            ``'logits'`` (as mmseg's ``slide_inference`` averages).
        amp (bool | str | None): Mixed precision, as
            :meth:`Precision.resolve` takes it: bfloat16 autocast on a CPU
            with native bfloat16, float16 on CUDA (``'bf16'``/``'fp16'`` to
            choose). Scores are float32 either way. Defaults to False
            (float32).
        channels_last (bool): Run the model channels-last (its weights are
            converted in place). Defaults to True.
        amp_requested (bool): Whether ``amp`` is the user's request, not a
            tool's default (see :meth:`Precision.resolve`). Defaults to
            True.
    """

    def __init__(self,
                 model: nn.Module,
                 scores: str = 'softmax',
                 amp: Union[bool, str, None] = False,
                 channels_last: bool = True,
                 amp_requested: bool = True):
        if not hasattr(model, 'encode_decode'):
            raise TypeError(
                f'{type(model).__name__} has no encode_decode: whole-slide '
                'inference needs an mmseg EncoderDecoder-style segmentor')
        if scores not in SCORE_KINDS:
            raise ValueError(f'scores {scores!r} is unknown; use one of '
                             f'{SCORE_KINDS}')
        self.device = next(model.parameters()).device
        self.precision = Precision.resolve(self.device, amp, channels_last,
                                           amp_requested)
        self.model = self.precision.prepare(model)
        self.scores = scores

    @property
    def reads_ahead(self) -> int:
        """int: Batches worth reading ahead of this model (``blend_tiles``).

        2 on an accelerator: the host reads and blends while the device
        computes. 0 on the CPU: the model's threads already use every core,
        and a reader or blender thread beside them only takes cores away
        (HSP-Net, demo size, 221 tiles on 2 cores: 16.7 s with the worker
        threads, 14.0 s in turn, best of 4).
        """
        return 0 if self.device.type == 'cpu' else 2

    @property
    def num_classes(self) -> int:
        """int: Score channels (the segmentor's ``out_channels``)."""
        channels = getattr(self.model, 'out_channels', None)
        if channels is None:
            channels = self.model.decode_head.out_channels
        if channels == 1:
            raise ValueError('single-channel (sigmoid, threshold) models are '
                             'not supported: train with num_classes >= 2')
        return channels

    def output_stride(self) -> Optional[int]:
        """Input pixels per cell of the model's coarsest feature map.

        A tile smaller than this gives the decode head less than one cell
        of features, and the model no prediction of its own (an up-sampled
        blur of padding). Probed, not read from the config: the encoder's
        strides, dilations and output indices all decide it.

        Returns:
            int | None: ``ceil(256 / h)`` for the smallest height ``h`` of
            the features ``extract_feat`` gives a blank 256-pixel image;
            None for a model without ``extract_feat``.
        """
        extract = getattr(self.model, 'extract_feat', None)
        if extract is None:
            return None
        blank = torch.zeros(1, 3, PROBE_SIDE, PROBE_SIDE, device=self.device)
        with torch.no_grad(), self.precision.autocast():
            features = extract(self.precision.inputs(blank))
        if torch.is_tensor(features):
            features = [features]
        heights = [f.shape[-2] for f in features
                   if torch.is_tensor(f) and f.dim() == 4]
        return math.ceil(PROBE_SIDE / min(heights)) if heights else None

    def __call__(self, inputs: Tensor) -> Tensor:
        """Score a batch.

        Args:
            inputs (Tensor): ``(N, C, h, w)`` normalised tiles on the
                model's device.

        Returns:
            Tensor: ``(N, num_classes, h, w)`` float32 scores, contiguous,
            on the model's device.
        """
        height, width = inputs.shape[-2:]
        metas: List[dict] = [
            dict(img_shape=(height, width), pad_shape=(height, width),
                 ori_shape=(height, width)) for _ in range(len(inputs))
        ]
        with torch.no_grad(), self.precision.autocast():
            logits = self.model.encode_decode(
                self.precision.inputs(inputs), metas)
        # float32 and class-major (the blender adds one class map at a
        # time) in one copy; softmax is as fast on that layout.
        logits = logits.to(torch.float32,
                           memory_format=torch.contiguous_format)
        return logits.softmax(dim=1) if self.scores == 'softmax' else logits


class TilePreprocessor:
    """uint8 RGB tiles to the model's normalised input tensor.

    Follows the model's ``data_preprocessor`` (mmseg's
    ``SegDataPreProcessor``): images are read as BGR by mmseg and flipped to
    RGB when ``bgr_to_rgb``; here tiles are RGB and are flipped to BGR when
    the model was trained on BGR. Then ``(x.float() - mean) / std``.

    Args:
        model (nn.Module): The segmentor.
        channels_last (bool): Return NHWC-strided batches (the layout the
            tiles arrive in: no copy). Defaults to True.
    """

    def __init__(self, model: nn.Module, channels_last: bool = True):
        pre = model.data_preprocessor
        self.device = next(model.parameters()).device
        self.memory_format = torch.channels_last if channels_last \
            else torch.contiguous_format
        self.to_bgr = not getattr(pre, 'channel_conversion', False)
        self.normalize = getattr(pre, '_enable_normalize', False)
        if self.normalize:
            self.mean = pre.mean.to(self.device)
            self.std = pre.std.to(self.device)

    def __call__(self, tiles: np.ndarray) -> Tensor:
        """Normalise a batch.

        Args:
            tiles (np.ndarray): ``(N, h, w, 3)`` uint8 RGB.

        Returns:
            Tensor: ``(N, 3, h, w)`` float32 on the model's device.
        """
        pixels = torch.from_numpy(tiles)
        if self.device.type == 'cuda':
            # Through pinned memory: an asynchronous copy. torch's caching
            # host allocator reuses the block only once the copy is done.
            staging = torch.empty(pixels.shape, dtype=pixels.dtype,
                                  pin_memory=True)
            pixels = staging.copy_(pixels)
        inputs = pixels.to(self.device, non_blocking=True).permute(0, 3, 1, 2)
        if self.to_bgr:
            inputs = inputs.flip(1)
        # Same operations as SegDataPreProcessor, in place on one copy.
        inputs = inputs.contiguous(memory_format=self.memory_format).float()
        if self.normalize:
            inputs.sub_(self.mean).div_(self.std)
        return inputs

    def pad_value(self, rgb: Sequence[int] = (255, 255, 255)) -> List[float]:
        """The normalised value of an RGB colour, per model input channel.

        For :class:`~mmseg_hsp.tiling.ArrayTiles` over an already
        normalised image to pad as the slide pipeline does (white).

        Args:
            rgb (Sequence[int]): The colour. Defaults to white.

        Returns:
            list[float]: One value per input channel.
        """
        pixel = np.asarray(rgb, np.uint8).reshape(1, 1, 1, 3)
        return self(pixel)[0, :, 0, 0].tolist()
