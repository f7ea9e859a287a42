# A small FCN (ResNet-18 at half width, random weights) with HSP-Net's input
# normalisation, for tools/benchmark_wsi.py on CPU: the model, not the tiler,
# dominates the time, and a run takes minutes. The whole-slide tests use it at
# quarter width.
_base_ = ['../_base_/models/hspnet_r101.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet',
        depth=18,
        stem_channels=32,
        base_channels=32,
        out_indices=(3, ),
        norm_cfg={{_base_.norm_cfg}},
        init_cfg=None),
    decode_head=dict(
        _delete_=True,
        type='FCNHead',
        num_convs=1,
        in_channels=256,
        channels=64,
        num_classes=5,
        norm_cfg={{_base_.norm_cfg}},
        loss_decode=dict(type='CrossEntropyLoss')))
