"""The ``mmseg_hsp`` scope: one child of each of mmseg's 21 registries.

The plugin registers its modules in mmseg's own registries. These empty
children exist so that a config inherited through ``mmseg_hsp::<cfg>.py``
(whose dicts mmengine tags ``_scope_='mmseg_hsp'``) builds without warnings:
a lookup here falls through to mmseg's registry, then mmengine's.
"""
from mmengine.registry import Registry

from mmseg import registry as mmseg_registry


def _scope_node(parent: Registry) -> Registry:
    return Registry(parent.name, parent=parent, scope='mmseg_hsp')


RUNNERS = _scope_node(mmseg_registry.RUNNERS)
RUNNER_CONSTRUCTORS = _scope_node(mmseg_registry.RUNNER_CONSTRUCTORS)
LOOPS = _scope_node(mmseg_registry.LOOPS)
HOOKS = _scope_node(mmseg_registry.HOOKS)
DATASETS = _scope_node(mmseg_registry.DATASETS)
DATA_SAMPLERS = _scope_node(mmseg_registry.DATA_SAMPLERS)
TRANSFORMS = _scope_node(mmseg_registry.TRANSFORMS)
MODELS = _scope_node(mmseg_registry.MODELS)
MODEL_WRAPPERS = _scope_node(mmseg_registry.MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = _scope_node(mmseg_registry.WEIGHT_INITIALIZERS)
OPTIMIZERS = _scope_node(mmseg_registry.OPTIMIZERS)
OPTIM_WRAPPERS = _scope_node(mmseg_registry.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _scope_node(
    mmseg_registry.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _scope_node(mmseg_registry.PARAM_SCHEDULERS)
METRICS = _scope_node(mmseg_registry.METRICS)
EVALUATOR = _scope_node(mmseg_registry.EVALUATOR)
TASK_UTILS = _scope_node(mmseg_registry.TASK_UTILS)
VISUALIZERS = _scope_node(mmseg_registry.VISUALIZERS)
VISBACKENDS = _scope_node(mmseg_registry.VISBACKENDS)
LOG_PROCESSORS = _scope_node(mmseg_registry.LOG_PROCESSORS)
INFERENCERS = _scope_node(mmseg_registry.INFERENCERS)
