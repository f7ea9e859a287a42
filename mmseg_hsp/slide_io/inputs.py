"""Which slides a list of inputs names: files, folders and list files.

The whole-slide CLI and API (:mod:`mmseg_hsp.apis`) and the patch converter
(:mod:`mmseg_hsp.datasets.mtchi_patches`) expand their inputs the same way.
"""
import os
import os.path as osp
from typing import Iterable, List

from .dicom import folder_slides

SLIDE_EXTENSIONS = ('.svs', '.tif', '.tiff', '.ndpi', '.vms', '.vmu', '.scn',
                    '.mrxs', '.svslide', '.bif', '.dcm', '.png', '.jpg',
                    '.jpeg', '.bmp')
LIST_EXTENSIONS = ('.txt', '.lst', '.list')


def collect_slides(inputs: Iterable[str]) -> List[str]:
    """Expand files, folders and list files into a sorted slide list.

    Args:
        inputs (Iterable[str]): Slide files; folders (their files with a
            slide or image extension, in any letter case, not recursive;
            the ``.dcm`` files of a DICOM series count once, see
            :func:`~.dicom.folder_slides`); list files
            (``.txt``/``.lst``/``.list``: one path a line, relative to the
            list's folder, ``#`` comments).

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
    slides = []
    for item in inputs:
        if osp.isdir(item):
            slides += folder_slides(item, [
                name for name in sorted(os.listdir(item))
                if name.lower().endswith(SLIDE_EXTENSIONS)
                and osp.isfile(osp.join(item, name))
            ])
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
                             'run them into different --out-dir')
        names[name] = path
    return slides
