# Baseline at the paper's Table 5 size (U-Net, 31.03M): the original U-Net
# (Ronneberger et al., 2015) on mmseg's UNet: biases and no BN, 2x2
# up-convolutions (UpConv2x2) instead of bilinear upsampling + conv, and a 1x1
# classifier on the last 64 channels (FCNHead without convs): 31,032,005
# parameters for 5 classes (the paper's 31,031,810 is this network with 2
# output classes). Trained and evaluated as unet_s5-d16_mtchi.py.
_base_ = './unet_s5-d16_mtchi.py'
model = dict(
    backbone=dict(norm_cfg=None, upsample_cfg=dict(type='UpConv2x2')),
    decode_head=dict(num_convs=0, norm_cfg=None))
