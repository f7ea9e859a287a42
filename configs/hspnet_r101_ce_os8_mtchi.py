# Ablation of the encoder's output stride: HSP-Net R101 CE on a stride-8
# encoder, the last two stages dilated 2 and 4 instead of strided (mmseg's
# -d8 ResNets, as the zoo FCN and DeepLab v3+). DS-Blocks 3 and 4 then read
# x/8 maps.
_base_ = './hspnet_r101_ce_mtchi.py'
model = dict(backbone=dict(dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1)))
