# MTCHI training with H&E stain augmentation (docs/stain.md): the train
# pipeline of mtchi.py with RandomHEDJitter (HED-space jitter, Tellez et
# al. 2018) after the flips. Inherited beside a model config, which takes
# it with `train_dataloader = dict(dataset=dict(pipeline=
# {{_base_.stain_aug_train_pipeline}}))`.
stain_aug_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMTCHIAnnotations'),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='RandomHEDJitter'),
    dict(type='PackSegInputs')
]
