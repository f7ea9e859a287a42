# Table 5's DeepLab v3+ with AE-loss (Dice 0.7002 in the paper): the
# paper-sized DeepLab v3+ (deeplabv3plus_r101-os16_paper_mtchi.py) trained
# with HSP-Net's AdaptiveElasticLoss instead of cross-entropy.
_base_ = './deeplabv3plus_r101-os16_paper_mtchi.py'
model = dict(
    decode_head=dict(
        loss_decode=dict(_delete_=True, type='AdaptiveElasticLoss')))
