# tiny_fcn.py with a test loop: MTCHIMetric on the same small data set (the
# test sets data_root); the blend modes tile its 32x32 images at 16 px.
_base_ = ['./tiny_fcn.py']
model = dict(test_cfg=dict(mode='whole', crop_size=(16, 16), stride=(8, 8)))
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset={{_base_.dataset}})
test_evaluator = dict(type='MTCHIMetric')
test_cfg = dict(type='TestLoop')
