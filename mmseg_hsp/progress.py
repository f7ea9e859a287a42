"""The tools' one progress-bar style (rich), on the terminal's stderr."""
import sys


def progress_display(unit: str, console=None, **kwargs):
    """A rich ``Progress``: description, bar, ``done/total <unit>``, time
    elapsed and time remaining (the ETA).

    Args:
        unit (str): What is counted, e.g. ``'tiles'``, ``'iterations'``.
        console (rich.console.Console, optional): Where it is drawn.
            Defaults to the ``sys.stderr`` of this moment, kept if
            ``sys.stderr`` is redirected later.
        **kwargs: More arguments of ``rich.progress.Progress``.

    Returns:
        rich.progress.Progress: Not started; use it in a ``with`` block.
    """
    # rich is imported here: `import mmseg_hsp` (every config) needs none.
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress,
                               TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)
    return Progress(TextColumn('{task.description}', markup=False),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn(unit),
                    TimeElapsedColumn(),
                    TextColumn('ETA'),
                    TimeRemainingColumn(),
                    console=console or Console(file=sys.stderr),
                    **kwargs)
