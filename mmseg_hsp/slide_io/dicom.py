"""DICOM whole-slide images: one slide per series, not one per file.

A DICOM slide is a series of ``.dcm`` files (one per pyramid level, plus
label and overview images) that OpenSlide opens together from any one of
them. Grouping uses OpenSlide itself (its ``dicom.SeriesInstanceUID``
property), so it agrees with what is then read and needs no DICOM library.

One series has one name however it is given (its folder, any of its
files): :func:`canonical_slide`. A DICOM Segmentation (what ``--dicom-seg``
writes beside a slide) is never a slide, whatever its file name: it is told
by its SOP Class UID or its Modality (:func:`is_dicom_seg`).
"""
import functools
import os
import os.path as osp
import struct
from typing import Dict, List, Optional, Sequence

DICOM_EXTENSION = '.dcm'
SEGMENTATION_SOP_CLASS = b'1.2.840.10008.5.1.4.1.1.66.4'
# Modality (0008,0060) "SEG " in explicit and implicit little-endian VR,
# for a file whose meta header does not name the SOP class.
SEG_MODALITY = (b'\x08\x00\x60\x00CS\x04\x00SEG ',
                b'\x08\x00\x60\x00\x04\x00\x00\x00SEG ')
# Bytes read to tell a SEG: the meta header and the first elements.
SEG_HEAD_BYTES = 65536
# Value representations with a 4-byte length in explicit VR.
LONG_VRS = {b'OB', b'OD', b'OF', b'OL', b'OV', b'OW', b'SQ', b'SV', b'UC',
            b'UN', b'UR', b'UT', b'UV'}


def _sop_class(head: bytes) -> Optional[bytes]:
    """MediaStorageSOPClassUID (0002,0002) of a DICOM file's meta header."""
    if head[128:132] != b'DICM':
        return None
    at = 132
    while at + 8 <= len(head):
        group, element = struct.unpack_from('<HH', head, at)
        if group != 2:
            return None
        vr = head[at + 4:at + 6]
        if vr in LONG_VRS:
            (length,), start = struct.unpack_from('<I', head, at + 8), at + 12
        else:
            (length,), start = struct.unpack_from('<H', head, at + 6), at + 8
        if element == 2:
            return head[start:start + length].rstrip(b'\0 ')
        at = start + length
    return None


@functools.lru_cache(maxsize=None)
def is_dicom_seg(path: str) -> bool:
    """Whether a file is a DICOM Segmentation, by content, not by name.

    Args:
        path (str): A file.

    Returns:
        bool: True if its meta header's SOP Class is Segmentation
        (1.2.840.10008.5.1.4.1.1.66.4) or its Modality is ``SEG``.
    """
    try:
        with open(path, 'rb') as f:
            head = f.read(SEG_HEAD_BYTES)
    except OSError:  # reported when run
        return False
    sop_class = _sop_class(head)
    if sop_class is not None:
        return sop_class == SEGMENTATION_SOP_CLASS
    return any(pattern in head for pattern in SEG_MODALITY)


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


def dicom_slide_files(folder: str) -> List[str]:
    """A folder's DICOM files that may be slides.

    Args:
        folder (str): The folder.

    Returns:
        list[str]: Its ``.dcm`` files, sorted, less hidden ones (files
        being written) and DICOM Segmentations (:func:`is_dicom_seg`).
    """
    return [
        osp.join(folder, name) for name in sorted(os.listdir(folder))
        if name.lower().endswith(DICOM_EXTENSION) and not name.startswith('.')
        and not is_dicom_seg(osp.join(folder, name))
    ]


def folder_slides(folder: str, names: Sequence[str]) -> List[str]:
    """The slides of a folder: DICOM series count once.

    Args:
        folder (str): The folder.
        names (Sequence[str]): Its slide files' names.

    Returns:
        list[str]: The non-DICOM files, and each DICOM series by its
        :func:`canonical_slide` (the folder itself when its DICOM files are
        one series: outputs are then named after the folder); DICOM
        Segmentations are left out.
    """
    dicom = [
        osp.join(folder, n) for n in names
        if n.lower().endswith(DICOM_EXTENSION)
        and not is_dicom_seg(osp.join(folder, n))
    ]
    others = [
        osp.join(folder, n) for n in names
        if not n.lower().endswith(DICOM_EXTENSION)
    ]
    return others + [canonical_slide(files[0])
                     for files in group_series(dicom)]


def first_dicom_file(folder: str) -> Optional[str]:
    """The file OpenSlide opens a DICOM slide given as its folder from.

    Args:
        folder (str): The folder.

    Returns:
        str | None: Its first DICOM file that may be a slide
        (:func:`dicom_slide_files`), None if it has none.
    """
    files = dicom_slide_files(folder)
    return files[0] if files else None


def series_files(path: str) -> List[str]:
    """The files of the DICOM series a path stands for.

    Args:
        path (str): A ``.dcm`` file, or a folder holding DICOM files.

    Returns:
        list[str]: Sorted: the folder's (or the file's folder's) DICOM
        slide files of the same series as its first one (the file); empty
        for a path that is no DICOM slide.
    """
    dicom = first_dicom_file(path) if osp.isdir(path) else path
    if dicom is None or not dicom.lower().endswith(DICOM_EXTENSION) or \
            not osp.isfile(dicom):
        return []
    uid = series_uid(dicom)
    if uid is None:
        return [dicom]
    return [
        name for name in dicom_slide_files(osp.dirname(dicom) or '.')
        if series_uid(name) == uid
    ]


def canonical_slide(path: str) -> str:
    """The one name of the DICOM series a path stands for.

    A series is named by its folder when the folder's DICOM files are that
    one series, else by its first file; so the folder and each of its files
    give the same outputs, whichever a run was given.

    Args:
        path (str): An input.

    Returns:
        str: That name for a DICOM file OpenSlide reads as a series;
        ``path`` itself otherwise.
    """
    if osp.isdir(path) or not path.lower().endswith(DICOM_EXTENSION) or \
            series_uid(path) is None:
        return path
    folder = osp.dirname(path) or '.'
    files = series_files(path)
    if files == dicom_slide_files(folder):
        return folder
    return files[0]


def one_per_series(paths: Sequence[str]) -> List[str]:
    """Name each DICOM series once, however its files were named.

    Naming two files of one series (or a file and its folder) would run the
    same slide twice: every file opens the whole series.

    Args:
        paths (Sequence[str]): Inputs, in order.

    Returns:
        list[str]: ``paths`` with each DICOM file replaced by its series'
        :func:`canonical_slide`, each once, in order.
    """
    return list(dict.fromkeys(canonical_slide(path) for path in paths))
