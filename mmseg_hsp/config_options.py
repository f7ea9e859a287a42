"""Config overrides (``--cfg-options``, the API's ``cfg_options``) that
must name keys the config has.

mmengine's ``Config.merge_from_dict`` adds whatever key it is given, so a
mistyped key (``model.test_cfg.mdoe=gauss``, ``test_dataloder.batch_size=2``)
becomes a new key nobody reads, and the run silently does what the config
said: a result that looks like the requested one and is not.
:func:`merge_cfg_options` merges only keys that exist, or that the
consumer of their dict takes: a keyword of the dict's ``type`` (e.g.
``default_hooks.visualization.draw``, ``optim_wrapper.clip_grad``), a key
:data:`KNOWN_KEYS` lists for a dict without ``type`` (``model.test_cfg``'s
blend settings), a ``Runner`` argument at the top (``randomness``). A key
the user means to add is marked with a leading ``+`` (as in Hydra:
``+model.test_cfg.new_key=1``). Values with a fixed vocabulary
(:data:`CHOICES`, loss types) are checked against it.
"""
import difflib
import inspect
import re
from typing import Iterator, Optional, Set, Tuple

from mmengine.config import Config

from .tiling.blending import BLEND_MODES, GAUSS_WEIGHTS, MMSEG_MODES
from .tiling.precision import AMP_CHOICES

# Marks a key the config does not have yet, on purpose.
NEW_KEY = '+'
# What reads ``model.test_cfg``: mmseg's test modes, the blend modes
# (BlendSpec.from_test_cfg), the predictor and the precision.
TEST_CFG_KEYS = ('mode', 'crop_size', 'stride', 'weight', 'sigma',
                 'batch_size', 'scores', 'amp', 'channels_last')
# Keys of dicts without ``type`` that their reader takes though a config
# may not set them.
KNOWN_KEYS = {
    'model.test_cfg': TEST_CFG_KEYS,
    'randomness': ('seed', 'diff_rank_seed', 'deterministic'),
    'env_cfg': ('cudnn_benchmark', 'mp_cfg', 'dist_cfg'),
}
# Top-level keys read besides the Runner's arguments (mmseg's tools, the
# Runner's cfg lookups).
TOP_LEVEL_KEYS = ('custom_imports', 'tta_model', 'tta_pipeline', 'compile',
                  'total_batch_size')
# Values with a fixed vocabulary.
CHOICES = {
    'model.test_cfg.mode': MMSEG_MODES + BLEND_MODES,
    'model.test_cfg.weight': GAUSS_WEIGHTS,
    'model.test_cfg.scores': ('softmax', 'logits'),
    'model.test_cfg.amp': AMP_CHOICES + (True, False),
}
LOSS_TYPE = re.compile(r'(^|\.)loss_decode(\.\d+)?\.type$')


def merge_cfg_options(cfg: Config, options: Optional[dict]) -> None:
    """Check overrides against ``cfg`` and merge them into it.

    Args:
        cfg (Config): The config, changed in place.
        options (dict, optional): ``{dotted key: value}`` as
            ``--cfg-options`` parses them; values may be nested dicts (the
            API's). A key starting with ``+`` may be new.

    Raises:
        ValueError: For a key the config does not have (naming the nearest
            one) or a value outside its vocabulary (naming the choices).
    """
    if not options:
        return
    cfg.merge_from_dict(checked_cfg_options(cfg, options))


def checked_cfg_options(cfg: Config, options: dict) -> dict:
    """The overrides, ``+`` marks removed, after :func:`merge_cfg_options`'
    checks.

    Args:
        cfg (Config): The config they apply to.
        options (dict): The overrides.

    Returns:
        dict: The overrides to merge.
    """
    plain = {}
    for key, value in options.items():
        new = key.startswith(NEW_KEY)
        key = key[len(NEW_KEY):] if new else key
        for flat_key, flat_value in _flatten(key, value):
            if not new:
                _check_key(cfg, flat_key, options)
            _check_value(flat_key, flat_value)
        plain[key] = value
    return plain


def _flatten(key: str, value) -> Iterator[Tuple[str, object]]:
    """Dotted keys of a nested dict value (one replaced whole with
    ``_delete_`` counts as one value)."""
    if isinstance(value, dict) and value and not value.get('_delete_'):
        for sub_key, sub_value in value.items():
            yield from _flatten(f'{key}.{sub_key}', sub_value)
    else:
        yield key, value


def _check_key(cfg: Config, key: str, options: dict) -> None:
    node, parts = cfg._cfg_dict, key.split('.')
    for depth, part in enumerate(parts):
        if isinstance(node, (list, tuple)):
            # mmengine indexes lists with digits and names a bad index.
            if not (part.isdigit() and int(part) < len(node)):
                return
            node = node[int(part)]
        elif isinstance(node, dict):
            if part in ('_delete_', '_scope_'):
                return
            if part not in node:
                parent = '.'.join(parts[:depth])
                accepted = _accepted_keys(node, parent, options)
                if accepted is None or part in accepted:
                    return
                raise ValueError(
                    _unknown_key_message(cfg, parts, depth,
                                         list(node) + sorted(accepted)))
            node = node[part]
        else:
            # A value (or None) below which the key goes on: mmengine's
            # merge decides whether a dict may replace it.
            return


def _accepted_keys(node: dict, parent: str,
                   options: dict) -> Optional[Set[str]]:
    """Keys ``node`` may get though it does not hold them.

    Returns:
        set[str] | None: Keywords of its ``type`` (the overridden type if
        the options change it; None, any key, when the type takes
        ``**kwargs`` or cannot be looked up), else :data:`KNOWN_KEYS`, else
        the Runner's arguments at the top.
    """
    if not parent:
        from mmengine.runner import Runner
        return _keywords(Runner) | set(TOP_LEVEL_KEYS)
    type_name = options.get(f'{parent}.type', node.get('type'))
    if type_name is None:
        return set(KNOWN_KEYS.get(parent, ()))
    return _keywords(_lookup_type(type_name))


def _lookup_type(type_name):
    """The class or function of a config's ``type``; None if unknown."""
    if not isinstance(type_name, str):
        return type_name
    import mmseg_hsp  # noqa: F401 (registers the plugin's types)
    from mmseg import registry
    for name in dir(registry):
        found = getattr(registry, name)
        if hasattr(found, 'get') and hasattr(found, 'module_dict'):
            obj = found.get(type_name)
            if obj is not None:
                return obj
    return None


def _keywords(obj) -> Optional[Set[str]]:
    """Keyword arguments ``obj`` takes, through ``**kwargs`` passed on to
    its base classes; None when it takes any (or cannot tell)."""
    if obj is None:
        return None
    names = set()
    functions = [
        vars(cls)['__init__'] for cls in obj.__mro__
        if '__init__' in vars(cls)
    ] if isinstance(obj, type) else [obj]
    for function in functions:
        try:
            params = inspect.signature(function).parameters.values()
        except (TypeError, ValueError):
            return None
        names.update(p.name for p in params
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        if all(p.kind is not p.VAR_KEYWORD for p in params):
            return names
    return None


def _config_keys(node, prefix: str = '') -> Iterator[str]:
    """Every dotted key of the config (list items by index)."""
    items = node.items() if isinstance(node, dict) else enumerate(
        node) if isinstance(node, (list, tuple)) else ()
    for part, value in items:
        key = f'{prefix}.{part}' if prefix else str(part)
        yield key
        yield from _config_keys(value, key)


def _unknown_key_message(cfg: Config, parts: list, depth: int,
                         siblings: list) -> str:
    """One line naming the key, where it is missing and the nearest key:
    a sibling of the missing part if one is close, else any config key."""
    key, part = '.'.join(parts), parts[depth]
    near = difflib.get_close_matches(part, siblings, n=1, cutoff=0.6)
    if near:
        near = ['.'.join(parts[:depth] + near + parts[depth + 1:])]
    else:
        near = difflib.get_close_matches(
            key, list(_config_keys(cfg._cfg_dict)), n=1, cutoff=0.6)
    hint = f"did you mean '{near[0]}'?" if near else 'no key is close.'
    where = f"under '{'.'.join(parts[:depth])}'" if depth else 'at the top'
    return (f"cfg option '{key}': the config has no key '{part}' {where}; "
            f"{hint} To add a new key, mark it with a leading "
            f"'{NEW_KEY}': {NEW_KEY}{key}=...")


def _check_value(key: str, value) -> None:
    choices = CHOICES.get(key)
    if choices is None and LOSS_TYPE.search(key) and isinstance(value, str):
        choices = _loss_types()
    if choices is None or _hashable_in(value, choices):
        return
    shown = ', '.join(str(c) for c in choices)
    raise ValueError(f"cfg option '{key}': {value!r} is not one of {shown}")


def _hashable_in(value, choices) -> bool:
    # 1 == True: an integer is not a precision flag.
    return any(value == c and type(value) is type(c) for c in choices)


def _loss_types() -> Tuple[str, ...]:
    """Registered loss types (mmseg's and the plugin's)."""
    import mmseg_hsp  # noqa: F401 (registers the plugin's loss)
    from mmseg.registry import MODELS
    return tuple(sorted(name for name in MODELS.module_dict
                        if name.endswith('Loss')))
