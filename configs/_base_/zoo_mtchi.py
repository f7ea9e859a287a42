# What an mmseg zoo model needs to train on MTCHI exactly like HSP-Net: the
# same dataset, schedule, runtime and evaluator, 5 classes, plain BN for one
# GPU (SyncBN when launched distributed on GPUs), and batches stacked at the
# patch size. A baseline config inherits its zoo model file and this, and
# merges the fragments below into `model`, so that only the model differs.
_base_ = [
    './datasets/mtchi.py', './default_runtime.py',
    './schedules/mtchi_30e.py'
]
mtchi_bn = dict(type='BN', requires_grad=True)
mtchi_head = dict(num_classes=5, norm_cfg=mtchi_bn)
mtchi_data_preprocessor = dict(size=(400, 400))
# mmseg's EncoderDecoder plus the paper's post-processing as test modes, so
# that `--cfg-options model.test_cfg.mode=gauss` gives Table 5's "Post" rows.
mtchi_segmentor = 'TileBlendEncoderDecoder'
# mmseg's ResNet-101-V1c models (FCN, DeepLab v3+), as their r101 configs.
mtchi_resnet101 = dict(
    type=mtchi_segmentor,
    data_preprocessor=mtchi_data_preprocessor,
    pretrained='open-mmlab://resnet101_v1c',
    backbone=dict(depth=101, norm_cfg=mtchi_bn),
    decode_head=mtchi_head,
    auxiliary_head=mtchi_head)
