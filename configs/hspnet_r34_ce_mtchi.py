# HSP-Net, ResNet-34 encoder, cross-entropy (Table 4 first row): the R101 CE
# model with a ResNet-34 encoder (64, 128, 256, 512 channels; the DS-Blocks
# keep their widths), started from torchvision's ImageNet ResNet-34.
_base_ = './hspnet_r101_ce_mtchi.py'
model = dict(
    backbone=dict(
        depth=34,
        init_cfg=dict(
            checkpoint='https://download.pytorch.org/models/'
            'resnet34-b627a593.pth')),
    decode_head=dict(in_channels=(64, 128, 256, 512)))
