# Table 3 row 1: all five DS-Blocks replaced by 1x1 convs.
_base_ = './hspnet_r101_ce_mtchi.py'
model = dict(decode_head=dict(use_ds1_4=False, use_ds5=False))
