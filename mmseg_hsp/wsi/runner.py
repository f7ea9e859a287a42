"""Many slides: share them across ranks, run them one after the other.

Under ``torchrun`` every rank collects the same sorted slide list
(:func:`~mmseg_hsp.slide_io.collect_slides`) and takes every
``WORLD_SIZE``-th slide from its ``RANK``, so each slide is done once and
no process group is needed (ranks never wait for each other).
"""
import os
import socket
import time
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

from ..fileio import check_writable
from ..setting_names import setting
from ..slide_io import SLIDE_EXTENSIONS, collect_slides
from .lock import describe_holder
from .outputs import slide_outputs
from .segmenter import SlideSegmenter


def slide_like_outputs() -> Tuple[str, ...]:
    """The suffixes of the registered outputs with a slide's file extension
    (label and confidence TIFFs, overlay, DICOM SEG), which a folder
    listing would take for slides when the output folder is the input
    folder."""
    return tuple(kind.suffix for kind in slide_outputs()
                 if kind.suffix.endswith(SLIDE_EXTENSIONS))
# Seconds between looks at a slide another process of this host runs.
BUSY_POLL_SECONDS = 1.0


def collect_inputs(inputs: Iterable[str],
                   warn: Optional[Callable[[str], None]] = None
                   ) -> List[str]:
    """The slides ``inputs`` name, less this pipeline's own outputs.

    Args:
        inputs (Iterable[str]): As :func:`~mmseg_hsp.slide_io.collect_slides`
            takes them.
        warn (Callable[[str], None], optional): Told what a folder's
            listing left out: hidden files, and the outputs of
            :func:`slide_like_outputs` (an output folder equal to the input
            folder would otherwise segment its own outputs on every rerun).

    Returns:
        list[str]: The sorted slides.
    """
    return collect_slides(inputs, leave_out=slide_like_outputs(), warn=warn)


def rank_share(slides: Sequence[str]) -> Tuple[List[str], int, int]:
    """This process's share of the slides under torchrun.

    Args:
        slides (Sequence[str]): The full, identically ordered list.

    Returns:
        tuple[list[str], int, int]: The slides, the rank and world size
        (``RANK``/``WORLD_SIZE``; 0 and 1 without torchrun).

    Raises:
        ValueError: If they are not integers, or the rank is not one of the
            world's (``RANK=5 WORLD_SIZE=2`` would run nothing, exit 0).
    """
    try:
        rank = int(os.environ.get('RANK', 0))
        world = int(os.environ.get('WORLD_SIZE', 1))
    except ValueError as error:
        raise ValueError(f'RANK and WORLD_SIZE must be integers ({error}); '
                         'launch with torchrun, or unset both') from None
    if world < 1:
        raise ValueError(f'WORLD_SIZE={world} must be >= 1: launch with '
                         'torchrun, or unset RANK and WORLD_SIZE')
    if not 0 <= rank < world:
        raise ValueError(f'RANK={rank} is not a rank of WORLD_SIZE={world} '
                         f'(0..{world - 1}): launch with torchrun, or unset '
                         'both')
    return list(slides[rank::world]), rank, world


class SlideRunInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM, which ``infer_wsi`` raises as an interrupt)
    while a slide ran; ``slide`` names it, ``stop`` is the interrupt caught
    (its temporaries are already removed: every writer cleans up as the
    interrupt unwinds)."""

    def __init__(self, slide: str, stop: KeyboardInterrupt):
        super().__init__(slide)
        self.slide = slide
        self.stop = stop


def run_slides(segmenter: SlideSegmenter, slides: Sequence[str],
               out_dir: str, overwrite: bool = False,
               say: Optional[Callable[[str], None]] = None) -> List[dict]:
    """Run slides one after the other; a failing slide does not stop others.

    Before any slide runs, the output folder must take a file, and (without
    ``overwrite``) no finished slide may have been made with other
    settings or be another slide's: either stops the whole run, with
    nothing done. A slide another live process of this host is running
    (it holds the slide's lock) is left to it until the others are done,
    then waited for, so the run ends with it done by one of the two (a
    dead holder's lock is taken over); one held from another host, whose
    process cannot be checked, stays ``busy``.

    Args:
        segmenter (SlideSegmenter): The configured segmenter.
        slides (Sequence[str]): Slides to run.
        out_dir (str): Output folder.
        overwrite (bool): Redo finished slides. Defaults to False.
        say (Callable[[str], None], optional): Told, one line each, the
            results' ``notes`` (a dead holder's lock taken over, a changed
            slide redone), the ``warnings`` of slides done (no tissue
            found, not H&E-like) and which slide is waited for.

    Returns:
        list[dict]: Per slide, the summary, ``{'slide', 'status': 'busy',
        'holder'}``, or ``{'slide', 'status': 'failed', 'error'}`` with a
        one-line reason naming the slide.

    Raises:
        PermissionError: If ``out_dir`` cannot be written to.
        OutputsOfOtherSettings: If a finished slide was made with another
            model or other settings, or its outputs are another slide's
            (see :meth:`SlideSegmenter.finished_summary`).
        SlideRunInterrupted: On Ctrl-C, naming the slide it stopped.
    """
    say = say or (lambda line: None)
    check_writable(out_dir, setting('out_dir'))
    if not overwrite:
        for slide in slides:
            segmenter.finished_summary(slide, out_dir)

    def run(slide: str, overwrite: bool, wait: float = 0) -> dict:
        try:
            time.sleep(wait)
            result = segmenter.run(slide, out_dir, overwrite=overwrite)
        except KeyboardInterrupt as stop:
            raise SlideRunInterrupted(slide, stop) from None
        except Exception as error:  # report, go on with the next slide
            reason = ' '.join(str(error).split()) or type(error).__name__
            if slide not in reason:
                reason = f'{slide}: {type(error).__name__}: {reason}'
            return dict(slide=slide, status='failed', error=reason)
        for note in result.get('notes', ()):
            say(note)
        if result['status'] == 'done':
            for warning in result.get('warnings', ()):
                say(f'{slide}: warning: {warning}')
        return result

    results = [run(slide, overwrite) for slide in slides]
    for index, result in enumerate(results):
        if not _held_here(result):
            continue
        say(f'{result["slide"]}: waiting for '
            f'{describe_holder(result["holder"])}, which is segmenting it')
        while _held_here(result):
            # Not redone if the other process has just finished it.
            result = run(result['slide'], False, BUSY_POLL_SECONDS)
        results[index] = result
    return results


def _held_here(result: dict) -> bool:
    """Whether a slide is busy in a process of this host (which can be
    checked and waited for)."""
    holder = result.get('holder') if result['status'] == 'busy' else None
    return holder is not None and holder.get('host') == socket.gethostname()
