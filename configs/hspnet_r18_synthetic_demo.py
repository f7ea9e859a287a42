# The demo (`make demo` = tools/demo.py): a small HSP-Net (ResNet-18 encoder
# at half width, narrow DS-Blocks, AE-loss) trained from scratch on CPU on
# the synthetic MTCHI (tools/dataset_converters/make_synthetic_mtchi.py),
# cut into 128x128 patches at stride 64, and evaluated on its Test regions.
# Only the sizes and the schedule differ from the paper's model: no
# pretrained encoder exists here, so the whole network learns at one rate
# with AdamW, by iterations.
_base_ = './hspnet_r101_mtchi.py'
data_root = 'data/synthetic_mtchi/Task2'
crop_size = (128, 128)
model = dict(
    data_preprocessor=dict(size=crop_size),
    # The paper's protocol at this patch size: 'x' = 128 px patches stitched
    # without overlap; 'Post' (model.test_cfg.mode=gauss) at stride 32.
    test_cfg=dict(crop_size=crop_size, stride=(32, 32)),
    backbone=dict(
        depth=18, stem_channels=32, base_channels=32, init_cfg=None),
    decode_head=dict(
        in_channels=(32, 64, 128, 256),
        ds_channels=(16, 32, 64, 128),
        channels=64))
total_batch_size = 8
train_dataloader = dict(
    batch_size=total_batch_size,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root))
val_dataloader = dict(
    num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
max_iters = 1000
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters - 30,
        by_epoch=False,
        begin=30,
        end=max_iters)
]
train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=20, log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
