# MTCHI in two tiers (docs/mtchi.md#two-tiers): background, normal, LSIL
# (CIN1), HSIL (CIN2 + CIN3). The same files as mtchi.py, read by
# MTCHITwoTierDataset, whose label map merges the raw labels 3 and 4; the
# model has four classes. Inherited beside a model config of mtchi.py, which
# takes it with `model = dict(decode_head=dict(num_classes=
# {{_base_.two_tier_num_classes}}))` and the dataset type in its dataloaders.
two_tier_dataset_type = 'MTCHITwoTierDataset'
two_tier_num_classes = 4
