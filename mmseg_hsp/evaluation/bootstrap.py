"""How much a score owes to the choice of test regions: a bootstrap.

MTCHI's scores come from one confusion matrix summed over the test regions
(:class:`MTCHIMetric`). Drawing as many regions as the test set has, with
replacement, and summing their matrices gives the score another test set
of the same kind would have given; the spread of many such draws is the
evaluation's own uncertainty, beside the seed spread of training. Two
models are compared on the *same* draws (a paired bootstrap), so what the
regions have in common cancels out of their difference.
"""
import os.path as osp
from typing import Sequence, Tuple

import cv2
import numpy as np

from ..datasets.mtchi import check_mtchi_mask, mtchi_mask_name
from ..datasets.mtchi_patches import task2_regions
from .mtchi_metric import LESION_LABELS, confusion_matrix

# The metric's default: truth 0 (not annotated) and 255 (padding) left out.
IGNORED_TRUTH = (0, 255)


def region_confusions(split_dir: str, pred_dir: str) -> np.ndarray:
    """One confusion matrix per test region, from written masks.

    Args:
        split_dir (str): A Task 2 split folder (``Img``, ``Truth``).
        pred_dir (str): The predicted ``Mask_<name>.png`` of every region
            (``MTCHIMetric(output_dir=...)``).

    Returns:
        np.ndarray: int64 ``(regions, 5, 5)``, in region name order; their
        sum is the confusion matrix :class:`MTCHIMetric` scores.

    Raises:
        FileNotFoundError: If a region has no prediction.
        ValueError: If a mask is unreadable or not the truth's size.
    """
    import torch
    confusions = []
    for image_path, truth_path in task2_regions(split_dir):
        name = osp.splitext(osp.basename(image_path))[0]
        pred_path = osp.join(pred_dir, mtchi_mask_name(name))
        if not osp.isfile(pred_path):
            raise FileNotFoundError(
                f'{pred_path}: no prediction of test region {name}; test '
                'the run again with test_evaluator.output_dir set')
        truth = check_mtchi_mask(
            cv2.imread(truth_path, cv2.IMREAD_UNCHANGED), truth_path)
        pred = check_mtchi_mask(
            cv2.imread(pred_path, cv2.IMREAD_UNCHANGED), pred_path,
            truth.shape)
        confusions.append(
            confusion_matrix(
                torch.from_numpy(pred),
                torch.from_numpy(truth),
                ignore_labels=IGNORED_TRUTH))
    return np.stack(confusions)


def resample_weights(regions: int, draws: int, seed: int = 0) -> np.ndarray:
    """How often each region is drawn in each bootstrap sample.

    Args:
        regions (int): Test regions.
        draws (int): Bootstrap samples.
        seed (int): Seed of the draws.

    Returns:
        np.ndarray: int64 ``(draws, regions)``, each row summing to
        ``regions``.
    """
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, regions, size=(draws, regions))
    return np.stack([np.bincount(p, minlength=regions) for p in picks])


def miou_of_confusions(confusion: np.ndarray) -> np.ndarray:
    """MTCHIMetric's mIoU of summed ``(..., 5, 5)`` confusion matrices.

    Args:
        confusion (np.ndarray): ``(..., 5, 5)`` pixel counts.

    Returns:
        np.ndarray: ``(...)``: mean IoU over normal and CIN1-3, classes
        absent from truth and prediction left out (NaN if all are).
    """
    labels = list(LESION_LABELS)
    intersect = np.diagonal(confusion, axis1=-2, axis2=-1)[..., labels]
    union = (confusion.sum(-2)[..., labels] + confusion.sum(-1)[..., labels] -
             intersect)
    with np.errstate(invalid='ignore', divide='ignore'):
        iou = intersect / union
    present = ~np.isnan(iou)
    counts = present.sum(-1)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(present, iou, 0).sum(-1) / counts


def bootstrap_miou(confusions: np.ndarray,
                   weights: np.ndarray) -> np.ndarray:
    """A row's mIoU on each bootstrap sample, mean over its seeds.

    Args:
        confusions (np.ndarray): ``(seeds, regions, 5, 5)`` per-region
            confusion matrices of each seed's run.
        weights (np.ndarray): :func:`resample_weights`, ``(draws,
            regions)``.

    Returns:
        np.ndarray: ``(draws, )``: for each draw, the mean over seeds of the
        mIoU of the drawn regions' summed confusion.

    Raises:
        ValueError: If the regions of ``confusions`` and ``weights`` differ
            in number.
    """
    if confusions.shape[1] != weights.shape[1]:
        raise ValueError(
            f'{confusions.shape[1]} test regions scored but the draws are '
            f'over {weights.shape[1]}; score every run on the same test set')
    summed = np.einsum('dr,srij->dsij', weights, confusions)
    return np.nanmean(miou_of_confusions(summed), axis=1)


def interval(samples: np.ndarray,
             level: float = 0.95) -> Tuple[float, float]:
    """The central ``level`` percentile interval of bootstrap samples.

    Args:
        samples (np.ndarray): ``(draws, )``.
        level (float): Coverage, e.g. 0.95.

    Returns:
        tuple[float, float]: Lower and upper bound.
    """
    tail = (1 - level) / 2 * 100
    low, high = np.nanpercentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def paired_difference(a: np.ndarray, b: np.ndarray,
                      level: float = 0.95) -> Tuple[float, float]:
    """Interval of ``mIoU(a) - mIoU(b)`` over the same bootstrap draws.

    Args:
        a (np.ndarray): :func:`bootstrap_miou` of one row.
        b (np.ndarray): Of the other, from the same ``weights``.
        level (float): Coverage.

    Returns:
        tuple[float, float]: Lower and upper bound of the difference.
    """
    return interval(np.asarray(a) - np.asarray(b), level)


def stack_runs(runs: Sequence[np.ndarray]) -> np.ndarray:
    """Per-seed :func:`region_confusions` as one ``(seeds, regions, 5, 5)``.

    Raises:
        ValueError: If the runs scored different numbers of regions.
    """
    sizes = {len(run) for run in runs}
    if len(sizes) != 1:
        raise ValueError(f'runs scored {sorted(sizes)} test regions; score '
                         'every seed on the same test set')
    return np.stack(runs)
