# Fine-tuning a trained hspnet_r101_mtchi.py model on your own annotated
# regions (docs/own_slides.md): the same model and data layout, starting
# from its weights instead of ImageNet's.
_base_ = './hspnet_r101_mtchi.py'
# The checkpoint to start from: set it with
# `--cfg-options load_from=work_dirs/<run>/epoch_30.pth`; this default is
# where tools/train.py leaves the 30th epoch of hspnet_r101_mtchi.py.
load_from = 'work_dirs/hspnet_r101_mtchi/epoch_30.pth'
# load_from replaces every weight, so ImageNet's are not fetched.
model = dict(backbone=dict(init_cfg=None))
# A tenth of the base learning rate (1e-3 for the head, 1e-4 for the
# encoder through the base's lr_mult): the weights are already near a good
# solution for H&E, and a full rate would overwrite what was learnt on
# MTCHI in the first iterations on a set that is usually much smaller.
# A third of the schedule (10 epochs, cosine to 0) for the same reason:
# the model adapts to a new lab's stain and annotation habits, it does not
# learn the task anew; validate every 2 epochs to stop early if it
# overfits.
optim_wrapper = dict(optimizer=dict(lr=0.001))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=10,
        eta_min=0,
        by_epoch=True,
        begin=0,
        end=10,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=10, val_interval=2)
