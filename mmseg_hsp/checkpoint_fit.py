"""A model must fit its checkpoint when it is evaluated or run on slides.

mmengine loads weights non-strictly: a checkpoint of another class count,
an empty ``state_dict`` or another model's weights only logs a warning, and
metrics and label maps then come from random weights with exit code 0.
Fine-tuning (``load_from`` in training) needs that leniency; evaluation and
inference do not. :func:`check_checkpoint_fits` compares key by key and
shape by shape, and refuses NaN or infinite weights;
:class:`~mmseg_hsp.engine.StrictCheckpointHook` applies it at mmengine's
``after_load_checkpoint`` point, which ``tools/test.py`` adds.
"""
import re
from typing import Dict, List

import torch
from mmengine.model import BaseTTAModel, is_model_wrapper
from torch import nn

# Keys listed per kind of mismatch in the one-line error.
LISTED_KEYS = 3


class CheckpointMismatch(ValueError):
    """A checkpoint whose weights do not fit the model (one-line message)."""


class NonFiniteCheckpoint(CheckpointMismatch):
    """A checkpoint with NaN or infinite weights (one-line message)."""


def _listing(kind: str, items: List[str]) -> str:
    shown = ', '.join(items[:LISTED_KEYS])
    more = f', ... ({len(items)} in all)' if len(items) > LISTED_KEYS else ''
    return f'{kind}: {shown}{more}'


def checkpoint_state_dict(checkpoint: dict) -> Dict[str, torch.Tensor]:
    """The weights of a loaded checkpoint, keys as mmengine loads them.

    Args:
        checkpoint (dict): What ``torch.load`` returned: mmengine's dict
            with ``state_dict``, or a plain state dict.

    Returns:
        dict[str, Tensor]: The tensors, ``module.`` prefixes (of models
        saved while wrapped) stripped as mmengine's ``revise_keys`` does.
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    return {
        re.sub(r'^module\.', '', key): value
        for key, value in state_dict.items() if torch.is_tensor(value)
    }


def check_weights_finite(weights: Dict[str, torch.Tensor],
                         source: str) -> None:
    """Raise if a floating-point weight holds NaN or infinity.

    A run that diverged saves NaN weights; the model then scores every
    pixel NaN, whose arg-max is class 0: an all-background map, all metrics
    zero, exit code 0.

    Args:
        weights (dict[str, Tensor]): From :func:`checkpoint_state_dict`.
        source (str): The checkpoint's file, for the message.

    Raises:
        NonFiniteCheckpoint: Naming the first such tensor (in the
            checkpoint's order) and how many of its values are bad.
    """
    for key, value in weights.items():
        if not value.is_floating_point():
            continue
        bad = value.numel() - int(torch.isfinite(value).sum())
        if bad:
            raise NonFiniteCheckpoint(
                f'{source}: weight {key} holds {bad} NaN or infinite '
                f'value(s) of {value.numel()}: the training diverged or the '
                'file is damaged; use an earlier checkpoint')


def check_checkpoint_fits(model: nn.Module, checkpoint: dict,
                          source: str) -> None:
    """Raise unless the checkpoint has exactly the model's weights, all
    finite.

    Args:
        model (nn.Module): The model (DDP-wrapped or a TTA model are
            looked through, as mmengine does).
        checkpoint (dict): The loaded checkpoint.
        source (str): Its file, for the message.

    Raises:
        CheckpointMismatch: With one line naming the shape mismatches, the
            missing and the unexpected keys (the first few of each).
        NonFiniteCheckpoint: See :func:`check_weights_finite`.
    """
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    weights = checkpoint_state_dict(checkpoint)
    if not weights:
        raise CheckpointMismatch(
            f'{source}: the checkpoint holds no weights (empty state_dict); '
            'give the checkpoint the model was trained into')
    check_weights_finite(weights, source)
    expected = model.state_dict()
    shapes = [
        f'{key} {list(weights[key].shape)} in the checkpoint, '
        f'{list(value.shape)} in the model' for key, value in expected.items()
        if key in weights and weights[key].shape != value.shape
    ]
    # BatchNorm's step counters are not weights (mmengine ignores them too).
    missing = [
        key for key in expected
        if key not in weights and not key.endswith('num_batches_tracked')
    ]
    unexpected = [key for key in weights if key not in expected]
    kinds = dict(
        zip(('shape mismatches', 'missing keys', 'unexpected keys'),
            (shapes, missing, unexpected)))
    problems = [
        _listing(kind, items) for kind, items in kinds.items() if items
    ]
    if problems:
        raise CheckpointMismatch(
            f'{source} does not fit the model ({"; ".join(problems)}); '
            'use the config the checkpoint was trained with (classes, '
            'backbone, head)')
