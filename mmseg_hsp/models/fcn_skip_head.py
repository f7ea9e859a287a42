"""The FCN of Long et al. (FCN-32s, FCN-16s, FCN-8s) as an mmseg decode head.
"""
from typing import List, Sequence

import torch
from torch import Tensor, nn

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS


def bilinear_kernel(channels: int, size: int) -> Tensor:
    """Weights of a transposed convolution that up-samples bilinearly.

    Each channel maps to itself through the separable tent filter of
    Long et al.'s ``upsample_filt``; other channel pairs get 0.

    Args:
        channels (int): Input and output channels.
        size (int): Kernel side (4 for a 2x up-sampling).

    Returns:
        Tensor: ``(channels, channels, size, size)``.
    """
    factor = (size + 1) // 2
    centre = factor - 1 if size % 2 else factor - 0.5
    offsets = torch.arange(size, dtype=torch.float32) - centre
    tent = 1 - offsets.abs() / factor
    weight = torch.zeros(channels, channels, size, size)
    weight[range(channels), range(channels)] = tent[:, None] * tent[None]
    return weight


@MODELS.register_module()
class FCNSkipHead(BaseDecodeHead):
    """Score layers and skips of FCN (Long et al., CVPR 2015, Section 4.2).

    Each selected encoder output gets a 1x1 *score* layer to
    ``num_classes`` channels. From the deepest (coarsest) score upwards, the
    scores so far are up-sampled 2x by a learned transposed convolution
    (4x4, stride 2, no bias, started as bilinear interpolation) and added
    to the next score. The result, at the stride of the shallowest selected
    output, is up-sampled to the image by :class:`BaseDecodeHead`'s fixed
    bilinear resize (Long et al.: the final up-sampling is fixed to
    bilinear). So:

    - FCN-32s: one input (output stride 32), one score layer, x32;
    - FCN-16s: the stride-16 and stride-32 outputs, the skip fused, x16;
    - FCN-8s: adds the stride-8 output, x8.

    The skip score layers start at zero, as Long et al.'s, so a skip net
    starts as its coarser parent. On a ResNet the encoder's last stage
    takes the place of VGG's fc6/fc7 (converted to convolutions) in the
    paper: the deepest score layer reads it directly. ``channels`` is the
    deepest input's width (the deepest score layer is ``conv_seg``, as in
    every mmseg head).

    Args:
        in_channels (Sequence[int]): Channels of the selected outputs,
            shallowest first.
        in_index (Sequence[int]): Their indices in the encoder's outputs.
        **kwargs: Arguments of :class:`BaseDecodeHead` but ``channels``
            and ``input_transform`` (``'multiple_select'``).

    Raises:
        ValueError: If ``in_channels`` and ``in_index`` are not sequences
            of the same length, or ``channels`` or another
            ``input_transform`` is given.
    """

    def __init__(self, in_channels: Sequence[int], in_index: Sequence[int],
                 **kwargs):
        if not isinstance(in_channels, (list, tuple)) or not isinstance(
                in_index, (list, tuple)) or len(in_channels) != len(in_index):
            raise ValueError(
                f'FCNSkipHead: in_channels {in_channels!r} and in_index '
                f'{in_index!r} must be sequences of the same length, one '
                'entry per scored encoder output (e.g. (1024, 2048) and '
                '(2, 3) for FCN-16s)')
        for key in ('channels', 'input_transform'):
            if key in kwargs:
                raise ValueError(
                    f'FCNSkipHead: {key} is fixed (the deepest input\'s '
                    "width; 'multiple_select'); remove it from the config")
        super().__init__(
            in_channels=in_channels,
            channels=in_channels[-1],
            in_index=in_index,
            input_transform='multiple_select',
            **kwargs)
        self.skip_scores = nn.ModuleList(
            nn.Conv2d(c, self.out_channels, 1) for c in in_channels[:-1])
        self.upsamples = nn.ModuleList(
            nn.ConvTranspose2d(
                self.out_channels,
                self.out_channels,
                4,
                stride=2,
                padding=1,
                bias=False) for _ in in_channels[:-1])

    def init_weights(self) -> None:
        """Bilinear up-samplings and zero skip scores, after mmseg's init."""
        super().init_weights()
        for score, upsample in zip(self.skip_scores, self.upsamples):
            nn.init.zeros_(score.weight)
            nn.init.zeros_(score.bias)
            upsample.weight.data.copy_(
                bilinear_kernel(self.out_channels, upsample.kernel_size[0]))

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Scores at the stride of the shallowest selected input.

        Args:
            inputs (list[Tensor]): The encoder's outputs.

        Returns:
            Tensor: ``(N, num_classes, h, w)``, ``h, w`` of the shallowest
            selected output.
        """
        feats = self._transform_inputs(inputs)
        scores = self.cls_seg(feats[-1])
        for feat, score, upsample in zip(feats[-2::-1],
                                         self.skip_scores[::-1],
                                         self.upsamples[::-1]):
            # A 2x up-sampling of an odd side overshoots by one: crop,
            # as Long et al.'s Crop layer aligns the two maps.
            height, width = feat.shape[2:]
            scores = upsample(scores)[..., :height, :width] + score(feat)
        return scores
