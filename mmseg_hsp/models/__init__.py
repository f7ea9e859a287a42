"""HSP-Net's modules, registered in mmseg's ``MODELS`` on import."""
from .deeplabv3plus_head import DeepLabV3PlusHead
from .ds_block import DSBlock
from .fcn_skip_head import FCNSkipHead
from .hsp_head import HSPHead
from .losses import AdaptiveElasticLoss
from .segmentors import TileBlendEncoderDecoder
from .up_conv import UpConv2x2

__all__ = [
    'DeepLabV3PlusHead', 'DSBlock', 'FCNSkipHead', 'HSPHead',
    'AdaptiveElasticLoss', 'TileBlendEncoderDecoder', 'UpConv2x2'
]
