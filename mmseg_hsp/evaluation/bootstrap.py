"""How much a score owes to the choice of test regions and of seeds.

MTCHI's scores come from one confusion matrix summed over the test regions
(:class:`MTCHIMetric`). Drawing as many regions as the test set has, with
replacement, and summing their matrices gives the score another test set
of the same kind would have given; the spread of many such draws is the
evaluation's own uncertainty, beside the seed spread of training.

Whether two rows of a table stand apart is one test, :func:`compare_rows`,
a paired two-level bootstrap: each draw resamples each row's seeds (its
own draws) and the test regions (the *same* draws for both rows, as every
row is tested on the same regions, so what the regions have in common
cancels out of the difference). With three seeds a percentile interval of
such draws is far too narrow (the draws of three values never leave their
range), so the difference is referred to a t distribution instead: its
standard error is the draws' spread (seed deviations inflated by
sqrt(n / (n - 1)), as resampling n values shrinks their variance by
(n - 1) / n), its degrees of freedom Welch-Satterthwaite's over the seeds.
A family of pairs is corrected by Bonferroni (:func:`bonferroni`):
``m`` pairs are each tested at 5 % / m, and their intervals are the
matching (1 - 5 % / m) intervals, so a pair is apart exactly when its
interval excludes 0 and the whole family errs in at most 5 % of tables.
"""
import os.path as osp
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import cv2
import numpy as np
from scipy.stats import t as student_t

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


def seed_region_scores(confusions: np.ndarray,
                       weights: np.ndarray) -> np.ndarray:
    """Each seed's mIoU on each bootstrap sample of the test regions.

    Args:
        confusions (np.ndarray): ``(seeds, regions, 5, 5)`` per-region
            confusion matrices of each seed's run.
        weights (np.ndarray): :func:`resample_weights`, ``(draws,
            regions)``.

    Returns:
        np.ndarray: ``(draws, seeds)``: the mIoU of the drawn regions'
        summed confusion, per seed.

    Raises:
        ValueError: If the regions of ``confusions`` and ``weights`` differ
            in number.
    """
    if confusions.shape[1] != weights.shape[1]:
        raise ValueError(
            f'{confusions.shape[1]} test regions scored but the draws are '
            f'over {weights.shape[1]}; score every run on the same test set')
    return miou_of_confusions(
        np.einsum('dr,srij->dsij', weights, confusions))


def bootstrap_miou(confusions: np.ndarray,
                   weights: np.ndarray) -> np.ndarray:
    """A row's mIoU on each bootstrap sample, mean over its seeds.

    Args:
        confusions (np.ndarray): ``(seeds, regions, 5, 5)``.
        weights (np.ndarray): :func:`resample_weights`.

    Returns:
        np.ndarray: ``(draws, )``: for each draw, the mean over seeds of the
        mIoU of the drawn regions' summed confusion.
    """
    return np.nanmean(seed_region_scores(confusions, weights), axis=1)


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


def resample_seeds(seeds: int, draws: int, seed: int) -> np.ndarray:
    """Which seeds each bootstrap sample of a row draws.

    Args:
        seeds (int): The row's seeds.
        draws (int): Bootstrap samples.
        seed (int): Seed of the draws (give each row its own: rows are
            trained apart).

    Returns:
        np.ndarray: int64 ``(draws, seeds)`` indices.
    """
    return np.random.default_rng(seed).integers(0, seeds, (draws, seeds))


def two_level_samples(scores: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """A row's seed mean on each draw of regions and seeds.

    Args:
        scores (np.ndarray): ``(..., draws, seeds)``: each seed's score on
            each draw of the regions (:func:`seed_region_scores`).
        picks (np.ndarray): ``(draws, seeds)`` from :func:`resample_seeds`.

    Returns:
        np.ndarray: ``(..., draws)``: the mean of the drawn seeds, whose
        deviations from the draw's seed mean are inflated by
        sqrt(n / (n - 1)) so that the draws' variance is s^2 / n, not
        s^2 (n - 1) / n^2.
    """
    n = scores.shape[-1]
    if n > 1:
        mean = scores.mean(-1, keepdims=True)
        scores = mean + np.sqrt(n / (n - 1)) * (scores - mean)
    picks = np.broadcast_to(picks, scores.shape)
    return np.take_along_axis(scores, picks, -1).mean(-1)


@dataclass
class Comparison:
    """The test of one pair of rows (arrays: one value per batch element).

    Attributes:
        difference: Mean score of the first row minus the second's.
        se: Its standard error (regions and seeds).
        df: Welch-Satterthwaite degrees of freedom (NaN with one seed: no
            test).
        p: Two-sided p-value of "no difference" (NaN without a test).
    """
    difference: np.ndarray
    se: np.ndarray
    df: np.ndarray
    p: np.ndarray


def compare_rows(full_a: np.ndarray, full_b: np.ndarray,
                 samples_a: np.ndarray,
                 samples_b: np.ndarray) -> Comparison:
    """Test whether two rows differ in mean score (see the module doc).

    Args:
        full_a (np.ndarray): ``(..., seeds_a)``: each seed's score on the
            whole test set.
        full_b (np.ndarray): ``(..., seeds_b)``.
        samples_a (np.ndarray): ``(..., draws)``: :func:`two_level_samples`
            of the first row.
        samples_b (np.ndarray): Of the second, on the same region draws.

    Returns:
        Comparison: Difference, standard error, degrees of freedom, p.
    """
    n_a, n_b = full_a.shape[-1], full_b.shape[-1]
    difference = full_a.mean(-1) - full_b.mean(-1)
    se = np.std(samples_a - samples_b, axis=-1, ddof=1)
    if min(n_a, n_b) < 2:  # no seed spread to refer the difference to
        nan = np.full(np.shape(difference), np.nan)
        return Comparison(difference, se, nan, nan)
    seed_a = full_a.var(-1, ddof=1) / n_a
    seed_b = full_b.var(-1, ddof=1) / n_b
    with np.errstate(divide='ignore', invalid='ignore'):
        df = se**4 / (seed_a**2 / (n_a - 1) + seed_b**2 / (n_b - 1))
        t = np.abs(difference) / se
    df = np.nan_to_num(df, nan=np.inf)
    p = np.where(se > 0, np.minimum(1, 2 * student_t.sf(t, df)),
                 np.where(difference == 0, 1.0, 0.0))
    return Comparison(difference, se, df, p)


@dataclass
class Verdict:
    """A pair's test corrected for its family (:func:`bonferroni`).

    Attributes:
        difference (float): First row's mean minus the second's.
        low, high (float): The interval of the difference at 1 - alpha / m
            (NaN without a test).
        p (float): Bonferroni-adjusted p-value, min(1, m p) (NaN without a
            test).
        apart (bool): Whether the adjusted p is below alpha, i.e. the
            interval excludes 0.
    """
    difference: float
    low: float
    high: float
    p: float
    apart: bool


def bonferroni(comparisons: List[Comparison],
               alpha: float = 0.05) -> List[Verdict]:
    """Correct a family of scalar comparisons for their number.

    Args:
        comparisons (list[Comparison]): The family (every pair reported in
            one reading of a table).
        alpha (float): Family-wise error.

    Returns:
        list[Verdict]: In the same order.
    """
    m = max(1, len(comparisons))
    verdicts = []
    for c in comparisons:
        p = float(c.p)
        if np.isnan(p):
            verdicts.append(
                Verdict(float(c.difference), np.nan, np.nan, np.nan, False))
            continue
        half = float(c.se * student_t.ppf(1 - alpha / (2 * m), c.df))
        adjusted = min(1.0, p * m)
        verdicts.append(
            Verdict(
                float(c.difference), float(c.difference) - half,
                float(c.difference) + half, adjusted, adjusted < alpha))
    return verdicts


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
