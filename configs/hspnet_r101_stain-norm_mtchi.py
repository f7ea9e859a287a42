# The paper's best model (hspnet_r101_mtchi.py) tested with Macenko stain
# normalisation (StainNormalize, docs/stain.md): each test region is mapped
# to a reference stain before the model. Only the val/test pipeline differs,
# so any checkpoint of hspnet_r101_mtchi.py (or of its stain-aug variant)
# tests with it.
_base_ = [
    './hspnet_r101_mtchi.py', './_base_/datasets/mtchi_stain_norm.py'
]
val_dataloader = dict(
    dataset=dict(pipeline={{_base_.stain_norm_test_pipeline}}))
test_dataloader = dict(
    dataset=dict(pipeline={{_base_.stain_norm_test_pipeline}}))
