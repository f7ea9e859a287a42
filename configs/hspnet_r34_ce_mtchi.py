# HSP-Net, ResNet-34 encoder, cross-entropy (Table 4 first row).
_base_ = [
    './_base_/models/hspnet_r34.py', './_base_/datasets/mtchi.py',
    './_base_/default_runtime.py', './_base_/schedules/mtchi_30e.py'
]
# Training batches are stacked at the 400x400 patch size (mmseg's convention).
crop_size = (400, 400)
model = dict(data_preprocessor=dict(size=crop_size))
