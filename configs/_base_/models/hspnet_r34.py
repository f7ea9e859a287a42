# HSP-Net with a ResNet-34 encoder (Table 1, Table 4 first row): the encoder
# outputs 64, 128, 256, 512 channels; DS-Blocks keep the ResNet-101 widths.
_base_ = './hspnet_r101.py'
model = dict(
    backbone=dict(
        depth=34,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.pytorch.org/models/'
            'resnet34-b627a593.pth')),
    decode_head=dict(in_channels=(64, 128, 256, 512)))
