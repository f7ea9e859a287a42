# MTCHI Task 2 (x10). Training reads the 400x400 patches written by
# tools/dataset_converters/mtchi.py; validation and test read whole regions.
dataset_type = 'MTCHIDataset'
data_root = 'data/MTCHI/Task2'
crop_size = (400, 400)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='TrainingPatches/Img',
            seg_map_path='TrainingPatches/Truth'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='Test/Img', seg_map_path='Test/Truth'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='MTCHIMetric')
test_evaluator = val_evaluator
