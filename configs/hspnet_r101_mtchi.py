# The paper's best model (Table 4, last row): ResNet-101 encoder, AE-loss.
_base_ = [
    './_base_/models/hspnet_r101.py', './_base_/datasets/mtchi.py',
    './_base_/default_runtime.py', './_base_/schedules/mtchi_30e.py'
]
model = dict(
    decode_head=dict(
        loss_decode=dict(type='AdaptiveElasticLoss', loss_weight=1.0)))
