"""HED colour deconvolution and the HED jitter of Tellez et al. (2018).

An RGB pixel is converted to optical density (OD, Beer-Lambert:
``-ln(I / 255)``) and unmixed into hematoxylin, eosin and DAB (residual)
concentrations with Ruifrok & Johnston's stain vectors, as scikit-image
ships them (``skimage.color.hed_from_rgb`` / ``rgb_from_hed``).
Concentrations here are in OD units, i.e. scikit-image's ``rgb2hed``
values times ``-ln(1e-6)`` (13.8), the unit of Tellez et al.

The conversion is written out rather than calling ``rgb2hed`` /
``hed2rgb``: ``rgb2hed`` clips negative concentrations, which H&E pixels
have (eosin-free nuclei, the residual channel), so its round trip alone
moves about 9% of a synthetic MTCHI region's pixels by more than 2 grey
levels. Without the clip, zero jitter gives back every pixel exactly.
"""
from typing import Optional, Sequence

import numpy as np

from ..optional import import_extra

# Ruifrok & Johnston's vectors as scikit-image ships them (the `stain` extra:
# one line naming it when missing).
_color = import_extra('skimage.color', 'stain')
hed_from_rgb, rgb_from_hed = _color.hed_from_rgb, _color.rgb_from_hed

# The smallest intensity taken for the logarithm, scikit-image's floor.
_FLOOR = 1e-6


def check_rgb(image: np.ndarray, name: str = 'image') -> None:
    """Raise a ``ValueError`` unless ``image`` is uint8 ``(H, W, 3)``."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'{name} must be a uint8 (H, W, 3) RGB array, got '
                         f'{image.dtype} {image.shape}: convert it first')


def rgb_to_hed(image: np.ndarray) -> np.ndarray:
    """Hematoxylin, eosin and DAB concentrations (OD units) of RGB pixels.

    Args:
        image (np.ndarray): uint8 RGB ``(..., 3)``.

    Returns:
        np.ndarray: float64 ``(..., 3)``, not clipped at 0.
    """
    density = -np.log(np.maximum(image / 255.0, _FLOOR))
    return density @ hed_from_rgb


def hed_to_rgb(hed: np.ndarray,
               rgb_from_stains: np.ndarray = rgb_from_hed) -> np.ndarray:
    """uint8 RGB pixels of HED concentrations (OD units).

    Args:
        hed (np.ndarray): ``(..., 3)`` concentrations.
        rgb_from_stains (np.ndarray): ``(3, 3)``, one RGB OD vector per
            stain (rows: hematoxylin, eosin, DAB). Defaults to scikit-image's
            ``rgb_from_hed``.
    """
    rgb = 255 * np.exp(-(hed @ rgb_from_stains))
    return np.clip(np.round(rgb), 0, 255).astype(np.uint8)


def jitter_hed(image: np.ndarray,
               scale: Sequence[float],
               shift: Sequence[float],
               rgb_from_stains: Optional[np.ndarray] = None) -> np.ndarray:
    """Re-stain RGB pixels: ``c' = scale * c + shift`` per HED channel.

    Pure-black pixels (outside an annotated region, as in MTCHI) stay
    black: they carry no stain.

    Args:
        image (np.ndarray): uint8 RGB ``(H, W, 3)``.
        scale (Sequence[float]): Factor on each of the H, E, D
            concentrations.
        shift (Sequence[float]): OD added to each concentration.
        rgb_from_stains (np.ndarray, optional): ``(3, 3)`` stain vectors
            to re-mix with (perturbed ones change the dyes' hue). Defaults
            to the ones the image was unmixed with.

    Returns:
        np.ndarray: uint8 RGB ``(H, W, 3)``.
    """
    check_rgb(image)
    hed = rgb_to_hed(image) * np.asarray(scale) + np.asarray(shift)
    matrix = rgb_from_hed if rgb_from_stains is None else rgb_from_stains
    out = hed_to_rgb(hed, matrix)
    out[~image.any(axis=2)] = 0
    return out


def perturb_stain_vectors(rng: np.random.Generator,
                          amount: float) -> np.ndarray:
    """Ruifrok & Johnston's stain vectors, each RGB OD component scaled.

    Args:
        rng (np.random.Generator): Source of the factors.
        amount (float): Each component is multiplied by a factor drawn from
            ``U(1 - amount, 1 + amount)``; each vector is then scaled back
            to its length, so only the dye's hue changes.

    Returns:
        np.ndarray: ``(3, 3)``, rows hematoxylin, eosin, DAB.
    """
    vectors = rgb_from_hed * rng.uniform(1 - amount, 1 + amount, (3, 3))
    return vectors * (np.linalg.norm(rgb_from_hed, axis=1) /
                      np.linalg.norm(vectors, axis=1))[:, None]
