from .strict_checkpoint_hook import StrictCheckpointHook
from .visualization_hook import SegTestVisualizationHook

__all__ = ['StrictCheckpointHook', 'SegTestVisualizationHook']
