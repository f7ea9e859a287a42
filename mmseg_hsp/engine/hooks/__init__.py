from .progress_bar_hook import ProgressBarHook
from .strict_checkpoint_hook import StrictCheckpointHook
from .visualization_hook import SegTestVisualizationHook

__all__ = [
    'ProgressBarHook', 'StrictCheckpointHook', 'SegTestVisualizationHook'
]
