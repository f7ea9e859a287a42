"""Writing outputs so that an interrupted run never leaves a file or
folder that looks finished."""
import os
import os.path as osp
import shutil

import cv2
import numpy as np


def write_png(path: str, image: np.ndarray) -> None:
    """Write a PNG under a temporary name, then rename it into place.

    Args:
        path (str): Target ``.png`` file.
        image (np.ndarray): BGR or single-channel uint8 image.
    """
    ok, png = cv2.imencode('.png', image)
    if not ok:
        raise ValueError(f'{path}: cannot encode an image of shape '
                         f'{image.shape} as PNG')
    with open(path + '.part', 'wb') as f:
        f.write(png.tobytes())
    os.replace(path + '.part', path)


class AtomicFolder:
    """Build a folder under a temporary name; it replaces ``path`` on exit.

    An interrupted build leaves ``<path>.partial`` (removed by the next
    build), never a half-written ``path``.

    Args:
        path (str): Final folder.
        overwrite (bool): Replace an existing ``path``; otherwise an existing
            one is an error, raised before any work.
    """

    def __init__(self, path: str, overwrite: bool) -> None:
        if osp.exists(path) and not overwrite:
            raise FileExistsError(f'{path}: exists; pass --overwrite to '
                                  'replace it')
        self.path = path
        self.partial = path.rstrip('/') + '.partial'

    def __enter__(self) -> str:
        shutil.rmtree(self.partial, ignore_errors=True)
        os.makedirs(self.partial)
        return self.partial

    def __exit__(self, exc_type, *args) -> None:
        if exc_type is not None:
            return
        if osp.exists(self.path):
            shutil.rmtree(self.path)
        os.replace(self.partial, self.path)
