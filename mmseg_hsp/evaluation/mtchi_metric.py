"""The paper's MTCHI metrics (Section 4.2) and the challenge's grouped mIoUs.

All scores come from one confusion matrix summed over the whole evaluated
set (rows: truth, columns: prediction), never from a mean of per-image
scores, as the official MTCHI evaluation does.
"""
import os
import os.path as osp
import warnings
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable

from mmseg.registry import METRICS
from ..datasets.mtchi import (MTCHI_CLASSES, MTCHI_TWO_TIER_CLASSES,
                              MTCHI_TWO_TIER_LABELS, mtchi_mask_name)
from ..fileio import write_png

# Per label set (by its number of classes): the scored labels of Eq. 3-5
# (all but 0, background), and label -> group of the official evaluation
# (group 0, background, is never averaged). NLH: normal, LSIL (CIN1), HSIL
# (CIN2 + CIN3), the two tiers; NC: normal, CIN. The two-tier set
# (MTCHITwoTierDataset) is its own NLH grouping.
LABEL_SETS = {
    len(MTCHI_CLASSES):
    dict(classes=MTCHI_CLASSES,
         lesions=(1, 2, 3, 4),
         nlh=tuple(MTCHI_TWO_TIER_LABELS),
         nc=(0, 1, 2, 2, 2)),
    len(MTCHI_TWO_TIER_CLASSES):
    dict(classes=tuple(MTCHI_TWO_TIER_CLASSES),
         lesions=(1, 2, 3),
         nlh=(0, 1, 2, 3),
         nc=(0, 1, 2, 2)),
}
# The five-label set's scored labels: normal, CIN1, CIN2, CIN3.
LESION_LABELS = LABEL_SETS[len(MTCHI_CLASSES)]['lesions']


def confusion_matrix(
    pred: torch.Tensor,
    truth: torch.Tensor,
    num_classes: int = len(MTCHI_CLASSES),
    ignore_labels: Sequence[int] = (255, )
) -> np.ndarray:
    """Pixel counts per (truth, prediction) pair.

    Args:
        pred (torch.Tensor): Predicted labels, any shape.
        truth (torch.Tensor): True labels, same shape.
        num_classes (int): Labels are ``0..num_classes-1``. Defaults to 5.
        ignore_labels (Sequence[int]): Truth values whose pixels are left
            out. Defaults to (255, ) (mmseg's padding).

    Returns:
        np.ndarray: int64 ``(num_classes, num_classes)``, ``[t, p]`` = number
        of pixels of truth ``t`` predicted ``p``.
    """
    truth = truth.reshape(-1).long()
    pred = pred.reshape(-1).long().to(truth.device)
    keep = ~torch.isin(truth, torch.tensor(ignore_labels, device=truth.device))
    pairs = truth[keep] * num_classes + pred[keep]
    counts = torch.bincount(pairs, minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes).cpu().numpy()


def group_confusion(confusion: np.ndarray,
                    groups: Sequence[int]) -> np.ndarray:
    """Merge labels into groups, e.g. CIN2 and CIN3 into HSIL.

    Args:
        confusion (np.ndarray): ``(C, C)`` confusion matrix.
        groups (Sequence[int]): Group index of each of the ``C`` labels.

    Returns:
        np.ndarray: ``(G, G)`` confusion matrix of the groups.
    """
    onehot = np.eye(max(groups) + 1, dtype=confusion.dtype)[list(groups)]
    return onehot.T @ confusion @ onehot


def iou_and_dice(confusion: np.ndarray, labels: Sequence[int]):
    """IoU and Dice of each label (Eq. 3, 4 before the mean).

    A label absent from both prediction and truth has 0/0: NaN, which the
    means leave out (``np.nanmean``), as mmseg's ``IoUMetric`` does.

    Args:
        confusion (np.ndarray): ``(C, C)`` confusion matrix (truth, pred).
        labels (Sequence[int]): Labels to score.

    Returns:
        tuple[np.ndarray, np.ndarray]: IoU and Dice per label.
    """
    labels = list(labels)
    intersect = np.diag(confusion)[labels].astype(np.float64)
    predicted = confusion.sum(0)[labels]
    true = confusion.sum(1)[labels]
    with np.errstate(invalid='ignore', divide='ignore'):
        iou = intersect / (predicted + true - intersect)
        dice = 2 * intersect / (predicted + true)
    return iou, dice


def pure_black_mask(image: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    """Pixels where the input image is pure black (0 in every channel).

    Args:
        image (torch.Tensor): ``(C, H, W)`` input image as the pipeline gave
            it (before normalisation).
        shape (Sequence[int]): ``(H', W')`` of the prediction; the mask is
            resized to it (nearest) when the pipeline resized the input.

    Returns:
        torch.Tensor: bool ``(H', W')``.
    """
    black = (image == 0).all(dim=0)
    if tuple(black.shape) != tuple(shape):
        black = F.interpolate(
            black[None, None].float(), size=tuple(shape),
            mode='nearest')[0, 0].bool()
    return black


def unflipped_inputs(data_batch: dict) -> Sequence[torch.Tensor]:
    """The batch's input images in the orientation of the predictions.

    Under test-time augmentation (``tools/test.py --tta``) ``inputs`` and
    ``data_samples`` hold one batch per view, and ``SegTTAModel`` returns
    merged predictions in the original orientation: the first view that is
    not flipped is that orientation.

    Args:
        data_batch (dict): The batch from the dataloader.

    Returns:
        Sequence[torch.Tensor]: One ``(C, H, W)`` image per sample.

    Raises:
        ValueError: If every view of a TTA batch is flipped.
    """
    inputs = data_batch['inputs']
    if isinstance(inputs, torch.Tensor) or isinstance(inputs[0], torch.Tensor):
        return inputs
    for view, samples in zip(inputs, data_batch['data_samples']):
        if not any(sample.metainfo.get('flip', False) for sample in samples):
            return view
    raise ValueError('zero_black_input needs one tta_pipeline view that is '
                     "not flipped: add dict(type='RandomFlip', prob=0.)")


@METRICS.register_module()
class MTCHIMetric(BaseMetric):
    """Dice, mIoU and AP over normal/CIN1/CIN2/CIN3, and NLH-/NC-mIoU.

    With ``P_i``/``T_i`` the pixels predicted/true of class ``i`` summed
    over the set (Section 4.2, Eq. 3-5):

    - ``Dice`` = mean over i = 1..4 of ``2|P_i & T_i| / (|P_i| + |T_i|)``;
    - ``mIoU`` = mean over i = 1..4 of ``|P_i & T_i| / |P_i | T_i|``;
    - ``AP`` = pixel accuracy, correct pixels / evaluated pixels;
    - ``NLH-mIoU``: mIoU over normal, LSIL (CIN1), HSIL (CIN2 or CIN3);
    - ``NC-mIoU``: mIoU over normal and CIN (any grade);
    - ``IoU.<class>``, ``Dice.<class>`` per class.

    Class names come from ``dataset_meta['classes']``, as in mmseg's
    ``IoUMetric`` (MTCHI's when the metric runs without a dataset); the
    scores need five classes in MTCHI's order (background, normal, CIN1,
    CIN2, CIN3), which the NLH and NC groups assume, or the four of its two
    tiers (background, normal, LSIL, HSIL: ``MTCHITwoTierDataset``), scored
    over normal, LSIL and HSIL (``NLH-mIoU`` is then ``mIoU``).

    Scores are fractions in [0, 1], as in the paper's tables (mmseg's
    ``IoUMetric`` reports percentages). A class absent from both
    prediction and truth scores NaN and is left out of the means.

    Args:
        ignore_background (bool): Leave out pixels whose truth is 0
            (stroma, glass, outside the region: not annotated), as the
            official evaluation does. If False they count: a lesion
            predicted there is a false positive and 0 predicted there is
            correct for ``AP``. Defaults to True.
        zero_black_input (bool): Set the prediction to 0 where the input
            image is pure black (outside the annotated region), as the
            authors did. It changes the scores only with
            ``ignore_background=False`` (truth is 0 there), and always
            changes the maps written to ``output_dir``. Defaults to False.
        output_dir (str, optional): Write each (post-processed) prediction
            there as ``Mask_<name>.png``, the Task 2 truth format, so the
            folder can be scored like ``Truth/``. Defaults to None.
        keep_results (bool): Accepted for mmseg's ``tools/test.py --out``,
            which sets it with ``output_dir``; maps are kept whenever
            ``output_dir`` is set. Defaults to False.
        collect_device (str): Device for collecting results across ranks.
            Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to None.
    """

    def __init__(self,
                 ignore_background: bool = True,
                 zero_black_input: bool = False,
                 output_dir: Optional[str] = None,
                 keep_results: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ignore_labels = (0, 255) if ignore_background else (255, )
        self.zero_black_input = zero_black_input
        self.output_dir = output_dir
        if output_dir:
            os.makedirs(output_dir, exist_ok=True)

    @property
    def class_names(self) -> Tuple[str, ...]:
        """The dataset's class names; MTCHI's without a dataset.

        Raises:
            ValueError: If the dataset has neither MTCHI's five classes nor
                its four two-tier ones.
        """
        names = tuple((self.dataset_meta or {}).get('classes', MTCHI_CLASSES))
        if len(names) not in LABEL_SETS:
            raise ValueError(
                f'MTCHIMetric: the dataset has {len(names)} classes {names}; '
                f'the MTCHI scores need {len(MTCHI_CLASSES)} in the order '
                f'{MTCHI_CLASSES} or the {len(MTCHI_TWO_TIER_CLASSES)} two '
                f'tiers {tuple(MTCHI_TWO_TIER_CLASSES)}; use IoUMetric for '
                'other label sets')
        return names

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Add each sample's confusion matrix to ``self.results``.

        Args:
            data_batch (dict): The batch from the dataloader; its ``inputs``
                are used by ``zero_black_input``.
            data_samples (Sequence[dict]): The model's outputs.
        """
        if self.zero_black_input:
            inputs = unflipped_inputs(data_batch)
        for i, sample in enumerate(data_samples):
            pred = sample['pred_sem_seg']['data'].squeeze(0)
            if self.zero_black_input:
                black = pure_black_mask(inputs[i], pred.shape)
                pred = pred.masked_fill(black.to(pred.device), 0)
            truth = sample['gt_sem_seg']['data'].squeeze(0)
            self.results.append(
                confusion_matrix(pred, truth, len(self.class_names),
                                 self.ignore_labels))
            if self.output_dir:
                name = osp.splitext(osp.basename(sample['img_path']))[0]
                write_png(
                    osp.join(self.output_dir, mtchi_mask_name(name)),
                    pred.cpu().numpy().astype(np.uint8))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Scores from the confusion matrices of all samples.

        Args:
            results (list): One confusion matrix per sample.

        Returns:
            dict[str, float]: ``Dice``, ``mIoU``, ``AP``, ``NLH-mIoU``,
            ``NC-mIoU``, ``IoU.<class>``, ``Dice.<class>``.

        Raises:
            ValueError: If there are no samples (an empty test set).
        """
        if not results:
            raise ValueError(
                'MTCHIMetric: no sample was evaluated: the test set is empty '
                '(check data_root, data_prefix and the split file)')
        confusion = np.sum(results, axis=0)
        if not confusion.any():
            warnings.warn(
                f'MTCHIMetric: the truth of all {len(results)} samples is '
                'background (label 0), which is not evaluated: every score '
                'is NaN; check the masks (or set ignore_background=False)')
        names = self.class_names
        metrics = mtchi_scores(confusion, names)
        table = PrettyTable(field_names=['Class', 'IoU', 'Dice'])
        for name in names[1:]:
            table.add_row([
                name, f'{metrics["IoU." + name]:.4f}',
                f'{metrics["Dice." + name]:.4f}'
            ])
        logger = MMLogger.get_current_instance()
        print_log('per class results:\n' + table.get_string(), logger=logger)
        return metrics


def mtchi_scores(
        confusion: np.ndarray,
        class_names: Sequence[str] = MTCHI_CLASSES) -> Dict[str, float]:
    """All scores of :class:`MTCHIMetric` from a summed confusion matrix.

    Args:
        confusion (np.ndarray): ``(5, 5)`` (or ``(4, 4)`` for the two tiers)
            pixel counts (truth, prediction) over the evaluated pixels.
        class_names (Sequence[str]): Names of the labels, used in the
            per-class keys. Defaults to MTCHI's.

    Returns:
        dict[str, float]: See :class:`MTCHIMetric`.
    """
    label_set = LABEL_SETS[len(confusion)]
    lesions = label_set['lesions']
    iou, dice = iou_and_dice(confusion, lesions)
    nlh_iou, _ = iou_and_dice(
        group_confusion(confusion, label_set['nlh']), (1, 2, 3))
    nc_iou, _ = iou_and_dice(
        group_confusion(confusion, label_set['nc']), (1, 2))
    with np.errstate(invalid='ignore', divide='ignore'):
        accuracy = np.trace(confusion) / confusion.sum()
    metrics = {
        'Dice': _nanmean(dice),
        'mIoU': _nanmean(iou),
        'AP': float(accuracy),
        'NLH-mIoU': _nanmean(nlh_iou),
        'NC-mIoU': _nanmean(nc_iou),
    }
    for label, class_iou, class_dice in zip(lesions, iou, dice):
        metrics[f'IoU.{class_names[label]}'] = float(class_iou)
        metrics[f'Dice.{class_names[label]}'] = float(class_dice)
    return metrics


def _nanmean(values: np.ndarray) -> float:
    """Mean without NaNs; NaN (without a warning) if all are NaN."""
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float('nan')
