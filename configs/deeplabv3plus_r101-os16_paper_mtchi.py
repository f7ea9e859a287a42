# Baseline at the paper's Table 5 size (DeepLab v3+, 59.34M): HSP-Net's
# encoder (torchvision's ResNet-101, ImageNet weights) at output stride 16
# (last stage dilated) and DeepLab v3+'s published head: a 256-channel ASPP of
# regular atrous convs (rates 6, 12, 18) and image pooling, a 1x1
# projection, and a decoder on stage 1 (48 channels, two 3x3 convs):
# 59,340,197 parameters for 5 classes (DeepLabV3PlusHead), the paper's
# count. Everything but the model is HSP-Net's (hspnet_r101_ce_mtchi.py).
# mmseg's zoo version (512-channel separable ASPP, ResNet-101-V1c at stride 8,
# 60.21M) is deeplabv3plus_r101_mtchi.py.
_base_ = './hspnet_r101_ce_mtchi.py'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    backbone=dict(dilations=(1, 1, 1, 2), strides=(1, 2, 2, 1)),
    decode_head=dict(
        _delete_=True,
        type='DeepLabV3PlusHead',
        in_channels=2048,
        in_index=3,
        channels=256,
        dilations=(1, 6, 12, 18),
        c1_in_channels=256,
        c1_channels=48,
        dropout_ratio=0.1,
        num_classes=5,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
