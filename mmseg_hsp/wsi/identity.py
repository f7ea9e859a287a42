"""What a slide's results were made with, so that other settings never
reuse them.

A slide whose outputs are finished is skipped on a rerun. That is right for
the same model and settings only: a rerun with another checkpoint, config,
blend mode, resolution, precision or stain would otherwise report
"skipped" and keep the first run's results. Each summary therefore records
the run's identity (:func:`run_identity`): digests of the weights and of
the model config, the class names in their order (what each label value
means: a checkpoint whose ``dataset_meta`` reorders them is another
model), and every setting that changes an output pixel or polygon. A rerun compares it (:func:`identity_differences`) before it
skips anything.
"""
import hashlib
import json
from typing import Any, Dict, List, Optional, Tuple

import torch
from torch import nn

# Config keys that only say where initial weights came from: the loaded
# checkpoint replaces them, so they change no result (and are edited to
# run offline).
INIT_KEYS = ('init_cfg', 'pretrained')
# Hex digits of a digest shown in a message.
SHOWN_DIGITS = 12


def weights_digest(model: nn.Module) -> str:
    """SHA-256 of a model's state dict: names, dtypes, shapes and bytes.

    Args:
        model (nn.Module): The model (on any device, any memory format).

    Returns:
        str: The hex digest.
    """
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        tensor = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(f'{name} {tensor.dtype} {tuple(tensor.shape)};'.encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _without_init(value: Any) -> Any:
    """A config value with its :data:`INIT_KEYS` removed, at any depth."""
    if isinstance(value, dict):
        return {
            key: _without_init(item)
            for key, item in value.items() if key not in INIT_KEYS
        }
    if isinstance(value, (list, tuple)):
        return [_without_init(item) for item in value]
    return value


def config_digest(model: nn.Module) -> Optional[str]:
    """SHA-256 of the model config a model was built from.

    Args:
        model (nn.Module): A model ``init_model`` built (it sets ``cfg``).

    Returns:
        str | None: The digest of ``cfg.model`` (architecture, data
        preprocessor, ``test_cfg``) less :data:`INIT_KEYS`; None for a
        model without a config.
    """
    cfg = getattr(model, 'cfg', None)
    if cfg is None or 'model' not in cfg:
        return None
    text = json.dumps(_without_init(cfg.model.to_dict()), sort_keys=True,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _flat(value: Any, prefix: str = '') -> Dict[str, Any]:
    """A nested dict as ``{'a.b': leaf}``."""
    if not isinstance(value, dict) or not value:
        return {prefix: value}
    flat = {}
    for key, item in value.items():
        flat.update(_flat(item, f'{prefix}.{key}' if prefix else key))
    return flat


def _shown(settings: Dict[str, Any], key: str) -> str:
    """A flat setting as a message shows it: JSON, a digest shortened."""
    if key not in settings:
        return 'unset'
    value = settings[key]
    if isinstance(value, str) and len(value) == 64:  # a digest
        return value[:SHOWN_DIGITS]
    return json.dumps(value)


def identity_differences(recorded: Optional[dict],
                         current: dict) -> List[str]:
    """What differs between a summary's identity and this run's.

    Args:
        recorded (dict, optional): The ``identity`` a summary records
            (None if it records none: an earlier version wrote it).
        current (dict): This run's (``SlideSegmenter.identity``).

    Returns:
        list[str]: One ``'<setting> <then> then, <now> now'`` per differing
        setting (dotted names, e.g. ``blend.mode``), in ``current``'s
        order; empty when they match.
    """
    if recorded is None:
        return ['settings (none recorded then)']
    # A JSON round trip, so tuples and lists compare equal.
    then = _flat(json.loads(json.dumps(recorded)))
    now = _flat(json.loads(json.dumps(current)))
    keys = list(now) + [key for key in then if key not in now]
    return [
        f'{key} {_shown(then, key)} then, {_shown(now, key)} now'
        for key in keys
        if key not in then or key not in now or then[key] != now[key]
    ]


def slide_change(recorded: Optional[dict],
                 current: dict) -> Optional[Tuple[str, Optional[str]]]:
    """How the slide of a summary differs from the one given now.

    Args:
        recorded (dict, optional): The summary's ``slide_identity`` (None
            if it records none: an earlier version wrote it).
        current (dict): The slide's
            :func:`~mmseg_hsp.slide_io.slide_fingerprint` now.

    Returns:
        tuple[str, str | None] | None: None for the same slide, unchanged;
        ``('other', <its path>)`` for another slide (another path and other
        bytes; a slide moved or copied elsewhere, same size and sampled
        bytes, is the same slide), ``('other', None)`` when none was
        recorded; ``('changed', <what>)`` for the same path with another
        size, modification time or sampled bytes (a rescan).
    """
    if recorded is None:
        return 'other', None
    same_bytes = all(recorded.get(key) == current[key]
                     for key in ('bytes', 'files', 'sha256'))
    if recorded.get('path') != current['path']:
        return None if same_bytes else ('other', recorded.get('path'))
    what = [
        f'{name} {recorded.get(key)} then, {current[key]} now'
        for key, name in (('bytes', 'size'), ('files', 'files'),
                          ('mtime', 'modification time (ns)'))
        if recorded.get(key) != current[key]
    ]
    if recorded.get('sha256') != current['sha256']:
        what.append('its sampled bytes differ')
    return ('changed', '; '.join(what)) if what else None
