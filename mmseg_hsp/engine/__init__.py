"""Training and testing machinery, in mmseg's sense of ``engine``: optimizer
wrappers and hooks, registered in mmseg on import."""
from .hooks import (ProgressBarHook, SegTestVisualizationHook,
                    StrictCheckpointHook)
from .optimizers import AutocastOptimWrapper

__all__ = [
    'AutocastOptimWrapper', 'ProgressBarHook', 'SegTestVisualizationHook',
    'StrictCheckpointHook'
]
