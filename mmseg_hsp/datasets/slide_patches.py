"""A lab's own annotated slides cut into MTCHI-layout training patches.

Each slide is paired, by file name without extension, with one file of an
annotation folder: a QuPath GeoJSON export or an ASAP XML file
(:mod:`mmseg_hsp.annotations`, polygons drawn window by window), or a label
image of the slide (class indices, at a pyramid level's size or a stated
downsample). The patches are cut by the MTCHI converter's slide route
(:class:`~.mtchi_patches.SlideSource`, :func:`~.mtchi_patches.crop_all`):
x10, 400 px, stride 100, at least 20 % annotated. Unannotated pixels are
class 0, background, as in MTCHI's masks.

The output is a Task 2 folder that the shipped configs train on with only
``data_root`` changed::

    OUT/TrainingPatches/{Img,Truth}   patches of folds 1..k-1 (training)
    OUT/Test/{Img,Truth}              patches of fold 0 (validation, test)
    OUT/CrossVal/Patches/{Img,Truth}  every patch (the files; the two above
                                      are hard links to them)
    OUT/CrossVal/Regions -> Patches   what tools/misc/crossval_train.sh
                                      evaluates each fold on
    OUT/CrossVal/splits/              fold<k>_{train,test}.txt, folds.json

Slides are dealt into folds whole, and all the slides of a patient into the
same fold (``patients``), so no patient is in training and test at once.
"""
import csv
import os
import os.path as osp
import random
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ..annotations import (AnnotationSet, ClassPolygon, class_mapping,
                           rasterize_annotations, read_annotations)
from ..fileio import atomic_folder
from ..slide_io import collect_slides
from ..slide_io.scale import analysis_frame
from .mtchi import MTCHI_CLASSES, check_mtchi_mask, mtchi_mask_name
from .mtchi_patches import (MaskLabels, SlideGeometry, SlideSource,
                            link_or_copy, crop_all, write_splits)

ANNOTATION_EXTENSIONS = ('.geojson', '.json', '.xml')
MASK_EXTENSIONS = ('.png', '.tif', '.tiff')
# MTCHI's convention: what no polygon covers is background, a class.
BACKGROUND = 0
# How far (pixels) a label image's size may be from a level's (rounding).
MASK_SIZE_SLACK = 1


class AnnotationLabels:
    """Annotation polygons drawn window by window at the target scale.

    A window's labels are rasterised when asked for (and kept until the
    next window), so memory holds one window whatever the slide's size.
    Pixels no polygon covers are background (0).

    Args:
        polygons (Sequence[ClassPolygon]): In the file's level-0 pixels.
        class_index (Mapping[str, int]): Class of each drawn name.
        downsample (float): Level-0 pixels per target pixel.
        origin (tuple[float, float]): Level-0 ``(x, y)`` of the file's
            ``(0, 0)`` (QuPath's frame of a cropped slide).
    """

    def __init__(self,
                 polygons: Sequence[ClassPolygon],
                 class_index: Mapping[str, int],
                 downsample: float,
                 origin: Tuple[float, float] = (0.0, 0.0)) -> None:
        self.polygons = [p for p in polygons if p.name in class_index]
        self.class_index = class_index
        self.downsample = downsample
        self.origin = origin
        self.bounds = np.array([p.bounds for p in self.polygons],
                                np.float64).reshape(-1, 4)
        self._window, self._labels = None, None

    def read(self, y: int, x: int, side: int) -> np.ndarray:
        """The labels of a window at the target scale."""
        if self._window != (y, x, side):
            d = self.downsample
            x0, y0 = x * d - self.origin[0], y * d - self.origin[1]
            b = self.bounds
            near = np.flatnonzero((b[:, 0] < x0 + side * d) & (b[:, 2] > x0)
                                  & (b[:, 1] < y0 + side * d)
                                  & (b[:, 3] > y0))
            self._labels = rasterize_annotations(
                [self.polygons[i] for i in near],
                self.class_index, (x0, y0, side * d, side * d),
                d,
                fill=BACKGROUND)
            self._window = (y, x, side)
        return self._labels

    def annotated_share(self, y: int, x: int, side: int) -> float:
        """Share of annotated (label != 0) pixels in a window."""
        return np.count_nonzero(self.read(y, x, side)) / (side * side)


def annotation_labels(annotations: AnnotationSet,
                      class_index: Mapping[str, int],
                      qupath_frame: bool,
                      warn: Callable[[str], None],
                      name: str,
                      slide: SlideGeometry) -> AnnotationLabels:
    """The label source of a slide's annotations; polygons reaching past
    the slide are said (clipped, or left out when wholly outside).

    Args:
        annotations (AnnotationSet): The slide's file, read.
        class_index (Mapping[str, int]): Class of each drawn name.
        qupath_frame (bool): GeoJSON coordinates are relative to the frame
            QuPath shows (:func:`~mmseg_hsp.slide_io.scale.analysis_frame`),
            not to OpenSlide's level 0.
        warn (Callable[[str], None]): Told the line about the slide's edge.
        name (str): The annotation file, named in that line.
        slide (SlideGeometry): The slide.

    Returns:
        AnnotationLabels: For :class:`~.mtchi_patches.SlideSource`.
    """
    origin = (0.0, 0.0)
    if qupath_frame and annotations.format == 'geojson':
        origin = tuple(map(float, analysis_frame(slide.reader)[:2]))
    labels = AnnotationLabels(annotations.polygons, class_index,
                              slide.downsample, origin)
    width, height = slide.reader.level_dimensions[0]
    b = labels.bounds + np.tile(origin, 2)
    outside = (b[:, 2] <= 0) | (b[:, 0] >= width) | (b[:, 3] <= 0) | \
        (b[:, 1] >= height)
    past = (b[:, 0] < 0) | (b[:, 1] < 0) | (b[:, 2] > width) | \
        (b[:, 3] > height)
    if past.any():
        warn(f'{name}: {int(outside.sum())} polygons outside slide '
             f'{slide.path} ({width}x{height}) left out, '
             f'{int((past & ~outside).sum())} reaching past its edge '
             'clipped; check that the file belongs to this slide')
    return labels


def level_mask(mask_path: str, mask_downsample: Optional[float],
               num_classes: int, slide: SlideGeometry) -> MaskLabels:
    """The label source of a label image of a slide.

    Its downsample from level 0 is ``mask_downsample`` when given, else the
    one of the pyramid level whose size it has (within a pixel).

    Args:
        mask_path (str): The label image (class indices).
        mask_downsample (float, optional): Level-0 pixels per mask pixel.
        num_classes (int): Labels must lie in ``[0, num_classes)``.
        slide (SlideGeometry): The slide.

    Returns:
        MaskLabels: For :class:`~.mtchi_patches.SlideSource`.

    Raises:
        ValueError: One line: unreadable, bad labels, or a size that fits
            no level (or not the stated downsample).
    """
    import cv2
    mask = check_mtchi_mask(
        cv2.imread(mask_path, cv2.IMREAD_UNCHANGED),
        mask_path,
        num_classes=num_classes)
    height, width = mask.shape
    level0 = slide.reader.level_dimensions[0]

    def fits(downsample):
        return all(
            abs(n - full / downsample) <= MASK_SIZE_SLACK
            for n, full in ((width, level0[0]), (height, level0[1])))

    if mask_downsample is not None:
        if not fits(mask_downsample):
            raise ValueError(
                f'{mask_path}: mask is {width}x{height}, not slide '
                f'{slide.path} ({level0[0]}x{level0[1]}) at --mask-downsample '
                f'{mask_downsample:g} ({level0[0] / mask_downsample:.0f}x'
                f'{level0[1] / mask_downsample:.0f})')
        downsample = mask_downsample
    else:
        found = [
            d for d in slide.reader.level_downsamples if fits(d)
        ]
        if not found:
            levels = ', '.join(f'{w}x{h}'
                               for w, h in slide.reader.level_dimensions)
            raise ValueError(
                f'{mask_path}: mask is {width}x{height}, which fits no level '
                f'of slide {slide.path} ({levels}); give its downsample '
                'with --mask-downsample')
        downsample = found[0]
    return MaskLabels(mask, slide.downsample / downsample)


@dataclass
class SlidePairs:
    """Slides paired with annotation files by name, and what is unpaired.

    Args:
        pairs (list[tuple[str, str]]): ``(slide, annotation file)``.
        lines (list[str]): One line per slide without a file, file without
            a slide, or slide with several files.
    """
    pairs: List[Tuple[str, str]] = field(default_factory=list)
    lines: List[str] = field(default_factory=list)


def pair_annotations(slides: Sequence[str], folder: str) -> SlidePairs:
    """Pair each slide with ``<folder>/<slide name>.<ext>``.

    Args:
        slides (Sequence[str]): Slide paths.
        folder (str): Annotation folder: ``.geojson``/``.json``/``.xml``
            files and label images (``.png``/``.tif``/``.tiff``).

    Returns:
        SlidePairs: The pairs, sorted by slide, and the unpaired.

    Raises:
        FileNotFoundError: If the folder does not exist.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{folder}: annotation folder not found')
    slide_paths = {osp.realpath(s) for s in slides}
    files = {}
    for entry in sorted(os.listdir(folder)):
        path = osp.join(folder, entry)
        stem, ext = osp.splitext(entry)
        if entry.startswith('.') or not osp.isfile(path) or \
                ext.lower() not in ANNOTATION_EXTENSIONS + MASK_EXTENSIONS \
                or osp.realpath(path) in slide_paths:
            continue
        files.setdefault(stem, []).append(path)
    result = SlidePairs()
    for slide in slides:
        stem = osp.splitext(osp.basename(slide))[0]
        found = files.pop(stem, [])
        if not found:
            result.lines.append(f'{slide}: no annotation file {stem}.'
                                '{geojson,json,xml,png,tif,tiff} in '
                                f'{folder}; slide skipped')
        elif len(found) > 1:
            result.lines.append(f'{slide}: several annotation files '
                                f'({", ".join(map(osp.basename, found))}); '
                                'keep one; slide skipped')
        else:
            result.pairs.append((slide, found[0]))
    for stem, paths in sorted(files.items()):
        result.lines += [
            f'{path}: no slide named {stem}; file not used' for path in paths
        ]
    return result


def read_patients(path: str, slides: Sequence[str]) -> Dict[str, str]:
    """``--patients``: a CSV of ``slide,patient`` rows (header optional).

    Args:
        path (str): The CSV; slides are named by file name, with or without
            extension.
        slides (Sequence[str]): Slide paths; each must have a patient.

    Returns:
        dict[str, str]: Patient of each slide path.

    Raises:
        ValueError: One line, for a malformed row or slides without one.
    """
    patient_of = {}
    with open(path, newline='') as f:
        for number, row in enumerate(csv.reader(f), 1):
            row = [cell.strip() for cell in row]
            if not any(row) or (number == 1 and [c.lower() for c in row]
                                == ['slide', 'patient']):
                continue
            if len(row) != 2 or not all(row):
                raise ValueError(f'{path}:{number}: expected slide,patient; '
                                 f'got {",".join(row)!r}')
            patient_of[osp.splitext(osp.basename(row[0]))[0]] = row[1]
    missing = [
        s for s in slides
        if osp.splitext(osp.basename(s))[0] not in patient_of
    ]
    if missing:
        raise ValueError(f'{path}: no patient for {len(missing)} slides, e.g. '
                         f'{", ".join(map(osp.basename, missing[:3]))}; add '
                         'a slide,patient row for each')
    return {
        s: patient_of[osp.splitext(osp.basename(s))[0]]
        for s in slides
    }


def group_folds(groups: Mapping[str, str], num_folds: int,
                seed: int) -> Dict[str, int]:
    """Deal groups (patients) into folds, every slide of a group together.

    Args:
        groups (Mapping[str, str]): Group of each slide name.
        num_folds (int): Folds, at least 2.
        seed (int): Shuffling seed of the groups.

    Returns:
        dict[str, int]: Fold of each slide name.

    Raises:
        ValueError: If there are fewer groups than folds.
    """
    patients = sorted(set(groups.values()))
    if len(patients) < num_folds:
        raise ValueError(
            f'{len(patients)} patients (or slides) for --folds {num_folds}: '
            f'each fold needs one; give --folds {max(len(patients), 2)} or '
            'more slides')
    random.Random(seed).shuffle(patients)
    fold_of = {p: i % num_folds for i, p in enumerate(patients)}
    return {name: fold_of[group] for name, group in groups.items()}


@dataclass
class SlideConversion:
    """What :func:`convert_slides` did.

    Args:
        folds (dict[str, int]): Fold of each slide name.
        patches (dict[str, list[str]]): Patches per converted slide.
        problems (list[str]): One line per thing not done.
    """
    folds: Dict[str, int]
    patches: Dict[str, List[str]]
    problems: List[str]


def check_out_dir(out_dir: str, inputs: Sequence[str]) -> None:
    """Refuse an output folder inside an input folder, or holding one:
    writing (or ``--overwrite`` replacing) it would touch the inputs.

    Raises:
        ValueError: One line naming both.
    """
    out = osp.realpath(out_dir)
    for item in inputs:
        folder = osp.realpath(item if osp.isdir(item) else
                              osp.dirname(item) or '.')
        if osp.commonpath([out, folder]) in (out, folder):
            raise ValueError(
                f'--out-dir {out_dir}: overlaps input folder {item}; '
                'converters never write into their inputs: give a folder '
                'outside them')


def convert_slides(slides: Sequence[str],
                   annotations: str,
                   out_dir: str,
                   classes: Sequence[str] = MTCHI_CLASSES,
                   class_map: Optional[Mapping[str, str]] = None,
                   ignore: Sequence[str] = (),
                   magnification: float = 10.0,
                   input_mpp: Optional[float] = None,
                   input_magnification: Optional[float] = None,
                   mask_downsample: Optional[float] = None,
                   qupath_frame: bool = True,
                   patients: Optional[str] = None,
                   num_folds: int = 4,
                   seed: int = 0,
                   patch_size: int = 400,
                   stride: int = 100,
                   min_annotated: float = 0.2,
                   overwrite: bool = False,
                   progress: bool = True,
                   warn: Callable[[str], None] = print) -> SlideConversion:
    """Cut annotated slides into the patch layout of the module docstring.

    Args:
        slides (Sequence[str]): Slide files, folders or list files
            (:func:`~mmseg_hsp.slide_io.collect_slides`).
        annotations (str): Folder of one annotation file per slide.
        out_dir (str): Output folder, written atomically; never inside an
            input folder.
        classes (Sequence[str]): The config's classes. Defaults to MTCHI's.
        class_map (Mapping[str, str], optional): Annotation name -> class.
        ignore (Sequence[str]): Annotation names left out.
        magnification (float): Target magnification. Defaults to 10.
        input_mpp (float, optional): Slides' level-0 microns per pixel.
        input_magnification (float, optional): Slides' level-0
            magnification.
        mask_downsample (float, optional): Label images' downsample.
        qupath_frame (bool): GeoJSON coordinates are in QuPath's frame.
        patients (str, optional): CSV of ``slide,patient``.
        num_folds (int): Folds; fold 0 is the test set. Defaults to 4.
        seed (int): Fold shuffling seed. Defaults to 0.
        patch_size (int): Patch side. Defaults to 400.
        stride (int): Window step. Defaults to 100.
        min_annotated (float): Minimum annotated share. Defaults to 0.2.
        overwrite (bool): Replace an existing ``out_dir``.
        progress (bool): Show a progress bar.
        warn (Callable[[str], None]): Told each line about bad input.

    Returns:
        SlideConversion: Folds, patches, and the lines of what was not done.

    Raises:
        ValueError: One line, when nothing can be done: unknown class
            names, no slide with a usable annotation file, no patch kept.
        FileNotFoundError: A missing input.
    """
    check_out_dir(out_dir, list(slides) + [annotations])
    problems = []

    def problem(line: str) -> None:
        problems.append(line)
        warn(line)

    paired = pair_annotations(collect_slides(slides, warn=warn), annotations)
    for line in paired.lines:
        problem(line)
    read, names = {}, Counter()
    for slide, path in paired.pairs:
        if osp.splitext(path)[1].lower() in MASK_EXTENSIONS:
            read[slide] = (path, None)
            continue
        try:
            annotations_read = read_annotations(path)
        except (OSError, ValueError) as error:
            problem(f'{error}; slide skipped')
            continue
        _say_read(path, annotations_read, warn)
        if not annotations_read.polygons:
            problem(f'{path}: no annotation polygon; slide skipped')
            continue
        read[slide] = (path, annotations_read)
        names.update(p.name for p in annotations_read.polygons)
    if not read:
        raise ValueError(f'no slide with a usable annotation file in '
                         f'{annotations}; nothing converted')
    class_index = class_mapping(names, classes, class_map, ignore)
    left_out = {n: c for n, c in names.items() if n not in class_index}
    if left_out:
        warn('left out (--ignore-class): ' + ', '.join(
            f'{n!r} ({c} polygons)' for n, c in sorted(left_out.items())))
    groups = read_patients(patients, list(read)) if patients else {
        s: _name(s)
        for s in read
    }
    folds = group_folds({_name(s): g
                         for s, g in groups.items()}, num_folds, seed)

    def source(slide, labels):
        return SlideSource(slide, labels, magnification, input_magnification,
                           input_mpp,
                           '--input-mpp or --input-magnification')

    sources = []
    for slide, (path, polygons) in read.items():
        if polygons is None:
            labels = partial(level_mask, path, mask_downsample, len(classes))
        else:
            labels = partial(annotation_labels, polygons, class_index,
                             qupath_frame, warn, path)
        sources.append(partial(source, slide, labels))
    with atomic_folder(out_dir, overwrite) as tmp:
        cross = osp.join(tmp, 'CrossVal')
        patches = crop_all(
            sources,
            osp.join(cross, 'Patches'),
            patch_size,
            stride,
            min_annotated,
            progress,
            on_error=lambda e: problem(f'{e}; slide skipped'))
        os.symlink('Patches', osp.join(cross, 'Regions'))
        for split, in_split in (('TrainingPatches', lambda f: f != 0),
                                ('Test', lambda f: f == 0)):
            _link_patches(
                osp.join(cross, 'Patches'), osp.join(tmp, split), [
                    p for n, f in sorted(folds.items()) if in_split(f)
                    for p in patches.get(n, ())
                ])
        write_splits(
            osp.join(cross, 'splits'), folds, patches, lambda k: [
                p for n, f in sorted(folds.items()) if f == k
                for p in patches.get(n, ())
            ],
            dict(
                seed=seed,
                num_folds=num_folds,
                folds=folds,
                patients={_name(s): g
                          for s, g in groups.items()} if patients else None))
    empty = sorted({f for f in range(num_folds)} - {
        folds[n] for n, p in patches.items() if p
    })
    if empty:
        problem(f'folds {", ".join(map(str, empty))} have no patch (fold 0 '
                'is Test/): add annotated slides or lower --folds')
    return SlideConversion(folds, patches, problems)


def _name(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]


def _say_read(path: str, annotations: AnnotationSet,
              warn: Callable[[str], None]) -> None:
    """One line for what reading a file repaired or left out."""
    said = []
    if annotations.repaired:
        said.append(f'{annotations.repaired} invalid (self-intersecting) '
                    'polygons repaired')
    if annotations.skipped:
        said.append('skipped ' + ', '.join(
            f'{c} {kind}' for kind, c in sorted(annotations.skipped.items())))
    if said:
        warn(f'{path}: ' + '; '.join(said))


def _link_patches(src: str, dst: str, names: Sequence[str]) -> None:
    """Hard-link the named patches of ``src/{Img,Truth}`` into ``dst``."""
    for sub in ('Img', 'Truth'):
        os.makedirs(osp.join(dst, sub))
    for name in names:
        for sub, file in (('Img', name + '.png'),
                          ('Truth', mtchi_mask_name(name))):
            link_or_copy(osp.join(src, sub, file), osp.join(dst, sub, file))
