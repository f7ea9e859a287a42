# mmseg's runtime, plus what every mmseg_hsp config needs.
_base_ = 'mmseg::_base_/default_runtime.py'

custom_imports = dict(imports=['mmseg_hsp'], allow_failed_imports=False)
default_scope = 'mmseg'
# Configs use plain BN (one GPU, as in the paper); under a distributed
# launcher on GPUs mmengine converts it to SyncBN. tools/train.py drops this
# on CPU, where SyncBN cannot run.
sync_bn = 'torch'
# The MTCHI schedule counts epochs.
log_processor = dict(by_epoch=True)
