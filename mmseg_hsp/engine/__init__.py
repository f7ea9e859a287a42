"""Training machinery, in mmseg's sense of ``engine``: optimizer wrappers."""
from .optimizers import AutocastOptimWrapper

__all__ = ['AutocastOptimWrapper']
