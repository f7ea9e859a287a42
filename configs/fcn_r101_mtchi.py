# Baseline: mmseg's FCN (dilated ResNet-101-V1c, output stride 8) trained
# and evaluated like HSP-Net (see _base_/zoo_mtchi.py).
_base_ = ['mmseg::_base_/models/fcn_r50-d8.py', './_base_/zoo_mtchi.py']
model = {{_base_.mtchi_resnet101}}
