# The paper's best model (Table 4 last row, Table 5): ResNet-101 encoder,
# AE-loss (AdaptiveElasticLoss, a reconstruction: see docs/models.md).
_base_ = './hspnet_r101_ce_mtchi.py'
model = dict(
    decode_head=dict(
        loss_decode=dict(_delete_=True, type='AdaptiveElasticLoss')))
