"""Training and testing machinery, in mmseg's sense of ``engine``: optimizer
wrappers and hooks, registered in mmseg on import."""
from .hooks import SegTestVisualizationHook, StrictCheckpointHook
from .optimizers import AutocastOptimWrapper

__all__ = [
    'AutocastOptimWrapper', 'SegTestVisualizationHook', 'StrictCheckpointHook'
]
