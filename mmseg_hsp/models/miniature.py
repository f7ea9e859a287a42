"""A miniature of a model config: narrower, smaller patches, same mechanism.
"""
from .atrous import PAPER_PATCH, scale_head_dilations

# Channel settings that make a network's width: mmseg's ResNets widen from
# stem and base (default 64 each), its UNet from base.
BACKBONE_WIDTHS = {
    'UNet': dict(base_channels=64),
    'ResNet': dict(stem_channels=64, base_channels=64),
    'ResNetV1c': dict(stem_channels=64, base_channels=64),
}
HEAD_WIDTHS = ('in_channels', 'channels', 'c1_in_channels', 'c1_channels',
               'ds_channels')


def miniature(model: dict,
              patch: int,
              width_divisor: int = 4,
              reference: int = PAPER_PATCH) -> None:
    """Make ``model`` a miniature for ``patch`` px patches, in place.

    One reduction for every network:

    - every channel width divided by ``width_divisor``: the encoder's stem
      and base widths (so every stage) and the head's input, inner,
      low-level and DS-Block widths; depths and output strides are kept;
    - the head's atrous rates (DS-Blocks, ASPP) scaled by ``patch /
      reference`` (:func:`~mmseg_hsp.models.atrous.scale_dilation`), so
      that they see as much of the smaller feature maps as the paper's
      rates see of a 400 px patch's;
    - nothing pretrained (no such weights exist at reduced width).

    Args:
        model (dict): ``cfg.model``, modified in place.
        patch (int): The miniature's patch side.
        width_divisor (int): The channel divisor.
        reference (int): The patch side of the full-size model.

    Raises:
        ValueError: If the encoder is of a type whose width settings are
            not known (not in :data:`BACKBONE_WIDTHS`).
    """
    backbone, head = model['backbone'], model['decode_head']
    if backbone['type'] not in BACKBONE_WIDTHS:
        raise ValueError(
            f'miniature: no width settings for a {backbone["type"]!r} '
            f'encoder; known: {sorted(BACKBONE_WIDTHS)} (add it to '
            'BACKBONE_WIDTHS)')
    for key, default in BACKBONE_WIDTHS[backbone['type']].items():
        backbone[key] = backbone.get(key, default) // width_divisor
    for key in HEAD_WIDTHS:
        value = head.get(key)
        if isinstance(value, (list, tuple)):
            head[key] = type(value)(v // width_divisor for v in value)
        elif value is not None:
            head[key] = value // width_divisor
    scale_head_dilations(model, patch, reference)
    model['pretrained'] = None
    backbone['init_cfg'] = None
