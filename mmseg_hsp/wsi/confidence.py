"""Where the model is sure: the confidence layer and its statistics.

The confidence of a pixel is the blended probability of the class it is
labelled: the maximum of the blended softmax scores (``scores='softmax'``,
the default: a weighted average of the tiles' probabilities, which sums to
1), or of the softmax of the blended logits (``scores='logits'``). It lies
in ``[1 / num_classes, 1]``. It was preferred to ``1 -`` normalised entropy
because it reads as a probability of the answer given, and is what the
label map's arg-max compares.

It is stored as uint8, ``round(255 * p)`` (at least 1 for a predicted
pixel, as ``p >= 1 / num_classes``); 0 marks pixels without a model answer:
no tile predicted them (no tissue), or a rule labelled them background
(non-tissue, pure-black input). It is computed band by band beside the
labels, where the scores are (on the GPU for a GPU model), so it costs no
more memory than the label map.
"""
from typing import Optional, Sequence

import numpy as np

# Stored value of probability 1; 0 is "no model answer".
CONFIDENCE_SCALE = 255
# What the stored values mean, for the TIFF's description.
CONFIDENCE_VALUES = ('round(255 * p), p the blended probability of the '
                     'labelled class; 0: no model answer')
# Confidence below this probability counts as unsure in the summaries.
UNSURE_BELOW = 0.5


def band_confidence(scores, covered, scores_kind: str) -> np.ndarray:
    """The stored confidence of a band of blended scores.

    Args:
        scores (np.ndarray | Tensor): ``(num_classes, h, W)`` blended scores
            (numpy, or a tensor on the blending device).
        covered (np.ndarray | Tensor): ``(h, W)`` bool, True where a tile
            was predicted.
        scores_kind (str): ``'softmax'`` (probabilities were blended) or
            ``'logits'``.

    Returns:
        np.ndarray: ``(h, W)`` uint8 on the host: ``round(255 * p)``, 0
        where not covered.
    """
    is_numpy = isinstance(scores, np.ndarray)
    top = scores.max(0) if is_numpy else scores.amax(0)
    if scores_kind == 'logits':
        # softmax's maximum: 1 / sum(exp(s - max)), stable for any logits
        spread = np.exp(scores - top) if is_numpy else (scores - top).exp()
        top = 1 / spread.sum(0)
    stored = (top * CONFIDENCE_SCALE).round()
    stored = stored.clip(1, CONFIDENCE_SCALE) if is_numpy else \
        stored.clamp(1, CONFIDENCE_SCALE)
    stored[~covered] = 0
    if is_numpy:
        return stored.astype(np.uint8)
    import torch
    return stored.to(torch.uint8).cpu().numpy()


class ConfidenceStats:
    """Confidence per class, counted band by band (a joint histogram)."""

    def __init__(self):
        self.histogram = np.zeros((256, CONFIDENCE_SCALE + 1), np.int64)

    def add(self, labels: np.ndarray, confidence: np.ndarray) -> None:
        """Count a band.

        Args:
            labels (np.ndarray): ``(h, W)`` uint8 labels.
            confidence (np.ndarray): ``(h, W)`` uint8 stored confidence.
        """
        joint = labels.astype(np.int32) * (CONFIDENCE_SCALE + 1) + confidence
        self.histogram += np.bincount(
            joint.ravel(),
            minlength=self.histogram.size).reshape(self.histogram.shape)

    @property
    def answered(self) -> int:
        """int: Pixels with a model answer (tissue that was analysed)."""
        return int(self.histogram[:, 1:].sum())

    def summary(self, class_names: Sequence[str]) -> dict:
        """The slide's confidence figures, over pixels with a model answer.

        Args:
            class_names (Sequence[str]): Names of the classes; class 0
                (background) is left out of ``mean`` and ``unsure``.

        Returns:
            dict: ``mean`` (over the classes other than background),
            ``unsure`` (their share with ``p <`` :data:`UNSURE_BELOW`),
            ``per_class`` (``{name: mean}``; None for a class without
            pixels) and ``definition``.
        """
        answered = self.histogram[:len(class_names), 1:]
        probabilities = np.arange(1, CONFIDENCE_SCALE + 1) / CONFIDENCE_SCALE
        foreground = answered[1:].sum(0)
        unsure = probabilities < UNSURE_BELOW
        return dict(
            definition='blended probability of the labelled class',
            mean=_mean(foreground, probabilities),
            unsure=_mean(foreground, unsure.astype(np.float64)),
            unsure_below=UNSURE_BELOW,
            per_class={
                name: _mean(counts, probabilities)
                for name, counts in zip(class_names, answered)
            })


def _mean(counts: np.ndarray, values: np.ndarray) -> Optional[float]:
    """Mean of ``values`` weighted by ``counts``, rounded; None if empty."""
    total = counts.sum()
    return round(float(counts @ values / total), 4) if total else None
