from .tile_blend_encoder_decoder import TileBlendEncoderDecoder

__all__ = ['TileBlendEncoderDecoder']
