"""The training progress bar of ``make demo``: iterations done of all, and
the ETA, on a terminal."""
import io
from types import SimpleNamespace

from rich.console import Console

from mmseg_hsp.engine import ProgressBarHook
from mmseg_hsp.progress import progress_display


def test_progress_bar_counts_training_iterations():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system=None,
                      width=120)
    # A resumed run: 1 of 4 iterations done before this process started.
    runner = SimpleNamespace(max_iters=4, iter=1)
    with progress_display('iterations', console=console) as progress:
        hook = ProgressBarHook(progress, '[demo] training')
        hook.before_train(runner)
        assert progress.tasks[0].completed == 1
        for _ in range(3):
            hook.after_train_iter(runner, 0)
            runner.iter += 1  # mmengine counts it after the hooks
        task, = progress.tasks
        assert (task.completed, task.total) == (4, 4)
    text = out.getvalue()
    assert '[demo] training' in text
    assert '4/4 iterations' in text
    assert 'ETA' in text
