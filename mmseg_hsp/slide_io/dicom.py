"""DICOM whole-slide images: one slide per series, not one per file.

A DICOM slide is a series of ``.dcm`` files (one per pyramid level, plus
label and overview images) that OpenSlide opens together from any one of
them. Grouping uses OpenSlide itself (its ``dicom.SeriesInstanceUID``
property), so it agrees with what is then read and needs no DICOM library.
"""
import functools
import os
import os.path as osp
from typing import Dict, Hashable, List, Optional, Sequence

DICOM_EXTENSION = '.dcm'


@functools.lru_cache(maxsize=None)
def series_uid(path: str) -> Optional[str]:
    """The DICOM series a file belongs to, as OpenSlide opens it.

    Args:
        path (str): A ``.dcm`` file.

    Returns:
        str | None: Its ``SeriesInstanceUID``; None if OpenSlide does not
        open it as a slide (it is then run, and reported, on its own).
        Remembered per path: a collection asks for a file more than once.
    """
    try:
        import openslide
        with openslide.OpenSlide(path) as slide:
            return slide.properties.get('dicom.SeriesInstanceUID')
    except Exception:  # not a slide OpenSlide reads: reported when run
        return None


def group_series(paths: Sequence[str]) -> List[List[str]]:
    """Group DICOM files by series.

    Args:
        paths (Sequence[str]): ``.dcm`` files.

    Returns:
        list[list[str]]: The sorted files of each series, series in the
        order of their first file; files outside any series alone.
    """
    groups: Dict[str, List[str]] = {}
    for path in sorted(paths):
        groups.setdefault(series_uid(path) or path, []).append(path)
    return list(groups.values())


def folder_slides(folder: str, names: Sequence[str]) -> List[str]:
    """The slides of a folder: DICOM series count once.

    Args:
        folder (str): The folder.
        names (Sequence[str]): Its slide files' names.

    Returns:
        list[str]: The folder itself when it holds one DICOM series and
        nothing else (outputs are then named after the folder); otherwise
        the non-DICOM files and the first file of each DICOM series.
    """
    dicom = [
        osp.join(folder, n) for n in names
        if n.lower().endswith(DICOM_EXTENSION)
    ]
    others = [
        osp.join(folder, n) for n in names
        if not n.lower().endswith(DICOM_EXTENSION)
    ]
    series = group_series(dicom)
    if len(series) == 1 and not others:
        return [folder]
    return others + [files[0] for files in series]


def first_dicom_file(folder: str) -> Optional[str]:
    """The file OpenSlide opens a DICOM slide given as its folder from.

    Args:
        folder (str): The folder.

    Returns:
        str | None: Its first ``.dcm`` file, None if it has none.
    """
    files = sorted(n for n in os.listdir(folder)
                   if n.lower().endswith(DICOM_EXTENSION))
    return osp.join(folder, files[0]) if files else None


def _series_of(path: str) -> Hashable:
    """What makes two inputs the same slide: their DICOM series (a ``.dcm``
    file's, or that of the folder holding one slide), else the path."""
    dicom = first_dicom_file(path) if osp.isdir(path) else path
    if dicom is None or not dicom.lower().endswith(DICOM_EXTENSION):
        return path
    uid = series_uid(dicom)
    return ('series', uid) if uid else path


def one_per_series(paths: Sequence[str]) -> List[str]:
    """Keep one input per DICOM series, however its files were named.

    Naming two files of one series (or a file and its folder) would run the
    same slide twice: every file opens the whole series.

    Args:
        paths (Sequence[str]): Inputs, in order.

    Returns:
        list[str]: ``paths`` less each one whose series an earlier one
        already stands for.
    """
    kept, seen = [], set()
    for path in paths:
        series = _series_of(path)
        if series not in seen:
            seen.add(series)
            kept.append(path)
    return kept
