# The paper's best model (hspnet_r101_mtchi.py) trained with H&E stain
# augmentation (RandomHEDJitter, docs/stain.md); only the train pipeline
# differs.
_base_ = ['./hspnet_r101_mtchi.py', './_base_/datasets/mtchi_stain_aug.py']
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.stain_aug_train_pipeline}}))
