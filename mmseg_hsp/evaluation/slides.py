"""Agreement of slide predictions with a pathologist's annotations.

Per slide, one confusion matrix (truth x prediction, pixels) is summed
band by band over the *annotated area*: the pixels where the truth has a
class label; pixels no truth annotation covers are left out of every count,
so a prediction is never judged where nobody looked. From it, per class
other than background (label 0):

* ``dice`` = ``2 |P & T| / (|P| + |T|)``, ``iou`` = ``|P & T| / |P | T|``;
  a class absent from both sides has 0/0: no value (empty in the CSV,
  ``null`` in JSON), neither 1 nor 0, and is left out of the means;
* ``truth_area_um2``, ``pred_area_um2``: ``|T|`` and ``|P|`` (inside the
  annotated area) times the pixel area.

Over the run, the same scores *pooled*: intersections, unions and areas
summed over the slides in µm², then divided (a large slide weighs more),
not a mean of per-slide ratios. And the highest grade per slide on each
side: the highest class (classes are ordered by grade, as MTCHI's) whose
area inside the annotated area reaches ``min_area_um2``, ``none`` when no
class does, with the confusion matrix of these grades over the slides.
"""
import csv
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..fileio import atomic_output, write_json
from .slide_labels import UNANNOTATED, Grid

# Columns of slides_eval.csv, in order.
CSV_COLUMNS = ('slide', 'class', 'dice', 'iou', 'truth_area_um2',
               'pred_area_um2')
# A class needs at least this area (µm²) inside the annotated area to make a
# slide's highest grade: about ten cells at x10, larger than the GeoJSON's
# 64 px regions since it is summed over the slide, where stray pixels add up.
MIN_GRADE_AREA_UM2 = 1000.0
# The grade of a slide where no class but background reaches the threshold.
NO_GRADE = 'none'


def band_confusion(truth: np.ndarray, pred: np.ndarray,
                   num_classes: int) -> np.ndarray:
    """Pixel counts per (truth, prediction) pair over annotated pixels.

    Args:
        truth (np.ndarray): uint8 truth labels, :data:`UNANNOTATED` where
            no annotation lies.
        pred (np.ndarray): uint8 predicted labels, same shape.
        num_classes (int): Labels are ``0..num_classes-1``.

    Returns:
        np.ndarray: int64 ``(num_classes, num_classes)``.

    Raises:
        ValueError: If a predicted label is not a class.
    """
    annotated = truth != UNANNOTATED
    t = truth[annotated].astype(np.int64)
    p = pred[annotated].astype(np.int64)
    if p.size and p.max() >= num_classes:
        raise ValueError(f'predicted label {p.max()} is not one of the '
                         f'{num_classes} classes')
    return np.bincount(t * num_classes + p,
                       minlength=num_classes**2).reshape(num_classes,
                                                         num_classes)


def class_scores(confusion: np.ndarray, um2_per_unit: float = 1.0
                 ) -> Dict[str, np.ndarray]:
    """Dice, IoU and both areas of every class.

    Args:
        confusion (np.ndarray): ``(C, C)`` truth x prediction counts (pixels,
            or µm² when pooled).
        um2_per_unit (float): µm² per count. Defaults to 1.

    Returns:
        dict[str, np.ndarray]: ``dice``, ``iou`` (NaN for a class absent
        from both), ``truth_area_um2``, ``pred_area_um2``, one per class.
    """
    intersection = np.diag(confusion).astype(np.float64)
    truth = confusion.sum(1).astype(np.float64)
    pred = confusion.sum(0).astype(np.float64)
    with np.errstate(invalid='ignore', divide='ignore'):
        dice = 2 * intersection / (truth + pred)
        iou = intersection / (truth + pred - intersection)
    return dict(dice=dice, iou=iou, truth_area_um2=truth * um2_per_unit,
                pred_area_um2=pred * um2_per_unit)


def highest_grade(areas_um2: np.ndarray, classes: Sequence[str],
                  min_area_um2: float) -> str:
    """The highest class but background with at least ``min_area_um2``.

    Args:
        areas_um2 (np.ndarray): Area of each class.
        classes (Sequence[str]): Their names, ordered by grade.
        min_area_um2 (float): The threshold.

    Returns:
        str: The class name, or :data:`NO_GRADE`.
    """
    return next((classes[c] for c in range(len(classes) - 1, 0, -1)
                 if areas_um2[c] >= min_area_um2), NO_GRADE)


@dataclass
class SlideResult:
    """One slide's comparison.

    Args:
        slide (str): Its name (the files' common stem).
        grid (Grid): The raster compared on.
        confusion (np.ndarray): ``(C, C)`` pixel counts over the annotated
            area.
    """
    slide: str
    grid: Grid
    confusion: np.ndarray
    scores: Dict[str, np.ndarray] = field(init=False)

    def __post_init__(self):
        self.scores = class_scores(self.confusion, self.grid.mpp**2)

    @property
    def confusion_um2(self) -> np.ndarray:
        """np.ndarray: The confusion matrix in µm²."""
        return self.confusion * self.grid.mpp**2


@dataclass
class RunResult:
    """A run's comparison: slides, pooled scores and grades.

    Args:
        classes (list[str]): Class names, ordered by grade.
        slides (list[SlideResult]): One per slide.
        min_area_um2 (float): Threshold of the highest grade.
    """
    classes: List[str]
    slides: List[SlideResult]
    min_area_um2: float = MIN_GRADE_AREA_UM2

    @property
    def pooled(self) -> Dict[str, np.ndarray]:
        """dict[str, np.ndarray]: :func:`class_scores` of the slides'
        confusion matrices summed in µm²."""
        total = sum(s.confusion_um2 for s in self.slides)
        return class_scores(total)

    @property
    def grade_labels(self) -> List[str]:
        """list[str]: :data:`NO_GRADE`, then the classes but background."""
        return [NO_GRADE] + self.classes[1:]

    def grades(self, slide: SlideResult) -> Dict[str, str]:
        """dict[str, str]: ``truth`` and ``pred`` highest grades of a
        slide."""
        return {
            side: highest_grade(slide.scores[f'{side}_area_um2'],
                                self.classes, self.min_area_um2)
            for side in ('truth', 'pred')
        }

    @property
    def grade_confusion(self) -> np.ndarray:
        """np.ndarray: int64 ``(G, G)``: slides per (truth grade,
        predicted grade), in :attr:`grade_labels` order."""
        labels = self.grade_labels
        matrix = np.zeros((len(labels), len(labels)), np.int64)
        for slide in self.slides:
            grades = self.grades(slide)
            matrix[labels.index(grades['truth']),
                   labels.index(grades['pred'])] += 1
        return matrix

    def rows(self) -> List[dict]:
        """The CSV's rows: one per slide and class but background."""
        return [
            dict(slide=s.slide, **{'class': name},
                 **{key: _value(s.scores[key][c])
                    for key in CSV_COLUMNS[2:]})
            for s in self.slides for c, name in enumerate(self.classes)
            if c
        ]

    def summary(self) -> dict:
        """The run's ``summary.json``."""
        pooled = self.pooled
        matrix = self.grade_confusion
        return dict(
            classes=self.classes,
            rule='pixels where the truth has a class label (unannotated '
            'truth pixels ignored), at the label map\'s resolution',
            pooling='intersections, unions and areas summed over slides in '
            'um2, then divided (not a mean of per-slide ratios)',
            slides=[
                dict(slide=s.slide,
                     mpp=s.grid.mpp,
                     mpp_source=s.grid.mpp_source,
                     annotated_um2=_value(s.confusion.sum() * s.grid.mpp**2),
                     **{f'{side}_grade': grade
                        for side, grade in self.grades(s).items()},
                     classes=_per_class(s.scores, self.classes))
                for s in self.slides
            ],
            pooled=dict(classes=_per_class(pooled, self.classes),
                        mean_dice=_mean(pooled['dice'][1:]),
                        mean_iou=_mean(pooled['iou'][1:])),
            highest_grade=dict(
                min_area_um2=self.min_area_um2,
                labels=self.grade_labels,
                confusion=matrix.tolist(),
                agreement=_value(np.trace(matrix) / matrix.sum())
                if matrix.sum() else None))


def write_outputs(result: RunResult, out_dir: str) -> Dict[str, str]:
    """Write ``slides_eval.csv``, ``summary.json`` and
    ``grade_confusion.png`` in ``out_dir``.

    Args:
        result (RunResult): The comparison.
        out_dir (str): The folder (created if needed).

    Returns:
        dict[str, str]: The paths by file name.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = {
        name: osp.join(out_dir, name)
        for name in ('slides_eval.csv', 'summary.json',
                     'grade_confusion.png')
    }
    with atomic_output(paths['slides_eval.csv']) as partial, open(
            partial, 'w', newline='') as f:
        writer = csv.DictWriter(f, CSV_COLUMNS)
        writer.writeheader()
        for row in result.rows():
            writer.writerow(
                {k: '' if v is None else v for k, v in row.items()})
    write_json(paths['summary.json'], result.summary())
    plot_grade_confusion(result.grade_confusion, result.grade_labels,
                         paths['grade_confusion.png'])
    return paths


def plot_grade_confusion(matrix: np.ndarray, labels: Sequence[str],
                         path: str) -> None:
    """Draw the highest-grade confusion matrix (slides) as a PNG.

    Args:
        matrix (np.ndarray): ``(G, G)`` slide counts, truth x prediction.
        labels (Sequence[str]): Grade names.
        path (str): The PNG (written atomically).
    """
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot as plt
    figure, axes = plt.subplots(figsize=(1.2 * len(labels) + 2,
                                         1.1 * len(labels) + 1.5))
    axes.imshow(matrix, cmap='Blues')
    axes.set_xticks(range(len(labels)), labels)
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel('predicted highest grade')
    axes.set_ylabel('annotated highest grade')
    axes.set_title(f'Highest grade per slide ({matrix.sum()} slides)')
    peak = matrix.max() or 1
    for (row, column), count in np.ndenumerate(matrix):
        axes.text(column, row, str(count), ha='center', va='center',
                  color='white' if count > peak / 2 else 'black')
    figure.tight_layout()
    with atomic_output(path) as partial:
        figure.savefig(partial, format='png', dpi=100)
    plt.close(figure)


def _value(number) -> Optional[float]:
    """A float for JSON/CSV, None for NaN (a class absent from both)."""
    number = float(number)
    return None if np.isnan(number) else number


def _mean(values: np.ndarray) -> Optional[float]:
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else None


def _per_class(scores: Dict[str, np.ndarray],
               classes: Sequence[str]) -> Dict[str, dict]:
    return {
        name: {key: _value(scores[key][c])
               for key in CSV_COLUMNS[2:]}
        for c, name in enumerate(classes) if c
    }
