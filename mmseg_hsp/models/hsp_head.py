"""The HSP decode head of HSP-Net: V-HSP, H-HSP and the segmentation head."""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from torch import Tensor

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from .ds_block import DSBlock


@MODELS.register_module()
class HSPHead(BaseDecodeHead):
    """Hierarchical spatial pyramid head of HSP-Net (Meng et al.).

    From the four encoder outputs (x/4, x/8, x/16, x/32 for an x-sided
    input):

    - V-HSP (Eq. 1): DS-Blocks 1-4 reduce the outputs to ``ds_channels``
      (c'1..c'4, Table 1: 32, 64, 128, 256), the last three are bilinearly
      up-sampled to the x/4 side of the first, and all four are concatenated.
    - H-HSP: DS-Block 5 reduces the concatenation to ``channels`` (256).
    - Segmentation head (Eq. 2): three 3x3 convs, the first two with BN and
      ReLU at ``channels`` width, the last one plain to ``num_classes``
      (``conv_seg``, 3x3 here instead of mmseg's usual 1x1).

    The head returns logits at x/4. The x4 up-sampling of Eq. 2 is the one
    :class:`BaseDecodeHead` already does: ``loss_by_feat`` resizes the logits
    to the label and ``predict_by_feat`` to the input, so no second
    interpolation is spent on them.

    DS-Block 5's input: Table 1 lists c = 256, but Eq. 1 concatenates
    c'1 + c'2 + c'3 + c'4 = 480 channels and the paper names no layer in
    between. Feeding the 480 channels directly (``fusion_channels=None``, the
    default) follows Eq. 1 and gives 68.2M parameters for ResNet-101 with
    5 classes, 2.1% under the paper's 69.70M; the literal Table 1 reading
    needs an extra 1x1 conv 480 -> 256 before DS-Block 5
    (``fusion_channels=256``) and gives 66.7M, 4.3% under. Counted like the
    paper's DeepLab v3+ (59.34M = ResNet-101 without its fc + ASPP +
    decoder), Eq. 1 is the reading that matches, so Table 1's 256 is taken
    as a typo.

    Table 3's ablations replace DS-Blocks 1-4 (``use_ds1_4=False``) and/or
    DS-Block 5 (``use_ds5=False``) by a single 1x1 :class:`ConvModule` with
    the same output channels.

    Args:
        ds_channels (Sequence[int]): Output channels c'1..c'4 of DS-Blocks
            1-4, one per input. Defaults to (32, 64, 128, 256).
        dilations (Sequence[int]): Dilations of the atrous branches of every
            DS-Block. Defaults to (6, 12, 18).
        fusion_channels (int, optional): If set, a 1x1 conv projects the V-HSP
            concatenation to this many channels before DS-Block 5 (Table 1
            read literally: 256). Defaults to None (Eq. 1: DS-Block 5 reads
            the concatenation itself).
        use_ds1_4 (bool): Use DS-Blocks 1-4; if False, 1x1 convs replace
            them (Table 3). Defaults to True.
        use_ds5 (bool): Use DS-Block 5; if False, a 1x1 conv replaces it
            (Table 3). Defaults to True.
        **kwargs: Arguments of :class:`BaseDecodeHead`; ``channels`` is the
            output of DS-Block 5 and the width of the segmentation convs.
            ``input_transform`` is always ``'multiple_select'``.
    """

    def __init__(self,
                 ds_channels: Sequence[int] = (32, 64, 128, 256),
                 dilations: Sequence[int] = (6, 12, 18),
                 fusion_channels: Optional[int] = None,
                 use_ds1_4: bool = True,
                 use_ds5: bool = True,
                 **kwargs):
        input_transform = kwargs.pop('input_transform', 'multiple_select')
        if input_transform != 'multiple_select':
            raise ValueError(
                f'HSPHead: input_transform={input_transform!r} is not '
                "supported; it reads all four encoder outputs, remove the key "
                "or set it to 'multiple_select'.")
        super().__init__(input_transform=input_transform, **kwargs)
        if len(ds_channels) != len(self.in_channels):
            raise ValueError(
                f'HSPHead: ds_channels {tuple(ds_channels)} needs one entry '
                f'per input of in_channels {tuple(self.in_channels)}; give '
                'both the same length.')
        self.ds_channels = tuple(ds_channels)
        self.dilations = tuple(dilations)
        self.fusion_channels = fusion_channels
        self.use_ds1_4 = use_ds1_4
        self.use_ds5 = use_ds5

        self.reduce_blocks = nn.ModuleList(
            self._reducer(c_in, c_out, use_ds1_4)
            for c_in, c_out in zip(self.in_channels, self.ds_channels))
        concat_channels = sum(self.ds_channels)
        if fusion_channels is None:
            self.fusion_proj = None
        else:
            self.fusion_proj = self._reducer(concat_channels, fusion_channels,
                                             False)
            concat_channels = fusion_channels
        self.fuse_block = self._reducer(concat_channels, self.channels,
                                        use_ds5)
        self.seg_convs = nn.Sequential(*(ConvModule(
            self.channels,
            self.channels,
            3,
            padding=1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg) for _ in range(2)))
        # The paper's last segmentation conv is 3x3; it replaces the 1x1
        # conv_seg of BaseDecodeHead, keeping its name for init_cfg.
        self.conv_seg = nn.Conv2d(
            self.channels, self.out_channels, kernel_size=3, padding=1)

    def _reducer(self, in_channels: int, out_channels: int,
                 use_ds_block: bool) -> nn.Module:
        """A DS-Block, or the 1x1 ConvModule of the ablations."""
        conv_kwargs = dict(
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        if use_ds_block:
            return DSBlock(in_channels, out_channels, self.dilations,
                           **conv_kwargs)
        return ConvModule(in_channels, out_channels, 1, **conv_kwargs)

    def vertical_pyramid(self, inputs: List[Tensor]) -> Tensor:
        """V-HSP, Eq. 1: reduce every input, up-sample to x/4, concatenate."""
        reduced = [block(x) for block, x in zip(self.reduce_blocks, inputs)]
        size = reduced[0].shape[2:]
        upsampled = [reduced[0]] + [
            resize(
                x,
                size=size,
                mode='bilinear',
                align_corners=self.align_corners) for x in reduced[1:]
        ]
        return torch.cat(upsampled, dim=1)

    def _forward_feature(self, inputs: Sequence[Tensor]) -> Tensor:
        """Features before ``conv_seg``: V-HSP, H-HSP and the two 3x3 convs.

        Args:
            inputs (Sequence[Tensor]): The encoder outputs.

        Returns:
            Tensor: ``(N, channels, x/4, x/4)`` features.
        """
        feats = self.vertical_pyramid(self._transform_inputs(inputs))
        if self.fusion_proj is not None:
            feats = self.fusion_proj(feats)
        return self.seg_convs(self.fuse_block(feats))

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Logits at the side of the first selected input (x/4)."""
        return self.cls_seg(self._forward_feature(inputs))
