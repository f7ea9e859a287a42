# Table 3 row 2: DS-Blocks 1-4 kept, DS-Block 5 replaced by a 1x1 conv.
_base_ = './hspnet_r101_ce_mtchi.py'
model = dict(decode_head=dict(use_ds5=False))
