"""DeepLab v3+'s head as published, at the paper's Table 5 size."""
from mmcv.cnn import ConvModule
from torch import nn

from mmseg.models.decode_heads import DepthwiseSeparableASPPHead
from mmseg.models.decode_heads.aspp_head import ASPPModule
from mmseg.registry import MODELS


@MODELS.register_module()
class DeepLabV3PlusHead(DepthwiseSeparableASPPHead):
    """DeepLab v3+ (Chen et al., 2018) with regular convolutions.

    mmseg's :class:`DepthwiseSeparableASPPHead` with the layers of the
    reference implementations the HSP-Net paper compares with (Table 5,
    59.34M parameters with a ResNet-101 at output stride 16): ASPP of
    regular 3x3 atrous convolutions (not separable), a 1x1 projection of
    the concatenated branches (mmseg: 3x3) and a decoder of two regular 3x3
    convolutions. The forward pass is the parent's.

    Args:
        c1_in_channels (int): Channels of the low-level feature (stage 1).
        c1_channels (int): Its reduction before the decoder (48 in the
            paper's DeepLab v3+).
        **kwargs: Arguments of :class:`ASPPHead` (``dilations``,
            ``channels``, ...).
    """

    def __init__(self, c1_in_channels, c1_channels, **kwargs):
        super().__init__(c1_in_channels, c1_channels, **kwargs)
        conv = dict(
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.aspp_modules = ASPPModule(self.dilations, self.in_channels,
                                       self.channels, **conv)
        self.bottleneck = ConvModule(
            (len(self.dilations) + 1) * self.channels, self.channels, 1,
            **conv)
        self.sep_bottleneck = nn.Sequential(
            ConvModule(
                self.channels + c1_channels,
                self.channels,
                3,
                padding=1,
                **conv),
            ConvModule(self.channels, self.channels, 3, padding=1, **conv))
