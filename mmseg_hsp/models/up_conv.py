"""The original U-Net's up-convolution, as an mmseg U-Net upsample module."""
from mmcv.cnn import ConvModule

from mmseg.registry import MODELS


@MODELS.register_module()
class UpConv2x2(ConvModule):
    """A 2x2 transposed convolution of stride 2 (Ronneberger et al., 2015).

    mmseg's ``DeconvModule`` always adds a norm layer; this one follows
    ``norm_cfg`` (``None``: none, with a bias, as the original U-Net), so
    ``UNet(norm_cfg=None, upsample_cfg=dict(type='UpConv2x2'))`` is the
    original network.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        with_cp (bool): Gradient checkpointing, passed by mmseg's
            ``UpConvBlock``; not supported.
        norm_cfg (dict, optional): Norm layer after the convolution.
        act_cfg (dict, optional): Activation after it.
    """

    def __init__(self,
                 in_channels,
                 out_channels,
                 with_cp=False,
                 norm_cfg=None,
                 act_cfg=dict(type='ReLU')):
        if with_cp:
            raise ValueError('UpConv2x2 does not support with_cp=True')
        super().__init__(
            in_channels,
            out_channels,
            2,
            stride=2,
            conv_cfg=dict(type='deconv'),
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
