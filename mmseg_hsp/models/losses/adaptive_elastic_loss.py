"""Adaptive elastic loss (AE-loss), reconstructed for HSP-Net's best model."""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmseg.models.losses.utils import get_class_weight, weight_reduce_loss
from mmseg.registry import MODELS


@MODELS.register_module()
class AdaptiveElasticLoss(nn.Module):
    r"""Cross-entropy plus an adaptively weighted ordinal penalty.

    The AE-loss of Meng et al. (ICASSP 2020, "Adaptive elastic loss based on
    progressive inter-class association"), used by HSP-Net's best model, has
    no public formula. This is a reconstruction from its name and what the
    HSP-Net paper says of it; it is not the authors' code.

    The lesion classes form a progression (normal < CIN1 < CIN2 < CIN3, label
    indices ``progression``); background is apart from it. For a pixel with
    label :math:`t` and softmax probabilities :math:`p`:

    .. math::

        L = w_t \left[ -\log p_t + \lambda\, a \sum_c d(t, c)\, p_c \right],
        \qquad a = \mathrm{sg}\left[(1 - p_t)^{\gamma}\right]

    - :math:`d(t, c)` is the distance between classes: for two classes of
      the progression, their rank difference divided by its largest value
      (normal-CIN1 = 1/3, normal-CIN3 = 1); ``background_distance`` between
      a class of the progression and one outside it; 0 for :math:`t = c`.
      The sum is the expected distance of the prediction from the truth, so
      mass on a far class costs more than on a neighbour ("elastic").
    - :math:`a` is the adaptive weight: how wrong the pixel currently is,
      :math:`\gamma` sharpening it; sg = stop-gradient, so it only scales
      the ordinal term's gradient (the pixels already right are left to
      the cross-entropy).
    - :math:`\lambda` = ``elastic_weight``; with 0 the loss is exactly
      ``F.cross_entropy``. :math:`w_t` = ``class_weight`` (1 if None).

    Reduction follows mmseg's ``CrossEntropyLoss``: ignored pixels count 0;
    ``'mean'`` divides by the summed class weights of the non-ignored pixels
    when ``avg_non_ignore`` (as ``F.cross_entropy`` does), and otherwise also
    counts each ignored pixel with weight 1 (mmseg: ``label.numel()``).

    Args:
        elastic_weight (float): :math:`\lambda`, weight of the ordinal term.
            Defaults to 1.0.
        gamma (float): :math:`\gamma`, exponent of the adaptive weight.
            Defaults to 1.0.
        progression (Sequence[int]): Label indices of the progression, in
            order. Defaults to (1, 2, 3, 4): normal, CIN1, CIN2, CIN3.
        background_distance (float): :math:`d` between a class of the
            progression and one outside it (background). Defaults to 1.0,
            the largest distance within the progression.
        class_weight (list[float] | str, optional): Weight of each class, or
            a file to read it from (as mmseg). Defaults to None.
        reduction (str): 'none', 'mean' or 'sum'. Defaults to 'mean'.
        avg_non_ignore (bool): Average over the non-ignored pixels only.
            Defaults to False (as mmseg's ``CrossEntropyLoss``).
        loss_weight (float): Weight of the whole loss. Defaults to 1.0.
        loss_name (str): Name in the log; must start with ``loss_`` to be
            back-propagated. Defaults to 'loss_ae'.
    """

    def __init__(self,
                 elastic_weight: float = 1.0,
                 gamma: float = 1.0,
                 progression: Sequence[int] = (1, 2, 3, 4),
                 background_distance: float = 1.0,
                 class_weight: Optional[Union[Sequence[float], str]] = None,
                 reduction: str = 'mean',
                 avg_non_ignore: bool = False,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ae'):
        super().__init__()
        if elastic_weight < 0 or gamma < 0 or background_distance < 0:
            raise ValueError(
                'AdaptiveElasticLoss: elastic_weight, gamma and '
                'background_distance must be >= 0, got '
                f'{elastic_weight}, {gamma}, {background_distance}.')
        if len(progression) < 2 or len(set(progression)) != len(progression):
            raise ValueError(
                'AdaptiveElasticLoss: progression must list at least two '
                f'distinct label indices in order, got {tuple(progression)}.')
        if reduction not in ('none', 'mean', 'sum'):
            raise ValueError(
                f"AdaptiveElasticLoss: reduction={reduction!r}; use 'none', "
                "'mean' or 'sum'.")
        self.elastic_weight = elastic_weight
        self.gamma = gamma
        self.progression = tuple(progression)
        self.background_distance = background_distance
        self.class_weight = get_class_weight(class_weight)
        self.reduction = reduction
        self.avg_non_ignore = avg_non_ignore
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def extra_repr(self) -> str:
        """Extra repr."""
        return (f'elastic_weight={self.elastic_weight}, gamma={self.gamma}, '
                f'progression={self.progression}, '
                f'background_distance={self.background_distance}, '
                f'avg_non_ignore={self.avg_non_ignore}')

    def class_distance(self, num_classes: int, device: torch.device) -> Tensor:
        """The (num_classes, num_classes) matrix :math:`d(t, c)`.

        Args:
            num_classes (int): Number of classes of the logits.
            device (torch.device): Device of the result.
        """
        if max(self.progression) >= num_classes or min(self.progression) < 0:
            raise ValueError(
                f'AdaptiveElasticLoss: progression {self.progression} has '
                f'labels outside the {num_classes} classes of the logits; '
                'set progression to the label indices of your dataset.')
        # Rank in the progression scaled to [0, 1]; -1 marks classes apart.
        rank = torch.full((num_classes, ), -1.0, device=device)
        rank[list(self.progression)] = torch.linspace(
            0, 1, len(self.progression), device=device)
        on = rank >= 0
        distance = torch.where(on[:, None] & on[None, :],
                               (rank[:, None] - rank[None, :]).abs(),
                               torch.full_like(rank, self.background_distance))
        return distance.fill_diagonal_(0)

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                ignore_index: int = -100,
                **kwargs) -> Tensor:
        """Loss of logits (N, C, H, W) against labels (N, H, W).

        Args:
            cls_score (Tensor): Logits.
            label (Tensor): Class indices; ``ignore_index`` marks ignored.
            weight (Tensor, optional): Pixel-wise weight (N, H, W).
            avg_factor (float, optional): Divisor of the 'mean' reduction;
                computed from the labels when None.
            reduction_override (str, optional): Overrides ``reduction``.
            ignore_index (int): Label to ignore. Defaults to -100.
        """
        reduction = reduction_override or self.reduction
        class_weight = (None if self.class_weight is None else
                        cls_score.new_tensor(self.class_weight))
        loss = F.cross_entropy(
            cls_score,
            label,
            weight=class_weight,
            reduction='none',
            ignore_index=ignore_index)
        valid = label != ignore_index
        safe_label = torch.where(valid, label, torch.zeros_like(label))
        pixel_weight = valid.to(loss.dtype)
        if class_weight is not None:
            pixel_weight = pixel_weight * class_weight[safe_label]

        if self.elastic_weight > 0:
            prob = cls_score.float().softmax(dim=1)
            distance = self.class_distance(prob.shape[1], prob.device)
            expected_distance = (prob *
                                 distance[safe_label].movedim(-1, 1)).sum(1)
            prob_true = prob.gather(1, safe_label.unsqueeze(1)).squeeze(1)
            adaptive = (1 - prob_true).detach().pow(self.gamma)
            loss = loss + (self.elastic_weight * pixel_weight * adaptive *
                           expected_distance).to(loss.dtype)

        if avg_factor is None and reduction == 'mean':
            avg_factor = pixel_weight.sum()
            if not self.avg_non_ignore:
                avg_factor = avg_factor + (~valid).sum()
        if weight is not None:
            weight = weight.float()
        loss = weight_reduce_loss(
            loss, weight=weight, reduction=reduction, avg_factor=avg_factor)
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        """Name of the loss in the log (``loss_`` prefix: back-propagated)."""
        return self._loss_name
