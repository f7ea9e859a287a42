# The demo model (hspnet_r18_synthetic_demo.py) trained with H&E stain
# augmentation (RandomHEDJitter): variant (b) of tools/benchmarks/stain.py;
# same data, seed and schedule, only the train pipeline differs.
_base_ = [
    './hspnet_r18_synthetic_demo.py', './_base_/datasets/mtchi_stain_aug.py'
]
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.stain_aug_train_pipeline}}))
