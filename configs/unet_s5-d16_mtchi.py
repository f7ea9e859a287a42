# Baseline: mmseg's U-Net (5 stages from 64 channels, BN, bilinear
# upsampling + conv, FCN head: 28.99M parameters) trained and evaluated like
# HSP-Net (see _base_/zoo_mtchi.py). U-Net needs sides that are multiples of
# 16: 400 px patches are; whole-region inference (`model.test_cfg.mode=whole`)
# pads test images and crops the padding off.
_base_ = ['mmseg::_base_/models/fcn_unet_s5-d16.py', './_base_/zoo_mtchi.py']
norm_cfg = dict(type='BN', requires_grad=True)
crop_size = (400, 400)
model = dict(
    type='TileBlendEncoderDecoder',
    data_preprocessor=dict(size=crop_size, test_cfg=dict(size_divisor=16)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=5, norm_cfg=norm_cfg),
    auxiliary_head=None,
    test_cfg=dict(
        _delete_=True, mode='none', crop_size=crop_size, stride=(100, 100)))
# mmseg's UNet "backbone" is the whole U-Net (encoder and decoder), trained
# from scratch: the schedule's 0.1 multiplier of the backbone exists for a
# pretrained encoder, so U-Net learns at the rate of HSP-Net's new blocks
# (1e-2), everywhere. The one difference from HSP-Net's run besides `model`.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=1.0))))
