# HSP-Net, ResNet-101 encoder, cross-entropy (Table 3 last row, Table 4).
_base_ = [
    './_base_/models/hspnet_r101.py', './_base_/datasets/mtchi.py',
    './_base_/default_runtime.py', './_base_/schedules/mtchi_30e.py'
]
# Training batches are stacked at the 400x400 patch size (mmseg's convention).
crop_size = (400, 400)
model = dict(
    data_preprocessor=dict(size=crop_size),
    # The paper's protocol (Section 4.5), at the training patch size: 'x'
    # (default) stitches patches predicted one by one without overlap;
    # `--cfg-options model.test_cfg.mode=gauss` gives 'Post' (Gauss-like
    # blending at a quarter-patch stride); `model.test_cfg.mode=whole`
    # predicts a whole region in one pass (not the paper's protocol).
    test_cfg=dict(mode='none', crop_size=crop_size, stride=(100, 100)))
