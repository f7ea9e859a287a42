"""The down-sampling block (DS-Block) of HSP-Net, Section 3.3 and Figure 3."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmseg.models.decode_heads.aspp_head import ASPPModule
from mmseg.utils import ConfigType, OptConfigType


class DSBlock(BaseModule):
    """DS-Block: five parallel branches, concatenated and projected.

    A ``(c, x', x')`` input goes in parallel through

    - global average pooling, a 1x1 conv, and up-sampling back to ``x'``;
    - a 1x1 conv;
    - one 3x3 atrous conv per dilation (6, 12 and 18 in the paper);

    each giving ``c'`` channels. The ``5c'`` concatenation is reduced back to
    ``c'`` by a 1x1 conv. This is what mmseg's ``ASPPHead`` is made of: the
    1x1 and atrous branches are its :class:`ASPPModule` with dilations
    ``(1, *dilations)`` (so a dilation of 1 gives a 1x1 conv there, as in
    mmseg), beside the same image-pool branch; the projection is 1x1 where
    ASPPHead's bottleneck is 3x3. Every conv is a :class:`ConvModule` (conv,
    norm, activation), as the paper puts BN and ReLU after all convs but the
    segmentation output.

    The pooled branch is a ``1x1`` map, so its bilinear up-sampling is a
    constant map: it is broadcast with ``expand`` instead of interpolated,
    which gives the same values without an interpolation kernel.

    Args:
        in_channels (int): Input channels ``c``.
        out_channels (int): Channels ``c'`` of every branch and of the output.
        dilations (Sequence[int]): Dilations of the 3x3 atrous branches.
            Defaults to (6, 12, 18).
        conv_cfg (dict, optional): Config of conv layers. Defaults to None.
        norm_cfg (dict, optional): Config of norm layers. Defaults to None.
        act_cfg (dict): Config of activation layers.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 dilations: Sequence[int] = (6, 12, 18),
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = None,
                 act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.dilations = tuple(dilations)
        conv_kwargs = dict(
            conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.image_pool = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            ConvModule(in_channels, out_channels, 1, **conv_kwargs))
        self.branches = ASPPModule((1, *self.dilations), in_channels,
                                   out_channels, **conv_kwargs)
        self.project = ConvModule((len(self.branches) + 1) * out_channels,
                                  out_channels, 1, **conv_kwargs)

    def forward(self, x: Tensor) -> Tensor:
        """Reduce ``x`` of shape (N, c, h, w) to (N, c', h, w)."""
        pooled = self.image_pool(x).expand(-1, -1, *x.shape[2:])
        return self.project(torch.cat([pooled, *self.branches(x)], dim=1))
