# Baseline: mmseg's DeepLab v3+ (dilated ResNet-101-V1c, output stride 8, as
# its r101 configs) trained and evaluated like HSP-Net (see
# _base_/zoo_mtchi.py).
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py', './_base_/zoo_mtchi.py'
]
norm_cfg = dict(type='BN', requires_grad=True)
crop_size = (400, 400)
model = dict(
    type='TileBlendEncoderDecoder',
    data_preprocessor=dict(size=crop_size),
    pretrained='open-mmlab://resnet101_v1c',
    backbone=dict(depth=101, norm_cfg=norm_cfg),
    decode_head=dict(num_classes=5, norm_cfg=norm_cfg),
    auxiliary_head=None,
    test_cfg=dict(mode='none', crop_size=crop_size, stride=(100, 100)))
