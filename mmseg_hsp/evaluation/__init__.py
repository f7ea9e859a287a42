from .mtchi_metric import MTCHIMetric, mtchi_scores, pure_black_mask

__all__ = ['MTCHIMetric', 'mtchi_scores', 'pure_black_mask']
