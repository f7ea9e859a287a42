# Table 3 row 3: DS-Blocks 1-4 replaced by 1x1 convs, DS-Block 5 kept.
_base_ = './hspnet_r101_ce_mtchi.py'
model = dict(decode_head=dict(use_ds1_4=False))
