"""What a slide is, told cheaply: its resolved path and a fingerprint of its
bytes.

A slide's outputs are named after its file name, so two slides of one name
(``patientA/x.svs``, ``patientB/x.svs``) or a slide rescanned under the same
path would otherwise meet the first one's finished outputs and be skipped.
Each summary records the slide's :func:`slide_fingerprint`; a rerun
compares it before it skips anything (:mod:`mmseg_hsp.wsi.identity`).

Hashing a gigapixel slide whole would cost as much as reading it. The
fingerprint hashes what tells two slides or two scans apart: the header
(the first :data:`HEAD_BYTES`, where formats keep their metadata and tile
offsets), :data:`SAMPLES` blocks spread evenly over the file (pixel data of
different scans differ everywhere) and the last block; with the size and
the modification time. A DICOM slide is the files of its series.
"""
import hashlib
import os
import os.path as osp
from typing import List

from .dicom import series_files

HEAD_BYTES = 65536
SAMPLES = 16
BLOCK_BYTES = 4096


def _sample(path: str, size: int, digest) -> None:
    """Feed a file's header, evenly spread blocks and tail to ``digest``."""
    with open(path, 'rb') as f:
        digest.update(f.read(HEAD_BYTES))
        if size <= HEAD_BYTES:
            return
        span = size - BLOCK_BYTES
        for k in range(1, SAMPLES + 2):  # the last offset is the tail
            f.seek(span * k // (SAMPLES + 1))
            digest.update(f.read(BLOCK_BYTES))


def slide_files(path: str) -> List[str]:
    """The files a slide is read from.

    Args:
        path (str): A slide file, a DICOM file or a folder of one DICOM
            slide.

    Returns:
        list[str]: Sorted; the files of its DICOM series for a DICOM file
        or folder, else the file itself.
    """
    return series_files(path) or [path]


def slide_fingerprint(path: str) -> dict:
    """A slide's resolved path and the fingerprint of its files.

    Args:
        path (str): An existing slide (file, or DICOM folder).

    Returns:
        dict: ``path`` (real, absolute), ``bytes`` (total size), ``mtime``
        (latest modification, ns since the epoch), ``files`` (how many) and
        ``sha256`` of their names (relative to the slide), sizes and
        sampled bytes.
    """
    files = slide_files(path)
    digest = hashlib.sha256()
    total, mtime = 0, 0
    for name in files:
        stat = os.stat(name)
        total += stat.st_size
        mtime = max(mtime, stat.st_mtime_ns)
        digest.update(f'{osp.basename(name)} {stat.st_size};'.encode())
        _sample(name, stat.st_size, digest)
    return dict(path=osp.realpath(path), bytes=total, mtime=mtime,
                files=len(files), sha256=digest.hexdigest())
