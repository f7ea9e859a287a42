# What an mmseg zoo model needs to train on MTCHI exactly like HSP-Net: the
# same dataset, augmentation, schedule, runtime and evaluator (only `model`
# differs: tests/experiments/test_mtchi_baselines.py checks it). A baseline
# config inherits its zoo model file and this, and states what it changes in
# the zoo model: 5 classes, plain BN for one GPU (SyncBN when launched
# distributed on GPUs), batches stacked at the patch size, no auxiliary head
# (HSP-Net has none: only the model may differ), and the paper's protocol as
# test modes (TileBlendEncoderDecoder, as in hspnet_r101_ce_mtchi.py: 'x' by
# default, `--cfg-options model.test_cfg.mode=gauss` gives Table 5's "Post").
_base_ = [
    './datasets/mtchi.py', './default_runtime.py',
    './schedules/mtchi_30e.py'
]
