# A seconds-fast training config for the foundation tests: a narrow ResNet-18
# and an FCN head on 32x32 images in mmseg's plain img/ann layout (the test
# writes the data and sets data_root).
_base_ = [
    '../../configs/wsi/fcn_r18-w32_benchmark.py',
    '../../configs/_base_/default_runtime.py',
]
custom_imports = dict(
    imports=['mmseg_hsp', 'fixtures.probe_hooks'], allow_failed_imports=False)
# The benchmark's FCN at quarter width (as tests/fixtures/wsi_slides.py).
model = dict(
    data_preprocessor=dict(size=(32, 32)),
    backbone=dict(stem_channels=8, base_channels=8),
    decode_head=dict(in_channels=64, channels=16))
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
