# MTCHI Task 2 (x10). Training reads the 400x400 patches written by
# tools/dataset_converters/mtchi.py (stride 100, >= 20% annotated: Section
# 4.1); validation and test read the whole Test regions. Mask content (size,
# labels 0-4) is checked as each sample loads (LoadMTCHIAnnotations).
dataset_type = 'MTCHIDataset'
data_root = 'data/MTCHI/Task2'
crop_size = (400, 400)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMTCHIAnnotations'),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMTCHIAnnotations'),
    dict(type='PackSegInputs')
]
# Test-time augmentation (tools/test.py --tta): mmseg's SegTTAModel
# (`tta_model`, from mmseg's default_runtime.py) averages the softmax of the
# scores of three views, the image as it is and flipped left-right and
# top-bottom. H&E tissue has no preferred orientation, so a flip keeps every
# label's meaning. No multi-scale views (mmseg's usual Resize ratios): they
# would show the model magnifications other than the x10 it was trained at.
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='RandomFlip', prob=0., direction='horizontal'),
            dict(type='RandomFlip', prob=1., direction='horizontal'),
            dict(type='RandomFlip', prob=1., direction='vertical')
        ], [dict(type='LoadMTCHIAnnotations')], [dict(type='PackSegInputs')]])
]
# The paper's batch: 16 patches per step in total, whatever the number of
# processes. tools/train.py sets train_dataloader.batch_size (per process, as
# in mmseg) to total_batch_size / world size (mmseg_hsp.cli.batch), e.g. 8
# for `tools/dist_train.sh CONFIG 2`; `--cfg-options
# train_dataloader.batch_size=N` still sets the per-process batch directly.
total_batch_size = 16
# The schedule counts epochs, so the sampler must end each one (mmseg's
# iteration schedules use InfiniteSampler instead). drop_last: the global
# pooling branches (DS-Block, ASPP) cannot batch-normalise a last batch of
# one patch.
train_dataloader = dict(
    batch_size=total_batch_size,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
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
# Dice, mIoU, AP over normal/CIN1-3 (Eq. 3-5), truth 0 ignored; predictions
# set to background on pure-black input, as the authors did.
val_evaluator = dict(type='MTCHIMetric', zero_black_input=True)
test_evaluator = val_evaluator
