"""Evaluation refuses a checkpoint that does not fit the model."""
from mmengine.hooks import Hook

from mmseg.registry import HOOKS
from ...checkpoint_fit import check_checkpoint_fits


@HOOKS.register_module()
class StrictCheckpointHook(Hook):
    """Refuse a checkpoint that does not fit the model, before it is loaded.

    mmengine calls ``after_load_checkpoint`` with the loaded checkpoint and
    then copies it into the model non-strictly; this hook makes a misfit an
    error (:class:`~mmseg_hsp.checkpoint_fit.CheckpointMismatch`) instead
    of a logged warning.

    Args:
        checkpoint (str): The checkpoint's file, named in the error.
            Defaults to ``'the checkpoint'``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, checkpoint: str = 'the checkpoint'):
        self.checkpoint = checkpoint

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        check_checkpoint_fits(runner.model, checkpoint, self.checkpoint)
