# The paper's best model (hspnet_r101_mtchi.py) trained and evaluated in two
# tiers: background, normal, LSIL (CIN1), HSIL (CIN2 + CIN3). Only the
# dataset class (its labels and class names) and the number of classes
# differ; MTCHIMetric scores normal, LSIL and HSIL.
_base_ = ['./hspnet_r101_mtchi.py', './_base_/datasets/mtchi_two_tier.py']
model = dict(
    decode_head=dict(num_classes={{_base_.two_tier_num_classes}}))
train_dataloader = dict(
    dataset=dict(type={{_base_.two_tier_dataset_type}}))
val_dataloader = dict(dataset=dict(type={{_base_.two_tier_dataset_type}}))
test_dataloader = val_dataloader
