"""Class names and colours of the slide outputs, and where they came from.

The slide pipeline does not import the dataset modules: it reads the names
from the model, in this order:

1. ``checkpoint``: the checkpoint's ``dataset_meta`` (what mmseg's runner
   saves with the weights);
2. ``config``: the ``METAINFO`` of the config's test dataset class, looked
   up by its ``type`` in mmseg's ``DATASETS`` registry (which
   ``import mmseg_hsp`` fills), updated with the dataset's ``metainfo``
   override as ``BaseSegDataset`` does;
3. ``generic``: ``class_0``, ``class_1``, ... in :data:`GENERIC_PALETTE`.

Names are used only when they number the model's classes.

The outputs draw the classes in :attr:`SlideClasses.output_palette`: the
model's palette, with colours a pathologist could not see over H&E (white
or near white: the paper's Normal, as checkpoints trained before the
dataset's palette drew it amber record it) replaced by
:data:`OVER_HE_COLOURS`, the same in the overlay, the TIFF palette and the
GeoJSON.
"""
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
from torch import nn

from mmseg.registry import DATASETS
from ..grading import tier_palette, two_tier_labels

# Black (background), then Sasha Trubetskoy's 20 distinct colours, cycled
# past 21 classes.
GENERIC_PALETTE = [[0, 0, 0], [230, 25, 75], [60, 180, 75], [255, 225, 25],
                   [0, 130, 200], [245, 130, 48], [145, 30, 180],
                   [70, 240, 240], [240, 50, 230], [210, 245, 60],
                   [250, 190, 212], [0, 128, 128], [220, 190, 255],
                   [170, 110, 40], [255, 250, 200], [128, 0, 0],
                   [170, 255, 195], [128, 128, 0], [255, 215, 180],
                   [0, 0, 128], [128, 128, 128]]

# A class colour with every channel at least this is near white: drawn over
# white glass and pale pink H&E at half opacity it can hardly be seen.
NEAR_WHITE = 192
# What near-white class colours are drawn in instead, in order: amber, then
# teal and brown (apart from the paper's green, blue and red grades).
OVER_HE_COLOURS = [[255, 176, 0], [0, 170, 170], [150, 90, 30]]

# How each source reads in logs.
SOURCES = dict(
    checkpoint="from the checkpoint's dataset_meta",
    config="from the config's test dataset",
    generic='generic: neither the checkpoint nor the config names '
    'the model\'s classes')


@dataclass(frozen=True)
class SlideClasses:
    """Names and RGB colours of the label values.

    Args:
        names (list[str]): One name per class.
        palette (list[list[int]]): One RGB colour per class.
        source (str): Where they came from: ``'checkpoint'``, ``'config'``
            or ``'generic'``.
    """
    names: List[str]
    palette: List[List[int]]
    source: str

    def describe(self) -> str:
        """str: One line naming the classes and their source, for logs."""
        return f"classes {', '.join(self.names)} ({SOURCES[self.source]})"

    @property
    def output_palette(self) -> List[List[int]]:
        """list[list[int]]: The colours the outputs draw: :attr:`palette`
        with near-white classes other than background replaced by the first
        :data:`OVER_HE_COLOURS` the palette does not use yet."""
        spare = (colour for colour in OVER_HE_COLOURS + GENERIC_PALETTE[1:]
                 if colour not in self.palette and min(colour) < NEAR_WHITE)
        return [
            next(spare) if index and min(colour) >= NEAR_WHITE else colour
            for index, colour in enumerate(self.palette)
        ]

    def two_tier(self) -> Tuple['SlideClasses', np.ndarray]:
        """The classes in two tiers, and the label lookup table.

        A tier is drawn in the colour of its highest grade (HSIL in CIN3's).

        Returns:
            tuple[SlideClasses, np.ndarray]: Tier names and colours (same
            source), and the uint8 tier of each label value.

        Raises:
            ValueError: If the classes lack CIN1, CIN2 or CIN3.
        """
        names, table = two_tier_labels(self.names)
        return SlideClasses(names, tier_palette(self.palette, table),
                            self.source), np.array(table, np.uint8)

    @classmethod
    def of_model(cls, model: nn.Module, num_classes: int) -> 'SlideClasses':
        """The model's classes (see the module docstring for the order).

        Args:
            model (nn.Module): The segmentor; reads ``dataset_meta`` and
                ``cfg`` (set by mmseg's ``init_model``) when present.
            num_classes (int): Its score channels.

        Returns:
            SlideClasses: Names, palette and their source.
        """
        candidates = (('checkpoint', getattr(model, 'dataset_meta', None)),
                      ('config', _test_dataset_meta(model)))
        for source, meta in candidates:
            names = (meta or {}).get('classes')
            if names is not None and len(names) == num_classes:
                palette = _palette(meta.get('palette'), num_classes)
                return cls(list(names), palette, source)
        return cls([f'class_{i}' for i in range(num_classes)],
                   _palette(None, num_classes), 'generic')


def _palette(palette: Optional[list], num_classes: int) -> List[List[int]]:
    """The given colours when there are enough, else the generic ones."""
    if palette is None or len(palette) < num_classes:
        palette = [
            GENERIC_PALETTE[i % len(GENERIC_PALETTE)]
            for i in range(num_classes)
        ]
    return [list(colour) for colour in palette[:num_classes]]


def _test_dataset_meta(model: nn.Module) -> Optional[dict]:
    """``METAINFO`` of the config's test dataset class, with its override."""
    cfg = getattr(model, 'cfg', None) or {}
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    kind = dataset.get('type')
    dataset_class = DATASETS.get(kind) if isinstance(kind, str) else kind
    if dataset_class is None:
        return None
    return dict(getattr(dataset_class, 'METAINFO', {}),
                **(dataset.get('metainfo') or {}))

