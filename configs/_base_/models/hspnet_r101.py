# HSP-Net (Meng et al.), Section 3 and Table 1: a ResNet-101 encoder at output
# stride 32 (not dilated) and the HSP decode head (V-HSP + H-HSP of DS-Blocks).
# The encoder is torchvision-style (style='pytorch': 7x7 stem, stride on the
# 3x3 conv) so that the real ImageNet checkpoint, torchvision's, loads as is.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    # mmseg's EncoderDecoder plus the paper's post-processing as test modes:
    # --cfg-options model.test_cfg.mode=gauss (see TileBlendEncoderDecoder).
    type='TileBlendEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ResNet',
        depth=101,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 1, 1),
        strides=(1, 2, 2, 2),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        # torchvision's ImageNet weights by URL: 'torchvision://resnet101'
        # would need torchvision installed only to look the URL up.
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.pytorch.org/models/'
            'resnet101-63fe2227.pth')),
    decode_head=dict(
        type='HSPHead',
        in_channels=(256, 512, 1024, 2048),
        in_index=(0, 1, 2, 3),
        ds_channels=(32, 64, 128, 256),
        channels=256,
        dilations=(6, 12, 18),
        # Eq. 1: DS-Block 5 reads the 480-channel concatenation (see HSPHead).
        fusion_channels=None,
        use_ds1_4=True,
        use_ds5=True,
        dropout_ratio=0,
        num_classes=5,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
