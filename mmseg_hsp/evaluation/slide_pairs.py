"""Pairing predictions with truth by slide name, and comparing each pair.

A prediction is ``tools/infer_wsi.py``'s ``--out-dir`` (its
``NAME.labels.tif`` fix the raster, resolution and class names) or
annotations (GeoJSON, ASAP XML: a second reader compared the same way);
truth is annotations or a label image (:class:`~.slide_labels.MaskTruth`).
Files pair by name: ``NAME.labels.tif``, ``NAME.geojson``, ``NAME.xml``,
``NAME.png``, ``NAME.tif`` and MTCHI's ``Mask_NAME.png`` are slide ``NAME``.
"""
import os
import os.path as osp
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Sequence

import numpy as np

from ..annotations import class_mapping, read_annotations
from ..datasets.mtchi import MTCHI_CLASSES
from ..slide_io import open_slide
from .slide_labels import (UNANNOTATED, AnnotationExtent, AnnotationBands,
                           LabelTiff, MaskTruth, SlideEvaluationError,
                           check_extent, check_input_resolution, slide_grid)
from .slides import (MIN_GRADE_AREA_UM2, RunResult, SlideResult,
                     band_confusion)

LABELS_SUFFIX = '.labels.tif'
ANNOTATION_SUFFIXES = ('.geojson', '.xml')
MASK_SUFFIXES = ('.png', '.tif', '.tiff')
# MTCHI's truth names: Mask_<name>.png.
MASK_PREFIX = 'Mask_'


@dataclass
class EvaluationSettings:
    """How predictions are compared with truth.

    Args:
        classes (Sequence[str], optional): Classes of annotation
            predictions, ordered by grade (a label TIFF names its own).
            Defaults to MTCHI's.
        class_map (dict, optional): Annotation name -> class name.
        ignore (Sequence[str]): Annotation names left out.
        resolution (dict): ``magnification``, ``mpp``, ``input_mpp``,
            ``input_magnification`` (``tools/infer_wsi.py``'s flags).
        slides (dict): Slide file by name, for annotations against
            annotations (else the polygons' extent).
        min_area_um2 (float): Threshold of a slide's highest grade.
        skip_unmatched (bool): Evaluate the slides that have both sides
            (and warn about the others) instead of refusing.
    """
    classes: Optional[Sequence[str]] = None
    class_map: Optional[dict] = None
    ignore: Sequence[str] = ()
    resolution: dict = field(default_factory=lambda: dict(magnification=10.0))
    slides: Dict[str, str] = field(default_factory=dict)
    min_area_um2: float = MIN_GRADE_AREA_UM2
    skip_unmatched: bool = False


def slide_files(path: str, suffixes: Sequence[str]) -> Dict[str, str]:
    """Files by slide name: the file itself, or a folder's matching files.

    Args:
        path (str): A file or folder.
        suffixes (Sequence[str]): What a folder's files end with.

    Returns:
        dict[str, str]: ``{name: path}``, name = file name less the suffix.
    """
    if osp.isfile(path):
        return {_stem(osp.basename(path), suffixes): path}
    if not osp.isdir(path):
        raise SlideEvaluationError(f'{path}: no such file or folder')
    return {
        _stem(name, suffixes): osp.join(path, name)
        for name in sorted(os.listdir(path))
        if name.lower().endswith(tuple(suffixes))
    }


def _stem(name: str, suffixes: Sequence[str]) -> str:
    if name.startswith(MASK_PREFIX) and name.lower().endswith(MASK_SUFFIXES):
        name = name[len(MASK_PREFIX):]
    for suffix in sorted(suffixes, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[:-len(suffix)]
    return osp.splitext(name)[0]


def is_mask(path: str) -> bool:
    """Whether a truth file is a label image (else annotations)."""
    return path.lower().endswith(MASK_SUFFIXES)


def prediction_files(path: str) -> Dict[str, str]:
    """A prediction's files by slide name: label TIFFs when ``path`` is
    (or holds) them, else annotation files."""
    tiffs = slide_files(path, (LABELS_SUFFIX, )) if osp.isdir(path) or \
        path.endswith(LABELS_SUFFIX) else {}
    return tiffs or slide_files(path, ANNOTATION_SUFFIXES)


def pair_slides(pred: Dict[str, str], truth: Dict[str, str],
                skip_unmatched: bool,
                warn: Callable[[str], None]) -> Sequence[str]:
    """The slide names both sides have.

    Raises:
        SlideEvaluationError: One line listing the names one side lacks
            (unless ``skip_unmatched``), or if no name is on both.
    """
    for names, has, lacks in ((sorted(set(pred) - set(truth)), 'predicted',
                               'truth'),
                              (sorted(set(truth) - set(pred)), 'truth',
                               'prediction')):
        if not names:
            continue
        line = (f'{len(names)} {has} slide{"s" * (len(names) > 1)} without '
                f'{lacks}: {", ".join(names)}')
        if not skip_unmatched:
            raise SlideEvaluationError(
                f'{line}; give files named like the other side '
                '(NAME.labels.tif, NAME.geojson, NAME.xml), or '
                '--skip-unmatched to evaluate the slides that have both')
        warn(f'{line}: left out')
    both = sorted(set(pred) & set(truth))
    if not both:
        raise SlideEvaluationError(
            'no slide has both a prediction and truth (files pair by name: '
            'NAME.labels.tif or NAME.geojson with NAME.geojson or NAME.xml)')
    return both


def _mapping(annotations, classes: Sequence[str], path: str,
             settings: EvaluationSettings) -> dict:
    """Annotation name -> label, or one line naming the file and the fix."""
    try:
        return class_mapping(Counter(p.name for p in annotations.polygons),
                             classes, settings.class_map, settings.ignore)
    except ValueError as error:
        hint = ' (a two-tier prediction: --class-map CIN1=LSIL,CIN2=HSIL,' \
            'CIN3=HSIL)' if 'HSIL' in classes else ''
        raise SlideEvaluationError(
            f'{path}: different class sets: {error}{hint}') from None


def compare_slide(name: str, pred_path: str, truth_path: str,
                  settings: EvaluationSettings) -> tuple:
    """One slide's confusion matrix, band by band.

    Returns:
        tuple[SlideResult, list[str]]: The result and the classes.
    """
    if pred_path.endswith(LABELS_SUFFIX):
        tiff = LabelTiff(pred_path)
        try:
            classes, grid = tiff.classes, tiff.grid
            check_input_resolution(grid, settings.resolution.get('input_mpp'),
                                   pred_path)
            truth_labels = _truth(truth_path, grid, classes, settings,
                                  f'the label map {pred_path}')
            confusion = _sum_bands(
                tiff.bands(), lambda top, rows:
                (truth_labels.band(top, top + len(rows)), rows), classes)
        finally:
            tiff.close()
        return SlideResult(name, grid, confusion), classes
    pred = read_annotations(pred_path)
    classes = list(settings.classes or MTCHI_CLASSES)
    if name not in settings.slides and is_mask(truth_path):
        raise SlideEvaluationError(
            f'{truth_path}: a label image gives no level-0 extent to '
            'rasterise the predicted annotations on; pass the slides '
            '(--slides)')
    truth = None if is_mask(truth_path) else read_annotations(truth_path)
    if name in settings.slides:
        with open_slide(settings.slides[name]) as reader:
            grid = slide_grid(reader, settings.resolution)
        against = f'the slide {settings.slides[name]}'
    else:
        grid = slide_grid(AnnotationExtent(truth_path, (pred, truth)),
                          settings.resolution)
        against = 'the annotations\' extent'
    check_extent(pred, grid, pred_path, against)
    pred_labels = AnnotationBands(
        pred, _mapping(pred, classes, pred_path, settings), grid, 0)
    truth_labels = _truth(truth_path, grid, classes, settings, against,
                          truth)
    confusion = _sum_bands(
        pred_labels.bands(), lambda top, rows:
        (truth_labels.band(top, top + len(rows)), rows), classes)
    return SlideResult(name, grid, confusion), classes


def _truth(path: str, grid, classes: Sequence[str],
           settings: EvaluationSettings, against: str, annotations=None):
    """The truth side on a grid: a label image, or annotations checked
    against the grid's extent."""
    if is_mask(path):
        return MaskTruth(path, grid, len(classes))
    annotations = annotations or read_annotations(path)
    check_extent(annotations, grid, path, against)
    return AnnotationBands(annotations,
                            _mapping(annotations, classes, path, settings),
                            grid, UNANNOTATED)


def _sum_bands(bands, other_side, classes) -> np.ndarray:
    """The confusion matrix summed over bands; ``other_side(top, rows)``
    gives ``(truth, pred)`` of a band."""
    confusion = np.zeros((len(classes), len(classes)), np.int64)
    for top, rows in bands:
        confusion += band_confusion(*other_side(top, rows), len(classes))
    return confusion


def evaluate_slides(pred: str,
                    truth: str,
                    settings: Optional[EvaluationSettings] = None,
                    warn: Callable[[str], None] = print) -> RunResult:
    """Compare every predicted slide with its truth.

    Args:
        pred (str): ``tools/infer_wsi.py``'s ``--out-dir`` (or one label
            TIFF), or an annotation file or folder.
        truth (str): An annotation file or folder.
        settings (EvaluationSettings, optional): Defaults to its defaults.
        warn (Callable[[str], None]): Where notes go (slides left out with
            ``skip_unmatched``, truth without an annotated pixel).

    Returns:
        RunResult: Per slide and pooled scores, and grades.

    Raises:
        SlideEvaluationError: One line: unpaired slides, class sets that
            differ, a resolution mismatch, a file that is not a label map.
        ValueError: An unreadable annotation file (one line naming it).
        SlideError: A slide (``slides``) that cannot be opened.
    """
    settings = settings or EvaluationSettings()
    pred_files = prediction_files(pred)
    truth_files = slide_files(truth, ANNOTATION_SUFFIXES + MASK_SUFFIXES)
    names = pair_slides(pred_files, truth_files, settings.skip_unmatched,
                        warn)
    results, classes = [], None
    for name in names:
        result, slide_classes = compare_slide(name, pred_files[name],
                                              truth_files[name], settings)
        if classes is not None and slide_classes != classes:
            raise SlideEvaluationError(
                f'{pred_files[name]}: different class sets: its classes '
                f'{", ".join(slide_classes)} differ from the other slides\' '
                f'{", ".join(classes)}; evaluate the models\' outputs '
                'separately')
        classes = slide_classes
        if not result.confusion.any():
            warn(f'{truth_files[name]}: no annotated pixel on the label map '
                 '(no polygon of the classes, or all ignored): its scores '
                 'are empty')
        results.append(result)
    return RunResult(classes, results, settings.min_area_um2)
