# Baseline: mmseg's U-Net (5 stages from 64 channels, FCN head) trained and
# evaluated like HSP-Net (see _base_/zoo_mtchi.py). Whole-image inference as
# for the other models (mmseg's U-Net configs slide); U-Net needs sides that
# are multiples of 16, so test images are padded and the padding cropped off.
_base_ = ['mmseg::_base_/models/fcn_unet_s5-d16.py', './_base_/zoo_mtchi.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='TileBlendEncoderDecoder',
    data_preprocessor=dict(size=(400, 400), test_cfg=dict(size_divisor=16)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=5, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes=5, norm_cfg=norm_cfg),
    test_cfg=dict(_delete_=True, mode='whole'))
