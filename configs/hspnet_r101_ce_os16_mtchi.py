# Ablation of the encoder's output stride: HSP-Net R101 CE
# (hspnet_r101_ce_mtchi.py, stride 32) on DeepLab v3+'s stride-16 encoder,
# the last stage dilated 2 instead of strided (as
# deeplabv3plus_r101-os16_paper_mtchi.py). DS-Block 4 then reads an x/16 map.
_base_ = './hspnet_r101_ce_mtchi.py'
model = dict(backbone=dict(dilations=(1, 1, 1, 2), strides=(1, 2, 2, 1)))
