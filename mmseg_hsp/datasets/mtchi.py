"""The MTCHI Task 2 dataset: cervical H&E regions with CIN-grade label maps.

Layout of the public release (and of what our converter and synthetic
generator write)::

    Task2/
      Training/Img/<name>.png          RGB region, pure black outside it
      Training/Truth/Mask_<name>.png   uint8 labels: 0 background (stroma,
      Test/Img/...                     glass: not annotated), 1 normal,
      Test/Truth/...                   2 CIN1, 3 CIN2, 4 CIN3

The mask is named by a *prefix* (``Mask_``), which mmseg's
``BaseSegDataset`` (suffixes only) cannot express.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import mmengine
import numpy as np

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS
from ..grading import tier_palette, two_tier_labels

# The one class vocabulary (names, order, colours) of every output: the
# metric, mmseg's painter (tools/test.py --show-dir, MMSegInferencer), the
# slide outputs (GeoJSON, SEG, TIFF palette, overlay, summary, report).
MTCHI_CLASSES = ('background', 'normal', 'CIN1', 'CIN2', 'CIN3')
# The paper's Figure 4 (black, white, green, blue, red, RGB) but for normal:
# amber, as white cannot be seen over glass or pale H&E, nor under the
# white label text mmseg's painter writes on each class's colour.
MTCHI_PALETTE = [[0, 0, 0], [255, 176, 0], [0, 255, 0], [0, 0, 255],
                 [255, 0, 0]]
MTCHI_MASK_PREFIX = 'Mask_'
# The two tiers (mmseg_hsp.grading): background, normal, LSIL, HSIL, and the
# MTCHI label of each raw label. A tier is drawn in its highest grade's
# colour (LSIL green, HSIL red).
MTCHI_TWO_TIER_CLASSES, MTCHI_TWO_TIER_LABELS = two_tier_labels(MTCHI_CLASSES)
MTCHI_TWO_TIER_PALETTE = tier_palette(MTCHI_PALETTE, MTCHI_TWO_TIER_LABELS)


def files_by_name(files: Sequence[str], suffix: str) -> Dict[str, str]:
    """Files ending in ``suffix`` in any letter case, by name without it.

    Args:
        files (Sequence[str]): File names.
        suffix (str): e.g. ``'.png'`` (``.PNG`` files are included).

    Returns:
        dict[str, str]: ``{'Crop_A': 'Crop_A.PNG', ...}``.
    """
    return {
        f[:-len(suffix)]: f
        for f in files if f.lower().endswith(suffix.lower())
    }


def mtchi_mask_name(image_name: str) -> str:
    """The Task 2 mask file name of an image name.

    Args:
        image_name (str): Image name without extension, e.g.
            ``Crop_B1204944-3-7D``.

    Returns:
        str: e.g. ``Mask_Crop_B1204944-3-7D.png``.
    """
    return f'{MTCHI_MASK_PREFIX}{image_name}.png'


def check_mtchi_mask(
    mask: Optional[np.ndarray],
    mask_path: str,
    image_shape: Optional[Sequence[int]] = None,
    num_classes: int = len(MTCHI_CLASSES)
) -> np.ndarray:
    """Check a decoded MTCHI label map; raise a one-line error naming it.

    Args:
        mask (np.ndarray, optional): The decoded mask, as read (``None`` if
            decoding failed).
        mask_path (str): Its file, named in the errors.
        image_shape (Sequence[int], optional): ``(H, W, ...)`` of the image
            the mask belongs to; checked when given.
        num_classes (int): Labels must lie in ``[0, num_classes)``.
            Defaults to 5 (background, normal, CIN1-3).

    Returns:
        np.ndarray: The mask as a uint8 ``(H, W)`` array.

    Raises:
        ValueError: If the mask is unreadable, not single-channel, not the
            image's size, or holds a label outside ``0..num_classes-1``.
    """
    if mask is None:
        raise ValueError(f'{mask_path}: cannot be decoded as an image; '
                         're-export it as a single-channel PNG')
    if mask.ndim == 3 and mask.shape[2] == 1:
        mask = mask[..., 0]
    if mask.ndim != 2:
        raise ValueError(
            f'{mask_path}: mask has shape {mask.shape}, expected a '
            'single-channel (H, W) label map of values 0-'
            f'{num_classes - 1}, not a colour picture')
    if image_shape is not None and tuple(mask.shape) != tuple(image_shape[:2]):
        raise ValueError(
            f'{mask_path}: mask is {mask.shape[0]}x{mask.shape[1]} (HxW) but '
            f'its image is {image_shape[0]}x{image_shape[1]}; a mask must '
            'match its image pixel for pixel')
    if not np.issubdtype(mask.dtype, np.integer):
        raise ValueError(f'{mask_path}: mask has type {mask.dtype}; expected '
                         'integer labels (uint8)')
    bad = np.unique(mask[(mask < 0) | (mask >= num_classes)])
    if bad.size:
        names = ', '.join(f'{i} {c}' for i, c in enumerate(MTCHI_CLASSES))
        raise ValueError(
            f'{mask_path}: labels {", ".join(map(str, bad[:8]))} are outside '
            f'0-{num_classes - 1} ({names}); fix or remove this mask')
    return mask.astype(np.uint8)


@DATASETS.register_module()
class MTCHIDataset(BaseSegDataset):
    """MTCHI Task 2: ``<name>.png`` images with ``Mask_<name>.png`` masks.

    Without ``ann_file`` every ``*.png`` of ``data_prefix['img_path']`` is a
    sample; with it, each line names one sample (file name without
    extension), which is how the k-fold split files written by
    ``tools/dataset_converters/mtchi.py --folds`` select a fold.

    A missing mask (or a listed image that does not exist) is an error at
    construction: listing two folders is cheap. Mask *content* (its size
    against the image, labels outside 0-4) is checked when the sample is
    loaded, by :class:`LoadMTCHIAnnotations`, which avoids decoding every
    mask up front (7,724 patches for MTCHI) yet fails on the first bad
    sample with its file name, never training on it silently. The patch
    converter checks every mask it reads, so converted sets are checked in
    full once.

    Args:
        img_suffix (str): Image extension. Defaults to '.png'.
        seg_map_prefix (str): Prefix of mask names. Defaults to 'Mask_'.
        seg_map_suffix (str): Mask extension. Defaults to '.png'.
        **kwargs: Other arguments of mmseg's ``BaseSegDataset``
            (``data_root``, ``data_prefix``, ``ann_file``, ``pipeline``...).
    """
    METAINFO = dict(classes=MTCHI_CLASSES, palette=MTCHI_PALETTE)

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_prefix: str = MTCHI_MASK_PREFIX,
                 seg_map_suffix: str = '.png',
                 **kwargs) -> None:
        self.seg_map_prefix = seg_map_prefix
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    def _image_files(self, img_dir: str) -> Dict[str, str]:
        """The folder's images by name (suffix in any letter case)."""
        if not osp.isdir(img_dir):
            raise FileNotFoundError(
                f'{img_dir}: image folder not found; expected the Task 2 '
                'layout <split>/Img/<name>.png (in configs: data_root and '
                'data_prefix; see docs/mtchi.md)')
        return files_by_name(os.listdir(img_dir), self.img_suffix)

    def _sample_names(self, img_dir: str, images: Dict[str, str]) -> List[str]:
        """Names of the samples: the split file's lines, or the folder's."""
        if not self.ann_file:
            if not images:
                raise FileNotFoundError(
                    f'{img_dir}: no *{self.img_suffix} images found')
            return sorted(images)
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'{self.ann_file}: split file not found; write it with '
                'tools/dataset_converters/mtchi.py --folds')
        names = [
            line.strip() for line in mmengine.list_from_file(self.ann_file)
            if line.strip()
        ]
        if not names:
            raise ValueError(
                f'{self.ann_file}: lists no sample (one image name, without '
                'extension, a line); write it with '
                'tools/dataset_converters/mtchi.py --folds')
        missing = [n for n in names if n not in images]
        if missing:
            raise FileNotFoundError(
                f'{self.ann_file}: {len(missing)} listed images are not in '
                f'{img_dir}, e.g. {missing[0]}{self.img_suffix}')
        return names

    def load_data_list(self) -> List[dict]:
        """One entry per image, with its ``Mask_`` label map.

        Returns:
            list[dict]: ``img_path``, ``seg_map_path`` and mmseg's label
            keys, sorted by name (or in split-file order).

        Raises:
            FileNotFoundError: If the image folder, the split file, a listed
                image or any image's mask is missing.
        """
        img_dir = self.data_prefix['img_path']
        ann_dir = self.data_prefix['seg_map_path']
        images = self._image_files(img_dir)
        masks = files_by_name(
            os.listdir(ann_dir) if osp.isdir(ann_dir) else [],
            self.seg_map_suffix)
        data_list = []
        for name in self._sample_names(img_dir, images):
            mask_name = f'{self.seg_map_prefix}{name}'
            if mask_name not in masks:
                raise FileNotFoundError(
                    f'{osp.join(ann_dir, mask_name + self.seg_map_suffix)}: '
                    'mask missing for image '
                    f'{osp.join(img_dir, images[name])}; every '
                    f'image needs {self.seg_map_prefix}<name>'
                    f'{self.seg_map_suffix} in {ann_dir}')
            data_list.append(
                dict(
                    img_path=osp.join(img_dir, images[name]),
                    seg_map_path=osp.join(ann_dir, masks[mask_name]),
                    label_map=self.label_map,
                    reduce_zero_label=self.reduce_zero_label,
                    seg_fields=[]))
        return data_list

    def prepare_data(self, idx: int):
        """The sample through the pipeline, naming it if it cannot be read.

        mmcv's image loader fails with ``failed to load image`` (an
        ``AssertionError``) and Pillow with ``image file is truncated`` (an
        ``OSError``) or a ``SyntaxError``, none of which names the sample
        when they reach the tool: they are raised again as one
        ``ValueError`` naming the image and its mask.

        Args:
            idx (int): Sample index.

        Returns:
            dict: The pipeline's output.
        """
        try:
            return super().prepare_data(idx)
        except (OSError, AssertionError, SyntaxError) as error:
            info = self.get_data_info(idx)
            reason = ' '.join(str(error).split()) or type(error).__name__
            raise ValueError(
                f'{info["img_path"]} (mask {info["seg_map_path"]}): cannot '
                f'be read ({reason}); re-export or remove this sample'
            ) from error


@DATASETS.register_module()
class MTCHITwoTierDataset(MTCHIDataset):
    """MTCHI Task 2 in two tiers: background, normal, LSIL, HSIL.

    The same files as :class:`MTCHIDataset` (five raw labels, checked as
    such by ``LoadMTCHIAnnotations``); mmseg's ``LoadAnnotations`` maps
    them through the dataset's ``label_map``, which is here CIN1 -> LSIL and
    CIN2, CIN3 -> HSIL (:func:`mmseg_hsp.grading.two_tier_labels`) instead
    of mmseg's subset-of-classes map. Background (0, not annotated) stays
    a class, as in the five-label set: the model still learns to tell
    stroma and glass apart, which the slide pipeline needs, and
    ``MTCHIMetric`` still leaves it out of the scores.

    Args:
        **kwargs: Arguments of :class:`MTCHIDataset`. A ``metainfo`` with a
            subset of the tiers is mapped after the tiers, as mmseg maps a
            subset of classes.
    """
    METAINFO = dict(classes=tuple(MTCHI_TWO_TIER_CLASSES),
                    palette=MTCHI_TWO_TIER_PALETTE)

    @classmethod
    def get_label_map(cls,
                      new_classes: Optional[Sequence] = None
                      ) -> Dict[int, int]:
        """Raw MTCHI label -> training label (tier, then ``new_classes``).

        Args:
            new_classes (Sequence, optional): Classes a config's
                ``metainfo`` keeps (mmseg's meaning).

        Returns:
            dict[int, int]: The map ``LoadAnnotations`` applies.
        """
        subset = super().get_label_map(new_classes) or {}
        return {
            raw: subset.get(tier, tier)
            for raw, tier in enumerate(MTCHI_TWO_TIER_LABELS)
        }
