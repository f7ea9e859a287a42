"""HSP-Net's modules, registered in mmseg's ``MODELS`` on import."""
from .ds_block import DSBlock
from .hsp_head import HSPHead
from .losses import AdaptiveElasticLoss
from .segmentors import TileBlendEncoderDecoder

__all__ = [
    'DSBlock', 'HSPHead', 'AdaptiveElasticLoss', 'TileBlendEncoderDecoder'
]
