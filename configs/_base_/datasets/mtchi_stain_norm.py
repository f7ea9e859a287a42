# MTCHI testing with Macenko stain normalisation (docs/stain.md): the test
# pipeline of mtchi.py with StainNormalize after loading, to Macenko et al.'s
# reference stain unless given stored statistics (JSON) or a reference image:
# `--cfg-options test_dataloader.dataset.pipeline.1.reference=ref.json`.
# Inherited beside a model config, which takes it with
# `test_dataloader = dict(dataset=dict(pipeline=
# {{_base_.stain_norm_test_pipeline}}))`.
stain_norm_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='StainNormalize'),
    dict(type='LoadMTCHIAnnotations'),
    dict(type='PackSegInputs')
]
