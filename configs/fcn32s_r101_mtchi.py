# Table 5's FCN32s (Long et al., 2015): HSP-Net's encoder (torchvision's
# ResNet-101, ImageNet weights, output stride 32, not dilated), one 1x1 score
# layer on its last stage and a fixed bilinear x32 up-sampling (FCNSkipHead
# with one input). The paper's 18.64M matches no ResNet or VGG FCN (see
# docs/mtchi.md); this one has 42.51M. Everything but the model is HSP-Net's
# (hspnet_r101_ce_mtchi.py). mmseg's zoo FCN (dilated, output stride 8) is
# fcn_r101_mtchi.py.
_base_ = './hspnet_r101_ce_mtchi.py'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    decode_head=dict(
        _delete_=True,
        type='FCNSkipHead',
        in_channels=(2048, ),
        in_index=(3, ),
        # Long et al.'s dropout sits in fc6/fc7, which a ResNet has not.
        dropout_ratio=0,
        num_classes=5,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
