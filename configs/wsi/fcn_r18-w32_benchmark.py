# A small FCN (ResNet-18 at half width, random weights) with HSP-Net's input
# normalisation, for tools/benchmarks/wsi.py on CPU: the model, not the tiler,
# dominates the time, and a run takes minutes. The whole-slide tests use it at
# quarter width.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    # As HSP-Net: mmseg's EncoderDecoder plus the paper's post-processing.
    type='TileBlendEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=32,
        base_channels=32,
        out_indices=(3, ),
        norm_cfg=norm_cfg,
        init_cfg=None),
    decode_head=dict(
        type='FCNHead',
        num_convs=1,
        in_channels=256,
        channels=64,
        num_classes=5,
        norm_cfg=norm_cfg,
        loss_decode=dict(type='CrossEntropyLoss')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
