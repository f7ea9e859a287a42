# What an mmseg zoo model needs to train on MTCHI exactly like HSP-Net: the
# same dataset, schedule, runtime and evaluator. A baseline config inherits
# its zoo model file and this, and states what it changes in the zoo model:
# 5 classes, plain BN for one GPU (SyncBN when launched distributed on GPUs),
# batches stacked at the patch size, and the paper's post-processing as test
# modes (TileBlendEncoderDecoder: `--cfg-options model.test_cfg.mode=gauss`
# gives Table 5's "Post" rows).
_base_ = [
    './datasets/mtchi.py', './default_runtime.py',
    './schedules/mtchi_30e.py'
]
