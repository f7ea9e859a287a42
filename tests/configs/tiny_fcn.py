# A seconds-fast training config for the foundation tests: a narrow ResNet-18
# and an FCN head on 32x32 images in mmseg's plain img/ann layout (the test
# writes the data and sets data_root).
_base_ = [
    '../../configs/_base_/default_runtime.py',
]
custom_imports = dict(
    imports=['mmseg_hsp', 'fixtures.probe_hooks'], allow_failed_imports=False)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=(32, 32)),
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=8,
        base_channels=8,
        out_indices=(3, ),
        norm_cfg=norm_cfg,
        init_cfg=None),
    decode_head=dict(
        type='FCNHead',
        in_channels=64,
        channels=16,
        num_convs=1,
        num_classes=5,
        norm_cfg=norm_cfg,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
dataset = dict(
    type='BaseSegDataset',
    data_root=None,
    metainfo=dict(
        classes=('background', 'normal', 'CIN1', 'CIN2', 'CIN3'),
        palette=[[0, 0, 0], [255, 255, 255], [0, 255, 0], [0, 0, 255],
                 [255, 0, 0]]),
    img_suffix='.png',
    seg_map_suffix='.png',
    data_prefix=dict(img_path='img', seg_map_path='ann'),
    pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='PackSegInputs')
    ])
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dataset)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters=3, val_interval=1000)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=3),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = [dict(type='ProbeHook')]
randomness = dict(seed=0)
