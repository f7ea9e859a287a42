"""Losses of mmseg_hsp, registered in mmseg's ``MODELS``."""
from .adaptive_elastic_loss import AdaptiveElasticLoss

__all__ = ['AdaptiveElasticLoss']
