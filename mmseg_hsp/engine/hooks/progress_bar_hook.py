"""A progress bar over the training iterations."""
from mmengine.hooks import Hook


class ProgressBarHook(Hook):
    """Advances one task of a rich ``Progress`` per training iteration.

    The caller owns the ``Progress`` (its console, columns and lifetime:
    a ``with`` block stops it on an error too), so the bar can go to the
    terminal while mmengine's own logging goes to a file, as in ``make
    demo``. Not registered: add it with ``runner.register_hook``.

    Args:
        progress (rich.progress.Progress): The started progress display
            (:func:`mmseg_hsp.progress.progress_display`).
        description (str): The task's label.
    """

    priority = 'VERY_LOW'

    def __init__(self, progress, description: str):
        self.progress = progress
        self.description = description
        self.task = None

    def before_train(self, runner) -> None:
        self.task = self.progress.add_task(self.description,
                                           total=runner.max_iters,
                                           completed=runner.iter)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        # mmengine counts the iteration done after this hook.
        self.progress.update(self.task, completed=runner.iter + 1)
