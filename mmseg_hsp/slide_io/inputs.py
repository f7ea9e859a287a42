"""Which slides a list of inputs names: files, folders and list files.

The whole-slide CLI and API (:mod:`mmseg_hsp.apis`) and the patch converter
(:mod:`mmseg_hsp.datasets.mtchi_patches`) expand their inputs the same way.
"""
import os
import os.path as osp
from typing import Callable, Iterable, List, Optional, Sequence

from ..setting_names import setting
from .dicom import folder_slides, is_dicom_seg, one_per_series

SLIDE_EXTENSIONS = ('.svs', '.tif', '.tiff', '.ndpi', '.vms', '.vmu', '.scn',
                    '.mrxs', '.svslide', '.bif', '.dcm', '.png', '.jpg',
                    '.jpeg', '.bmp')
LIST_EXTENSIONS = ('.txt', '.lst', '.list')


def folder_entries(folder: str, leave_out: Sequence[str],
                   warn: Optional[Callable[[str], None]]) -> List[str]:
    """The names in a folder that are slides, told apart from the rest.

    Every entry with a slide extension counts, whatever it is: a dangling
    symbolic link, a link loop or a folder named like a slide is reported
    when it runs (one failure line each), never dropped unseen. Left out,
    and said so through ``warn``: hidden names (``.x.svs``: temporaries
    being written, macOS's ``._x.svs`` resource forks) and names ending in
    ``leave_out``.
    """
    names = [
        name for name in sorted(os.listdir(folder))
        if name.lower().endswith(SLIDE_EXTENSIONS)
    ]
    hidden = [name for name in names if name.startswith('.')]
    outputs = [
        name for name in names
        if not name.startswith('.') and name.lower().endswith(leave_out)
    ]
    for kind, left in (('hidden files', hidden),
                       (f'files named as outputs ({", ".join(leave_out)})',
                        outputs)):
        if left and warn is not None:
            shown = ', '.join(left[:3]) + (', ...' if len(left) > 3 else '')
            warn(f'{folder}: left out {len(left)} {kind}: {shown}; rename '
                 'them to run them as slides')
    dropped = set(hidden + outputs)
    return [name for name in names if name not in dropped]


def collect_slides(inputs: Iterable[str],
                   leave_out: Sequence[str] = (),
                   warn: Optional[Callable[[str], None]] = None) -> List[str]:
    """Expand files, folders and list files into a sorted slide list.

    Args:
        inputs (Iterable[str]): Slide files; folders (their entries with a
            slide or image extension, in any letter case, not recursive;
            see :func:`folder_entries`); list files
            (``.txt``/``.lst``/``.list``: one path a line, relative to the
            list's folder, ``#`` comments). Each DICOM series counts once,
            however its files or folder are named
            (:func:`~.dicom.folder_slides`, :func:`~.dicom.one_per_series`);
            DICOM Segmentations are never slides, even named one by one
            (told by content, :func:`~.dicom.is_dicom_seg`).
        leave_out (Sequence[str]): Name endings of files a folder holds
            that are not slides: a tool's own outputs, when its output
            folder is (or lies in) its input folder. Files named one by one
            are kept. Defaults to none.
        warn (Callable[[str], None], optional): Told, one line per folder
            and kind, what a folder's listing left out.

    Returns:
        list[str]: Unique paths, sorted. Missing files are kept (they are
        reported when run).

    Raises:
        FileNotFoundError: If a list file is missing.
        ValueError: If there is no slide at all, or two slides share a
            file name without extension (outputs and masks are named after
            it, so they would collide).
    """
    inputs = list(inputs)
    leave_out = tuple(ending.lower() for ending in leave_out)
    slides = []
    for item in inputs:
        if osp.isdir(item):
            slides += folder_slides(item,
                                    folder_entries(item, leave_out, warn))
        elif item.lower().endswith(LIST_EXTENSIONS):
            if not osp.isfile(item):
                raise FileNotFoundError(f'{item}: no such list file')
            folder = osp.dirname(item)
            with open(item) as f:
                lines = (line.split('#')[0].strip() for line in f)
                slides += [osp.join(folder, line) for line in lines if line]
        else:
            slides.append(item)
    slides = sorted(set(osp.normpath(path) for path in slides))
    # A DICOM Segmentation (--dicom-seg's output, or any other) is no
    # slide, whatever it is called and however it was named.
    segs = [path for path in slides if osp.isfile(path) and
            path.lower().endswith('.dcm') and is_dicom_seg(path)]
    if segs and warn is not None:
        shown = ', '.join(segs[:3]) + (', ...' if len(segs) > 3 else '')
        warn(f'left out {len(segs)} DICOM Segmentation(s), which are '
             f'outputs, not slides: {shown}')
    slides = sorted(
        one_per_series([path for path in slides if path not in segs]))
    if not slides:
        raise ValueError(f'no slides in {", ".join(inputs)}: give slide '
                         f'files ({", ".join(SLIDE_EXTENSIONS)}), folders '
                         'of them or list files')
    names = {}
    for path in slides:
        name = osp.splitext(osp.basename(path))[0]
        if name in names:
            raise ValueError(f'{names[name]} and {path} have the same name: '
                             'their outputs would collide; rename one or '
                             'run them into different '
                             f'{setting("out_dir")}')
        names[name] = path
    return slides
