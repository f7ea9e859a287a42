# Baseline: mmseg's DeepLab v3+ (dilated ResNet-101-V1c, output stride 8)
# trained and evaluated like HSP-Net (see _base_/zoo_mtchi.py).
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py', './_base_/zoo_mtchi.py'
]
model = {{_base_.mtchi_resnet101}}
