"""Cropping MTCHI regions (or whole slides) into training patches.

Section 4.1: the training regions are cropped at x10 into 400x400 patches
with stride 100, and patches whose annotated share (label != 0) is under 20%
are dropped (7,724 patches remain). Windows start at 0 and step by the
stride while they fit; a region smaller than a patch gives none.

Sources are read one at a time (a whole slide is read window by window,
by the slide pipeline's reader), and a patch set is written to a temporary
folder that replaces the target only when complete. The output folder may
not be, hold or lie in an input folder, and a folder is replaced only when
its marker (``MARKER``) says the converter wrote all of it: ``--overwrite``
never removes a user's data.
``tools/dataset_converters/mtchi.py`` is the CLI.
"""
import json
import os
import os.path as osp
import random
import shutil
from contextlib import contextmanager
from functools import partial
from typing import (Callable, Dict, Iterator, List, NamedTuple, Optional,
                    Sequence, Tuple)

import cv2
import numpy as np

from ..fileio import atomic_folder, write_json, write_png
from ..slide_io import (ScaledRegion, SlideError, SlideReader, collect_slides,
                        open_slide, resolve_scale)
from .mtchi import MTCHIDataset, check_mtchi_mask, mtchi_mask_name

# The converter's mark on each folder it writes, listing the folder's files:
# an existing output folder is replaced only when it holds no other file.
MARKER = '.mmseg_hsp_converter.json'

# Unscanned (transparent) slide pixels become pure black, like the outside
# of a Task 2 region (the slide pipeline puts them on white glass instead).
UNSCANNED_RGB = (0, 0, 0)


def read_mask(mask_path: str, image_shape=None) -> np.ndarray:
    """Read and check a Task 2 label map.

    Args:
        mask_path (str): The mask file (PNG or TIFF).
        image_shape (tuple, optional): Shape it must match.

    Returns:
        np.ndarray: uint8 ``(H, W)`` labels.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: See :func:`check_mtchi_mask`.
    """
    if not osp.isfile(mask_path):
        raise FileNotFoundError(f'{mask_path}: mask missing')
    return check_mtchi_mask(
        cv2.imread(mask_path, cv2.IMREAD_UNCHANGED), mask_path, image_shape)


class MaskLabels:
    """A label map kept whole in memory, cut into windows at a target scale.

    Args:
        mask (np.ndarray): uint8 label map.
        scale (float): Mask pixels per target pixel.
    """

    def __init__(self, mask: np.ndarray, scale: float) -> None:
        self.mask = mask
        self.scale = scale
        # Summed-area table of annotated pixels: a window's share in O(1).
        self._annotated = cv2.integral(
            (mask != 0).astype(np.uint8), sdepth=cv2.CV_64F)

    def _mask_window(self, y: int, x: int, side: int) -> Tuple[slice, slice]:
        y0, x0 = round(y * self.scale), round(x * self.scale)
        y1 = max(round((y + side) * self.scale), y0 + 1)
        x1 = max(round((x + side) * self.scale), x0 + 1)
        return slice(y0, y1), slice(x0, x1)

    def annotated_share(self, y: int, x: int, side: int) -> float:
        """Share of annotated (label != 0) pixels in a window.

        Args:
            y (int): Top of the window (target pixels).
            x (int): Left of the window.
            side (int): Window side.

        Returns:
            float: In [0, 1].
        """
        rows, cols = self._mask_window(y, x, side)
        t = self._annotated
        total = (
            t[rows.stop, cols.stop] - t[rows.start, cols.stop] -
            t[rows.stop, cols.start] + t[rows.start, cols.start])
        return total / ((rows.stop - rows.start) * (cols.stop - cols.start))

    def read(self, y: int, x: int, side: int) -> np.ndarray:
        """The labels of a window at the target scale (nearest)."""
        rows, cols = self._mask_window(y, x, side)
        return cv2.resize(
            self.mask[rows, cols], (side, side),
            interpolation=cv2.INTER_NEAREST)


class PatchSource:
    """An image with its labels, cut into windows at a target scale.

    Subclasses provide :meth:`read_image`; the labels come from a label
    source (:class:`MaskLabels`, or any object with its
    ``annotated_share`` and ``read``, e.g. annotation polygons drawn window
    by window).

    Args:
        name (str): Name of the source; patches are ``<name>_<y>_<x>``.
        size (tuple[int, int]): ``(H, W)`` at the target scale.
        labels (MaskLabels): The label source.
    """

    def __init__(self, name: str, size: Tuple[int, int], labels) -> None:
        self.name = name
        self.size = size
        self.labels = labels

    def annotated_share(self, y: int, x: int, side: int) -> float:
        """Share of annotated (label != 0) pixels in a window, in [0, 1]."""
        return self.labels.annotated_share(y, x, side)

    def read_mask(self, y: int, x: int, side: int) -> np.ndarray:
        """The labels of a window at the target scale."""
        return self.labels.read(y, x, side)

    def read_image(self, y: int, x: int, side: int) -> np.ndarray:
        """The RGB image of a window at the target scale."""
        raise NotImplementedError


class RegionSource(PatchSource):
    """A Task 2 region: ``Img/<name>.png`` with ``Truth/Mask_<name>.png``.

    Args:
        img_path (str): The region image.
        mask_path (str): Its label map, checked on reading.
        scale (float): Resize factor to the target magnification (e.g. 0.5
            for x20 regions cropped at x10). Defaults to 1.
    """

    def __init__(self, img_path: str, mask_path: str, scale: float = 1.0):
        image = cv2.imread(img_path, cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f'{img_path}: cannot be read as an image')
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        mask = read_mask(mask_path, image.shape)
        if scale != 1:
            size = (round(image.shape[1] * scale),
                    round(image.shape[0] * scale))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            mask = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
        self.image = image
        super().__init__(
            osp.splitext(osp.basename(img_path))[0], image.shape[:2],
            MaskLabels(mask, 1.0))

    def read_image(self, y: int, x: int, side: int) -> np.ndarray:
        return self.image[y:y + side, x:x + side]


class SlideGeometry(NamedTuple):
    """What a label source of a slide is fitted to.

    Args:
        path (str): The slide.
        reader (SlideReader): It, open.
        downsample (float): Level-0 pixels per target pixel.
        size (tuple[int, int]): ``(H, W)`` at the target scale.
    """
    path: str
    reader: SlideReader
    downsample: float
    size: Tuple[int, int]


def whole_slide_mask(mask_path: str) -> Callable[[SlideGeometry], MaskLabels]:
    """The label source of a mask covering a slide's whole level-0 extent
    at any resolution of the same aspect ratio (MTCHI's ``--slide-masks``).

    Args:
        mask_path (str): The mask (PNG or TIFF).

    Returns:
        Callable[[SlideGeometry], MaskLabels]: For :class:`SlideSource`.
    """
    return partial(_whole_slide_mask, mask_path)


def _whole_slide_mask(mask_path: str, slide: SlideGeometry) -> MaskLabels:
    width, height = slide.reader.level_dimensions[0]
    mask = read_mask(mask_path)
    aspect = height / width
    if abs(mask.shape[0] / mask.shape[1] - aspect) > 0.01 * aspect:
        raise ValueError(
            f'{mask_path}: mask is {mask.shape[1]}x{mask.shape[0]} (WxH), '
            f'not the aspect of slide {slide.path} ({width}x{height}); '
            'the mask must cover the whole slide')
    return MaskLabels(mask, mask.shape[0] / slide.size[0])


class SlideSource(PatchSource):
    """A whole slide with labels, read as the slide pipeline reads it.

    The slide is opened by :func:`mmseg_hsp.slide_io.open_slide` and read
    at ``magnification`` (:func:`~mmseg_hsp.slide_io.resolve_scale`) by a
    :class:`~mmseg_hsp.slide_io.ScaledRegion`: from the nearest finer
    pyramid level, resampled with area interpolation. Unscanned pixels are
    pure black (``UNSCANNED_RGB``). Only windows inside the slide are cut.
    The labels come from ``labels``, fitted to the slide's geometry: a mask
    (:func:`whole_slide_mask`) or annotation polygons
    (:mod:`.slide_patches`). The slide's native magnification is its
    objective power, else ``10 / mpp`` (x10 is about 1 um per pixel), else
    ``base_magnification`` (or ``input_mpp``).

    Args:
        slide_path (str): Any slide the reader opens (OpenSlide formats,
            DICOM, TIFF, PNG/JPEG).
        labels (Callable[[SlideGeometry], Any]): Makes the label source.
        magnification (float): Target magnification, e.g. 10.
        base_magnification (float, optional): Level-0 magnification when the
            slide has no metadata; it overrides the metadata when given.
        input_mpp (float, optional): Level-0 microns per pixel, the same way.
        resolution_flags (str): The flags that give the level-0 resolution,
            named when a slide has none. Defaults to MTCHI's.
    """

    def __init__(self,
                 slide_path: str,
                 labels: Callable[[SlideGeometry], MaskLabels],
                 magnification: float,
                 base_magnification: Optional[float] = None,
                 input_mpp: Optional[float] = None,
                 resolution_flags: str = '--base-magnification') -> None:
        try:
            reader = open_slide(slide_path, fill_rgb=UNSCANNED_RGB)
        except SlideError as e:
            raise ValueError(str(e)) from None
        if base_magnification is None and input_mpp is None and \
                reader.objective_power is None and reader.mpp is None:
            raise ValueError(f'{slide_path}: no objective power or microns '
                             'per pixel in its metadata; give '
                             f'{resolution_flags}')
        try:
            downsample = resolve_scale(
                reader, magnification, input_mpp=input_mpp,
                input_magnification=base_magnification).downsample
        except SlideError as e:
            raise ValueError(str(e)) from None
        width, height = reader.level_dimensions[0]
        self.region = ScaledRegion(reader, downsample, (0, 0, width, height))
        # Floor, not the region's ceil: a window never reaches past the edge.
        size = (int(height / downsample), int(width / downsample))
        super().__init__(
            osp.splitext(osp.basename(slide_path))[0], size,
            labels(SlideGeometry(slide_path, reader, downsample, size)))

    def read_image(self, y: int, x: int, side: int) -> np.ndarray:
        return self.region.read(y, x, side, side)


class OutDirRefused(ValueError):
    """An output folder the converter will not write: an input folder, or
    one holding files it did not write."""


def _inside(path: str, folder: str) -> bool:
    return osp.commonpath([path, folder]) == folder


def check_out_dir(out_dir: str, root: Optional[str],
                  inputs: Sequence[str]) -> None:
    """Refuse an output folder that would replace the converter's inputs.

    Writing the patch set replaces ``out_dir`` as a whole, so an out-dir
    that is, holds or lies in an input folder would delete the inputs.
    ``root`` (the Task 2 folder) holds the default out-dir, so only an
    out-dir that is or holds it is refused.

    Args:
        out_dir (str): The output folder.
        root (str, optional): The Task 2 folder.
        inputs (Sequence[str]): Folders read from (split folders, slide and
            mask folders).

    Raises:
        OutDirRefused: Naming both folders and the fix.
    """
    out = osp.realpath(out_dir)
    clashes = [(folder, 'is' if out == osp.realpath(folder) else
                'holds' if _inside(osp.realpath(folder), out) else 'lies in')
               for folder in inputs if osp.exists(folder) and (
                   _inside(out, osp.realpath(folder))
                   or _inside(osp.realpath(folder), out))]
    if root is not None and _inside(osp.realpath(root), out):
        clashes.insert(0, (root, 'is' if out == osp.realpath(root) else
                           'holds'))
    if clashes:
        folder, relation = clashes[0]
        raise OutDirRefused(
            f'--out-dir {out_dir} {relation} the input folder {folder}: '
            'writing patches there would replace the inputs; choose another '
            '--out-dir')


def _listed_files(folder: str) -> List[str]:
    """Every file below ``folder``, relative, ``/``-separated, sorted."""
    return sorted(
        osp.relpath(osp.join(parent, name), folder).replace(os.sep, '/')
        for parent, _, names in os.walk(folder) for name in names)


def check_replaceable(out_dir: str, overwrite: bool) -> None:
    """Refuse to replace a folder the converter did not write all of.

    Args:
        out_dir (str): The output folder.
        overwrite (bool): Whether a previous patch set may be replaced.

    Raises:
        OutDirRefused: If ``out_dir`` is a file, holds files without the
            converter's marker or beyond those it lists, or (without
            ``overwrite``) is a previous patch set.
    """
    if not osp.exists(out_dir) or (osp.isdir(out_dir)
                                   and not os.listdir(out_dir)):
        return
    if not osp.isdir(out_dir):
        raise OutDirRefused(f'--out-dir {out_dir} is a file; choose another '
                            '--out-dir')
    marker = osp.join(out_dir, MARKER)
    if not osp.isfile(marker):
        raise OutDirRefused(
            f'--out-dir {out_dir} exists and was not written by the '
            f'converter (no {MARKER} in it), so even --overwrite leaves it '
            'alone; choose another --out-dir')
    if not overwrite:
        raise OutDirRefused(f'--out-dir {out_dir} holds patches written '
                            'before; pass --overwrite to replace them')
    with open(marker) as f:
        written = set(json.load(f).get('files', ()))
    foreign = [
        name for name in _listed_files(out_dir)
        if name not in written and name != MARKER
    ]
    if foreign:
        raise OutDirRefused(
            f'--out-dir {out_dir} holds {len(foreign)} file(s) the converter '
            f'did not write ({", ".join(foreign[:3])}); move them out or '
            'choose another --out-dir')


@contextmanager
def converter_folder(out_dir: str, overwrite: bool) -> Iterator[str]:
    """:func:`~mmseg_hsp.fileio.atomic_folder` that replaces only a folder
    the converter wrote, and marks what it writes.

    Args:
        out_dir (str): The output folder.
        overwrite (bool): Replace a previous patch set.

    Yields:
        str: The temporary folder to fill.
    """
    check_replaceable(out_dir, overwrite)
    with atomic_folder(out_dir, overwrite=True) as tmp:
        yield tmp
        write_json(
            osp.join(tmp, MARKER),
            dict(written_by='mmseg_hsp MTCHI converter',
                 files=_listed_files(tmp)))


def window_origins(size: Tuple[int, int], side: int,
                   stride: int) -> List[Tuple[int, int]]:
    """Top-left corners of the windows that fit, row by row.

    Args:
        size (tuple[int, int]): ``(H, W)``.
        side (int): Window side.
        stride (int): Step.

    Returns:
        list[tuple[int, int]]: ``(y, x)`` corners.
    """
    return [(y, x) for y in range(0, size[0] - side + 1, stride)
            for x in range(0, size[1] - side + 1, stride)]


def crop_source(source: PatchSource, out_dir: str, patch_size: int,
                stride: int, min_annotated: float) -> Tuple[List[str], int]:
    """Write the kept patches of one source into ``out_dir/{Img,Truth}``.

    Args:
        source (PatchSource): The region or slide.
        out_dir (str): Folder holding ``Img`` and ``Truth``.
        patch_size (int): Patch side (target pixels).
        stride (int): Window step.
        min_annotated (float): Keep windows whose annotated share is at
            least this.

    Returns:
        tuple[list[str], int]: Names of the written patches, and the number
        of windows dropped.
    """
    names = []
    origins = window_origins(source.size, patch_size, stride)
    try:
        for y, x in origins:
            if source.annotated_share(y, x, patch_size) < min_annotated:
                continue
            name = f'{source.name}_{y:05d}_{x:05d}'
            names.append(name)
            # No flush per patch: the folder's rename commits them all.
            write_png(
                osp.join(out_dir, 'Img', name + '.png'),
                source.read_image(y, x, patch_size),
                fsync=False)
            write_png(
                osp.join(out_dir, 'Truth', mtchi_mask_name(name)),
                source.read_mask(y, x, patch_size),
                fsync=False)
    except BaseException:
        # A source read halfway leaves none of its patches behind.
        for name in names:
            for path in (osp.join(out_dir, 'Img', name + '.png'),
                         osp.join(out_dir, 'Truth', mtchi_mask_name(name))):
                if osp.exists(path):
                    os.remove(path)
        raise
    return names, len(origins) - len(names)


def task2_regions(split_dir: str) -> List[Tuple[str, str]]:
    """``(image, mask)`` paths of a Task 2 split folder, sorted by name.

    The listing is :class:`MTCHIDataset`'s, so the converter and training
    see the same samples and fail on the same missing files.

    Args:
        split_dir (str): e.g. ``data/MTCHI/Task2/Training``.

    Returns:
        list[tuple[str, str]]: One pair per ``Img/*.png``.

    Raises:
        FileNotFoundError: If ``Img`` is missing or empty, or a mask is.
    """
    dataset = MTCHIDataset(
        data_root=split_dir,
        data_prefix=dict(img_path='Img', seg_map_path='Truth'),
        lazy_init=True)
    return [(sample['img_path'], sample['seg_map_path'])
            for sample in dataset.load_data_list()]


def convert_sources(sources: Sequence[Callable[[], PatchSource]],
                    out_dir: str,
                    patch_size: int = 400,
                    stride: int = 100,
                    min_annotated: float = 0.2,
                    overwrite: bool = False,
                    progress: bool = True) -> Dict[str, List[str]]:
    """Crop sources into a patch folder ``out_dir/{Img,Truth}``.

    Args:
        sources (Sequence[Callable[[], PatchSource]]): Functions opening each
            source, called one at a time so that only one is in memory.
        out_dir (str): Output folder, replaced atomically, and only when
            the converter wrote all of it (:func:`check_replaceable`).
        patch_size (int): Patch side. Defaults to 400.
        stride (int): Window step. Defaults to 100.
        min_annotated (float): Minimum annotated share of a kept patch.
            Defaults to 0.2.
        overwrite (bool): Replace a patch set written before. Defaults to
            False.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        dict[str, list[str]]: Patch names per source name.
    """
    with converter_folder(out_dir, overwrite) as tmp:
        patches = crop_all(sources, tmp, patch_size, stride, min_annotated,
                           progress)
    return patches


def convert_regions(split_dir: str,
                    out_dir: str,
                    scale: float = 1.0,
                    **kwargs) -> Dict[str, List[str]]:
    """Crop the regions of a Task 2 split folder, e.g. ``Task2/Training``.

    Args:
        split_dir (str): Folder holding ``Img`` and ``Truth``.
        out_dir (str): Output folder, replaced atomically.
        scale (float): Resize factor of the regions. Defaults to 1.
        **kwargs: ``patch_size``, ``stride``, ``min_annotated``,
            ``overwrite``, ``progress`` of :func:`convert_sources`.

    Returns:
        dict[str, list[str]]: Patch names per region.
    """
    return convert_sources([
        partial(RegionSource, image, mask, scale)
        for image, mask in task2_regions(split_dir)
    ], out_dir, **kwargs)


def crop_all(sources,
              out_dir,
              patch_size,
              stride,
              min_annotated,
              progress,
              on_error: Optional[Callable[[Exception], None]] = None
              ) -> Dict[str, List[str]]:
    """Crop every source into ``out_dir``; a source that cannot be opened
    or read (``OSError``, ``ValueError``) stops the run, or, with
    ``on_error``, is told to it and left out (its patches removed)."""
    from rich.progress import Progress
    os.makedirs(osp.join(out_dir, 'Img'), exist_ok=True)
    os.makedirs(osp.join(out_dir, 'Truth'), exist_ok=True)
    patches, dropped = {}, 0
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task(f'cropping into {out_dir}', total=len(sources))
        for open_source in sources:
            try:
                source = open_source()
                if source.name in patches:
                    raise ValueError(f'two sources are named {source.name}; '
                                     'patch names would collide')
                patches[source.name], n_dropped = crop_source(
                    source, out_dir, patch_size, stride, min_annotated)
            except (OSError, ValueError) as error:
                if on_error is None:
                    raise
                on_error(error)
                continue
            finally:
                bar.advance(task)
            dropped += n_dropped
    kept = sum(map(len, patches.values()))
    if not kept:
        raise ValueError(
            f'no patch kept: none of the {dropped} windows of '
            f'{patch_size}x{patch_size} has an annotated share >= '
            f'{min_annotated:g}; check the masks or lower --min-annotated')
    print(f'{kept} patches of {patch_size}x{patch_size} (stride {stride}) '
          f'from {len(patches)} sources; {dropped} windows dropped with '
          f'annotated share < {min_annotated:g}')
    return patches


def fold_assignment(training: Sequence[str], test: Sequence[str],
                    num_folds: int, seed: int) -> Dict[str, int]:
    """Section 4.4: the test set is fold 0, training regions fill the rest.

    Args:
        training (Sequence[str]): Training region names.
        test (Sequence[str]): Test region names.
        num_folds (int): Number of folds (4 in the paper).
        seed (int): Shuffling seed of the training regions.

    Returns:
        dict[str, int]: Fold of each region.
    """
    if num_folds < 2:
        raise ValueError(f'--folds {num_folds}: need at least 2')
    shuffled = sorted(training)
    random.Random(seed).shuffle(shuffled)
    folds = {name: 0 for name in test}
    for i, name in enumerate(shuffled):
        folds[name] = 1 + i % (num_folds - 1)
    return folds


def write_cross_validation(root: str,
                           num_folds: int = 4,
                           seed: int = 0,
                           overwrite: bool = False,
                           **crop_args) -> Dict[str, int]:
    """Patches and split files for k-fold cross-validation (Section 4.4).

    Writes ``<root>/CrossVal/``: ``Regions/{Img,Truth}`` (links to all
    Training and Test regions), ``Patches/{Img,Truth}`` (their patches),
    ``splits/fold<k>_train.txt`` (patches of the other folds' regions),
    ``splits/fold<k>_test.txt`` (regions of fold k) and ``folds.json``.

    Args:
        root (str): The Task 2 folder.
        num_folds (int): Number of folds. Defaults to 4.
        seed (int): Fold shuffling seed. Defaults to 0.
        overwrite (bool): Replace an existing ``CrossVal``.
        **crop_args: ``patch_size``, ``stride``, ``min_annotated``,
            ``progress``, as :func:`convert_sources`.

    Returns:
        dict[str, int]: Fold of each region.
    """
    splits = {
        s: task2_regions(osp.join(root, s))
        for s in ('Training', 'Test')
    }
    names = {
        s: [osp.basename(i)[:-4] for i, _ in p]
        for s, p in splits.items()
    }
    clash = set(names['Training']) & set(names['Test'])
    if clash:
        raise ValueError(f'regions in both Training and Test: '
                         f'{sorted(clash)[:3]}; names must be unique')
    folds = fold_assignment(names['Training'], names['Test'], num_folds, seed)
    pairs = splits['Training'] + splits['Test']
    with converter_folder(osp.join(root, 'CrossVal'), overwrite) as tmp:
        for sub in ('Img', 'Truth'):
            os.makedirs(osp.join(tmp, 'Regions', sub))
        for image, mask in pairs:
            for src, sub in ((image, 'Img'), (mask, 'Truth')):
                link_or_copy(src,
                              osp.join(tmp, 'Regions', sub, osp.basename(src)))
        sources = [partial(RegionSource, *pair) for pair in pairs]
        patches = crop_all(sources, osp.join(tmp, 'Patches'), **crop_args)
        write_splits(
            osp.join(tmp, 'splits'), folds, patches,
            lambda k: sorted(n for n, f in folds.items() if f == k),
            dict(seed=seed, num_folds=num_folds, folds=folds))
    return folds


def write_splits(folder: str, folds: Dict[str, int],
                 patches: Dict[str, List[str]],
                 test_lines: Callable[[int], List[str]],
                 record: dict) -> None:
    """Split files of k-fold cross-validation, and ``folds.json``.

    Args:
        folder (str): Created; gets ``fold<k>_train.txt`` (the patches of
            the sources of the other folds) and ``fold<k>_test.txt``.
        folds (dict[str, int]): Fold of each source; sources without
            patches are in no split.
        patches (dict[str, list[str]]): Patch names per source.
        test_lines (Callable[[int], list[str]]): The lines of fold k's test
            file (whole regions, or patches).
        record (dict): Written as ``folds.json``.
    """
    os.makedirs(folder)
    for k in range(record['num_folds']):
        train = [
            p for n, f in sorted(folds.items()) if f != k
            for p in patches.get(n, ())
        ]
        for part, lines in (('train', train), ('test', test_lines(k))):
            with open(osp.join(folder, f'fold{k}_{part}.txt'), 'w') as f:
                f.writelines(line + '\n' for line in lines)
    with open(osp.join(folder, 'folds.json'), 'w') as f:
        json.dump(record, f, indent=1, sort_keys=True)


def link_or_copy(src: str, dst: str) -> None:
    """Hard-link ``src`` to ``dst``; copy across file systems."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def iter_slide_pairs(slides: Sequence[str],
                     mask_dir: str) -> Iterator[Tuple[str, str]]:
    """Pair slides with ``Mask_<slide name>.{png,tif,tiff}`` in a folder.

    Args:
        slides (Sequence[str]): Slide files, folders of slides or list
            files, expanded as ``tools/infer_wsi.py`` expands its inputs
            (:func:`mmseg_hsp.slide_io.collect_slides`).
        mask_dir (str): Folder of masks.

    Yields:
        tuple[str, str]: ``(slide, mask)`` paths.
    """
    for slide in collect_slides(slides):
        if not osp.isfile(slide):
            raise FileNotFoundError(f'{slide}: no such slide or folder')
        stem = osp.splitext(osp.basename(slide))[0]
        candidates = [
            osp.join(mask_dir, f'Mask_{stem}{ext}')
            for ext in ('.png', '.tif', '.tiff')
        ]
        found = [c for c in candidates if osp.isfile(c)]
        if not found:
            raise FileNotFoundError(
                f'{candidates[0]}: mask missing for slide {slide} (also '
                'looked for .tif/.tiff)')
        yield slide, found[0]
