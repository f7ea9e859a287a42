"""A synthetic whole slide: an H&E-like picture written as a tiled pyramidal
TIFF with resolution tags, which OpenSlide reads as a generic-TIFF slide
with a pixel size.

The benchmarks, the GPU check and the whole-slide tests use it where a
user's slide would be read; the picture is for speed and memory, not for
learning (the synthetic MTCHI, :mod:`.synthetic`, is).
"""
import os
from typing import Union

import cv2
import numpy as np

from ..fileio import atomic_output

# Rows drawn at once by write_synthetic_slide: its float noise stays
# bounded for any slide height.
BAND_ROWS = 2000


def synthetic_he(height: int, width: int, seed: int = 0) -> np.ndarray:
    """An H&E-like RGB picture: pink stroma, purple nuclei, white glass.

    Args:
        height (int): Rows.
        width (int): Columns.
        seed (int): Seed of the nuclei and the noise. Defaults to 0.

    Returns:
        np.ndarray: ``(height, width, 3)`` uint8 RGB.
    """
    rng = np.random.default_rng(seed)
    rgb = np.full((height, width, 3), (236, 234, 238), np.uint8)
    # Tissue: an ellipse 20 px inside the borders (none in a thin band).
    axes = (max(width // 2 - 20, 0), max(height // 2 - 20, 0))
    cv2.ellipse(rgb, (width // 2, height // 2), axes, 0, 0, 360,
                (225, 160, 205), -1)
    for _ in range(height * width // 600):
        y, x = rng.integers(0, height), rng.integers(0, width)
        cv2.circle(rgb, (int(x), int(y)), int(rng.integers(2, 6)),
                   (120, 60, 160), -1)
    noise = rng.normal(0, 6, rgb.shape)
    return np.clip(rgb + noise, 0, 255).astype(np.uint8)


def write_pyramid(path: Union[str, os.PathLike],
                  rgb: np.ndarray,
                  mpp: float = 1.0,
                  levels: int = 3,
                  tile: int = 256) -> None:
    """Write ``rgb`` as a tiled pyramid (downsample 1, 2, 4, ...), atomically.

    Args:
        path (str | PathLike): The TIFF file.
        rgb (np.ndarray): ``(H, W, 3)`` uint8 level 0.
        mpp (float): Level-0 microns per pixel, in centimetre resolution
            tags. Defaults to 1.0 (x10).
        levels (int): Pyramid levels. Defaults to 3.
        tile (int): TIFF tile side. Defaults to 256.
    """
    import tifffile
    with atomic_output(str(path)) as partial, \
            tifffile.TiffWriter(partial) as tif:
        for k in range(levels):
            step = 2**k
            per_cm = 1e4 / (mpp * step)
            tif.write(rgb[::step, ::step],
                      tile=(tile, tile),
                      photometric='rgb',
                      compression='zlib',
                      resolution=(per_cm, per_cm),
                      resolutionunit='CENTIMETER',
                      subfiletype=1 if k else 0,
                      metadata=None)


def write_synthetic_slide(path: Union[str, os.PathLike],
                          height: int,
                          width: int,
                          mpp: float = 1.0) -> np.ndarray:
    """Draw a synthetic H&E slide band by band and write its pyramid.

    Args:
        path (str | PathLike): The TIFF file.
        height (int): Rows.
        width (int): Columns.
        mpp (float): Level-0 microns per pixel. Defaults to 1.0 (x10).

    Returns:
        np.ndarray: The level-0 picture, ``(height, width, 3)`` uint8 RGB.
    """
    rgb = np.concatenate([
        synthetic_he(min(BAND_ROWS, height - top), width, seed=top)
        for top in range(0, height, BAND_ROWS)
    ])
    write_pyramid(path, rgb, mpp)
    return rgb
