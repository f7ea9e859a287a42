"""Atrous layers and the patch: which taps see the feature map, and scaling.

An atrous (dilated) 3x3 convolution of dilation ``d`` reads its centre and
eight off-centre taps ``d`` pixels away. On a feature map of side ``s`` a tap
that falls past the edge reads zero padding; once ``d >= s`` every
off-centre tap does, and the layer is a 1x1 convolution in disguise. The
paper's rates (6, 12, 18 in DS-Blocks and ASPP) were chosen for 400 px
patches; a smaller patch shrinks every map, so the rates are scaled with it
(:func:`scale_dilation`) to keep what the layers see.
"""
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import torch
from torch import nn

# The patch side the paper's dilations were chosen for (Section 4.1).
PAPER_PATCH = 400


def scale_dilation(dilation: int, patch: int,
                   reference: int = PAPER_PATCH) -> int:
    """A dilation chosen for ``reference`` px patches, for ``patch`` px.

    ``dilation * patch / reference``, rounded, and at least 2 for an atrous
    dilation: in mmseg's ``ASPPModule`` (which DS-Blocks and ASPP are made
    of) a dilation of 1 means a 1x1 branch, so an atrous rate rounded down
    to 1 would silently turn a 3x3 atrous branch into a second 1x1 one. A
    dilation of 1 stays 1.

    Args:
        dilation (int): The dilation at ``reference``.
        patch (int): The patch side used.
        reference (int): The patch side the dilation was chosen for.

    Returns:
        int: The scaled dilation.
    """
    if dilation == 1:
        return 1
    return max(2, round(dilation * patch / reference))


def scale_head_dilations(model: dict, patch: int,
                         reference: int = PAPER_PATCH) -> None:
    """Scale the decode head's atrous rates (DS-Blocks, ASPP) in place.

    Only the head's context modules are scaled: their rates are chosen
    against the feature map's size. An encoder's dilations (a stride-16 or
    stride-8 ResNet) replace the strides they remove, so that each layer
    keeps the receptive field of its strided original; they depend on the
    output stride, not on the patch, and are kept.

    Args:
        model (dict): ``cfg.model``.
        patch (int): The patch side used.
        reference (int): The patch side the rates were chosen for.
    """
    head = model['decode_head']
    if 'dilations' in head:
        head['dilations'] = type(head['dilations'])(
            scale_dilation(d, patch, reference) for d in head['dilations'])


def tap_share(dilation: int, side: int, kernel: int = 3) -> float:
    """Share of a dilated kernel's off-centre taps inside a square map.

    Averaged over every output position of a ``side`` x ``side`` map (with
    the 'same' padding of atrous layers): a tap at offset ``(a d, b d)``
    is inside when the position plus the offset is on the map.

    Args:
        dilation (int): The dilation ``d``.
        side (int): The feature map's side.
        kernel (int): The kernel's side (odd).

    Returns:
        float: In [0, 1]; 0 when ``dilation * (kernel // 2) >= side`` for
        every offset.
    """
    offsets = range(-(kernel // 2), kernel // 2 + 1)

    def inside(k: int) -> float:  # share of positions i with 0 <= i+kd < s
        return max(0, side - abs(k) * dilation) / side

    taps = [(a, b) for a in offsets for b in offsets if (a, b) != (0, 0)]
    return sum(inside(a) * inside(b) for a, b in taps) / len(taps)


@dataclass(frozen=True)
class AtrousLayer:
    """One atrous convolution as a forward pass met it.

    Attributes:
        name (str): The module's name in the model.
        dilation (int): Its dilation.
        kernel (int): Its kernel side.
        side (int): The side of the map it read (the smaller of the two).
    """
    name: str
    dilation: int
    kernel: int
    side: int

    @property
    def share(self) -> float:
        """:func:`tap_share` of this layer on its map."""
        return tap_share(self.dilation, self.side, self.kernel)


def atrous_layers(model: nn.Module, patch: int) -> List[AtrousLayer]:
    """Every atrous convolution of ``model`` on a ``patch`` px input.

    A forward pass of a zero image records each ``nn.Conv2d`` with a
    kernel larger than 1 and a dilation larger than 1 (encoder and head
    alike) with the map it reads.

    Args:
        model (nn.Module): A segmentor (``encode_decode``) in eval mode or
            not; it is put in eval mode.
        patch (int): The input side.

    Returns:
        list[AtrousLayer]: In forward order.
    """
    layers = []

    def record(name):

        def hook(module, args):
            layers.append(
                AtrousLayer(name, module.dilation[0], module.kernel_size[0],
                            min(args[0].shape[2:])))

        return hook

    handles = [
        module.register_forward_pre_hook(record(name))
        for name, module in model.named_modules()
        if isinstance(module, nn.Conv2d) and max(module.dilation) > 1
        and max(module.kernel_size) > 1
    ]
    model.eval()
    try:
        with torch.no_grad():
            model.encode_decode(
                torch.zeros(1, 3, patch, patch),
                [dict(img_shape=(patch, patch))])
    finally:
        for handle in handles:
            handle.remove()
    return layers


def compare_tap_shares(
        small: Sequence[AtrousLayer], paper: Sequence[AtrousLayer]
) -> List[Tuple[str, float, float]]:
    """Pair a miniature's atrous layers with the paper-sized model's.

    Args:
        small (Sequence[AtrousLayer]): :func:`atrous_layers` of the
            miniature, at its patch.
        paper (Sequence[AtrousLayer]): The same network's at 400 px.

    Returns:
        list[tuple[str, float, float]]: ``(name, share small, share paper)``
        per layer.

    Raises:
        ValueError: If the two models' atrous layers differ in names.
    """
    if [layer.name for layer in small] != [layer.name for layer in paper]:
        raise ValueError('the two models have different atrous layers: '
                         f'{[layer.name for layer in small]} vs '
                         f'{[layer.name for layer in paper]}')
    return [(a.name, a.share, b.share) for a, b in zip(small, paper)]
