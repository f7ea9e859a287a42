"""A synthetic MTCHI: H&E-like cervical epithelium graded by the real rule.

Each region is a piece of tissue seen at about x10: pink stroma with
spindle nuclei, a bright basement membrane, stratified squamous epithelium
above it and pale glass beyond its surface, all inside a pathologist's
region outside which the image is pure black. Along the epithelium,
segments carry a grade, and the grade follows the histological criterion:
the share of the epithelial thickness, from the basement membrane up,
occupied by atypical cells (large, dark, crowded, pleomorphic nuclei):

- normal: none (only the thin basal layer of small, regular, dense nuclei);
- CIN1: about the lower third; CIN2: about two thirds; CIN3: full
  thickness.

Every pixel of a segment's epithelium carries its grade (label 1-4), as in
the MTCHI masks; stroma, glass and the outside are 0. Atypical cells look
the same in every grade and the upper layers of normal, CIN1 and CIN2 look
alike, so no local texture tells the grade: a model must relate the
atypical front to the full thickness, i.e. use spatial context.

Images are rendered in optical density (Beer-Lambert) from hematoxylin and
eosin concentration maps, with a per-region stain jitter. Every region is
drawn from its own seeded generator: adding regions never changes others.
The stain and scanner (:class:`SyntheticStain`) are parameters of the
rendering, not of the generator, so the same regions can be rendered under
other stains (:data:`HELD_OUT_STAINS`) pixel for pixel of their geometry.
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..fileio import atomic_folder, write_png
from .mtchi import mtchi_mask_name


@dataclass(frozen=True)
class SyntheticStain:
    """How a region is stained and scanned.

    The default is the stain of the synthetic MTCHI's Training and Test
    splits; it renders the same bytes as before this class existed.

    Args:
        hematoxylin_od (tuple[float]): RGB optical density of a unit of
            hematoxylin. Defaults to blue-purple ``(0.60, 0.75, 0.28)``.
        eosin_od (tuple[float]): RGB optical density of a unit of eosin.
            Defaults to pink ``(0.06, 0.55, 0.30)``.
        hematoxylin_amount (float): Factor on every hematoxylin
            concentration (staining time, dye strength). Defaults to 1.
        eosin_amount (float): Factor on every eosin concentration.
            Defaults to 1.
        gamma (float): Scanner tone curve ``255 * (v / 255) ** gamma``;
            below 1 brightens. Defaults to 1.
        saturation (float): Scanner colour gain around each pixel's grey
            level (1 keeps the colours, 0 makes grey). Defaults to 1.
    """
    hematoxylin_od: Tuple[float, float, float] = (0.60, 0.75, 0.28)
    eosin_od: Tuple[float, float, float] = (0.06, 0.55, 0.30)
    hematoxylin_amount: float = 1.0
    eosin_amount: float = 1.0
    gamma: float = 1.0
    saturation: float = 1.0

    def scan(self, rgb: np.ndarray) -> np.ndarray:
        """Apply the scanner's tone curve and colour gain to float RGB."""
        if self.gamma != 1.0:
            rgb = 255 * (np.clip(rgb, 0, 255) / 255)**self.gamma
        if self.saturation != 1.0:
            grey = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
            rgb = grey[..., None] + self.saturation * (rgb - grey[..., None])
        return rgb


ORIGINAL_STAIN = SyntheticStain()
# Stains no training region is rendered with: other labs' dyes (other
# stain vectors and amounts) and another scanner (tone curve, saturation).
HELD_OUT_STAINS = {
    # Bluer, stronger hematoxylin; paler, more orange eosin.
    'lab-b': SyntheticStain((0.68, 0.66, 0.24), (0.04, 0.50, 0.36), 1.25, 0.8),
    # Purple, paler hematoxylin; stronger, more magenta eosin.
    'lab-c': SyntheticStain((0.52, 0.80, 0.36), (0.09, 0.62, 0.24), 0.8, 1.25),
    # The original dyes on a scanner with a brighter tone curve and
    # stronger colours.
    'scanner': SyntheticStain(gamma=0.8, saturation=1.35),
}
# Share of the thickness held by atypical cells, per label (1 = normal).
ATYPICAL_SHARE = {
    1: (0.0, 0.0),
    2: (0.30, 0.42),
    3: (0.58, 0.74),
    4: (0.92, 1.0)
}
BASAL_SHARE = 0.12  # normal basal/parabasal layer
SUPERFICIAL_SHARE = 0.8  # flattened cells above this height

# Cells per zone: density (per px^2), nucleus semi-axes (px), hematoxylin
# amount, orientation ('across' = perpendicular to the membrane, 'along'
# it, 'random', or along the stroma's 'fibre'), and the semi-axes of a
# cell outline drawn in eosin (the roomy cells of the maturing layers), or
# None.
CELLS = {
    'stroma': (0.005, (3.2, 1.0), 1.0, 'fibre', None),
    'basal': (0.045, (2.0, 1.4), 1.2, 'across', None),
    'intermediate': (0.012, (1.6, 1.5), 1.0, 'random', (5.5, 4.5)),
    'superficial': (0.010, (2.2, 0.9), 1.3, 'along', (7.0, 2.8)),
    'atypical': (0.032, (3.0, 2.3), 1.6, 'random', None),
}


def smooth_noise(rng: np.random.Generator, shape: Tuple[int, int],
                 sigma: float) -> np.ndarray:
    """Gaussian-blurred white noise scaled to unit standard deviation."""
    field = cv2.GaussianBlur(
        rng.standard_normal(shape).astype(np.float32), (0, 0), sigma)
    return field / (field.std() + 1e-6)


def _wave(rng: np.random.Generator, v: np.ndarray, amplitude: float,
          period: float) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * v / period +
                              rng.uniform(0, 2 * np.pi))


def _segments(rng: np.random.Generator, v: np.ndarray,
              segment_length: Tuple[float, float]):
    """Grade label and atypical share at each position along the band."""
    start = float(v.min())
    bounds, labels = [start], []
    while bounds[-1] < v.max():
        bounds.append(bounds[-1] + rng.uniform(*segment_length))
        choices = [g for g in (1, 2, 3, 4) if not labels or g != labels[-1]]
        labels.append(int(rng.choice(choices)))
    index = np.clip(
        np.searchsorted(bounds, v, side='right') - 1, 0,
        len(labels) - 1)
    shares = np.array([rng.uniform(*ATYPICAL_SHARE[g]) for g in labels],
                      np.float32)
    return np.array(labels, np.uint8)[index], shares[index]


def _draw_cells(rng, hema, membranes, zone_map, zone_id, spec, along_angle,
                fibre_angle):
    density, (major, minor), amount, orientation, outline = spec
    h, w = zone_map.shape
    count = rng.poisson(density * h * w)
    ys, xs = rng.uniform(0, h, count), rng.uniform(0, w, count)
    inside = zone_map[ys.astype(int), xs.astype(int)] == zone_id
    for y, x in zip(ys[inside], xs[inside]):
        if orientation == 'random':
            angle = rng.uniform(0, 180)
        elif orientation == 'fibre':
            angle = fibre_angle + rng.normal(0, 10)
        else:
            angle = along_angle + (90 if orientation == 'across' else 0)
            angle += rng.normal(0, 12)
        # Sub-pixel centres and axes: cv2 fixed point with 4 fraction bits.
        centre = (int(x * 16), int(y * 16))
        axes = (major * rng.uniform(0.8, 1.25), minor * rng.uniform(0.8, 1.25))
        cv2.ellipse(hema, centre,
                    (max(int(axes[0] * 16), 8), max(int(axes[1] * 16), 8)),
                    angle, 0, 360, amount * rng.uniform(0.85, 1.15), -1,
                    cv2.LINE_8, 4)
        if outline is not None:
            cell = (int(outline[0] * 16 * rng.uniform(0.85, 1.15)),
                    int(outline[1] * 16 * rng.uniform(0.85, 1.15)))
            cv2.ellipse(membranes, centre, cell, angle, 0, 360, 1.0, 1,
                        cv2.LINE_8, 4)


def synthetic_region(rng: np.random.Generator,
                     size: Tuple[int, int] = (256, 256),
                     thickness: Tuple[float, float] = (50, 80),
                     segment_length: Tuple[float, float] = (70, 160),
                     stain: SyntheticStain = ORIGINAL_STAIN):
    """Render one region and its label map.

    Args:
        rng (np.random.Generator): Source of randomness.
        size (tuple[int, int]): ``(H, W)`` in pixels.
        thickness (tuple[float, float]): Range of the epithelial thickness
            (px). Defaults to (50, 80).
        segment_length (tuple[float, float]): Range of the length of a
            constant-grade segment along the membrane (px).
        stain (SyntheticStain): Stain and scanner. The same ``rng`` state
            gives the same region (geometry, cells, noise) under any stain.
            Defaults to :data:`ORIGINAL_STAIN`.

    Returns:
        tuple[np.ndarray, np.ndarray]: RGB uint8 ``(H, W, 3)`` image and
        uint8 ``(H, W)`` labels (0 background, 1 normal, 2-4 CIN1-3).
    """
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    side = float(min(h, w))
    theta = rng.uniform(0, 2 * np.pi)
    cy = h / 2 + rng.uniform(-0.1, 0.1) * side
    cx = w / 2 + rng.uniform(-0.1, 0.1) * side
    # u: across the membrane (towards the surface), v: along it.
    u = (xx - cx) * np.cos(theta) + (yy - cy) * np.sin(theta)
    v = -(xx - cx) * np.sin(theta) + (yy - cy) * np.cos(theta)
    diag = float(np.hypot(h, w))
    mean_thickness = rng.uniform(*thickness)
    membrane = (-mean_thickness / 2 + rng.uniform(-0.12, 0.12) * side +
                _wave(rng, v,
                      rng.uniform(0.04, 0.12) * side,
                      rng.uniform(0.8, 1.6) * diag) +
                _wave(rng, v,
                      rng.uniform(0, 0.03) * side,
                      rng.uniform(0.15, 0.3) * diag))
    local_thickness = mean_thickness * (1 +
                                        _wave(rng, v, 0.15,
                                              rng.uniform(0.5, 1.0) * diag))
    depth = u - membrane
    height = depth / local_thickness  # 0 at the membrane, 1 at the surface

    grade, atypical_share = _segments(rng, v, segment_length)
    atypical_share = np.clip(atypical_share + _wave(rng, v, 0.03, 60.0), 0, 1)
    epithelium = (height >= 0) & (height < 1)
    atypical = epithelium & (height < atypical_share)
    zones = np.full((h, w), 5, np.uint8)  # glass
    zones[height < 0] = 0
    zones[epithelium & (height >= SUPERFICIAL_SHARE)] = 3
    zones[epithelium & (height < SUPERFICIAL_SHARE)] = 2
    zones[epithelium & (height < BASAL_SHARE)] = 1
    zones[atypical] = 4
    zone_names = ('stroma', 'basal', 'intermediate', 'superficial', 'atypical')

    texture = smooth_noise(rng, (h, w), 2.0)
    fibre_angle = rng.uniform(0, 180)
    fibres = _fibres(rng, (h, w), fibre_angle)
    # Background stain per zone: (eosin, hematoxylin) of the cytoplasm.
    eosin = np.choose(zones,
                      [0.9, 0.45, 0.35, 0.6, 0.42, 0.02]).astype(np.float32)
    hema = np.choose(zones,
                     [0.03, 0.12, 0.04, 0.03, 0.14, 0.01]).astype(np.float32)
    eosin += np.where(zones == 0, 0.2 * fibres,
                      np.where(zones == 5, 0.005, 0.06) * texture)
    eosin[(depth > -2.0) & (depth < 0)] = 1.3  # basement membrane
    along_angle = np.degrees(theta) + 90
    membranes = np.zeros_like(eosin)
    for zone_id, name in enumerate(zone_names):
        _draw_cells(rng, hema, membranes, zones, zone_id, CELLS[name],
                    along_angle, fibre_angle)
    eosin += 0.5 * membranes * epithelium  # cell borders stay inside
    hema = cv2.GaussianBlur(hema, (0, 0), 0.6)

    stain_h = np.array(stain.hematoxylin_od, np.float32) * rng.uniform(
        0.85, 1.15, 3).astype(np.float32)
    stain_e = np.array(stain.eosin_od, np.float32) * rng.uniform(
        0.85, 1.15, 3).astype(np.float32)
    hema = hema * stain.hematoxylin_amount
    eosin = np.clip(eosin, 0, None) * stain.eosin_amount
    density = hema[..., None] * stain_h + eosin[..., None] * stain_e
    rgb = 255 * np.exp(-density) * rng.uniform(0.92, 1.0)
    rgb += rng.normal(0, 3, rgb.shape)
    rgb = stain.scan(rgb)
    image = np.clip(rgb, 1, 255).astype(np.uint8)  # never 0

    region = _region_mask(rng, h, w)
    image = image * region[..., None]
    labels = np.where(epithelium & (region > 0), grade, 0).astype(np.uint8)
    return np.ascontiguousarray(image), labels


def _fibres(rng: np.random.Generator, shape: Tuple[int, int],
            angle: float) -> np.ndarray:
    """Collagen streaks: noise smeared along one direction."""
    kernel = np.zeros((21, 21), np.float32)
    kernel[10, :] = 1 / 21
    rotation = cv2.getRotationMatrix2D((10, 10), -angle, 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (21, 21))
    streaks = cv2.filter2D(
        rng.standard_normal(shape).astype(np.float32), -1, kernel)
    return streaks / (streaks.std() + 1e-6)


def _region_mask(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """The pathologist's region: a wavy blob covering most of the image."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dy, dx = (yy - h / 2) / (h / 2), (xx - w / 2) / (w / 2)
    angle, radius = np.arctan2(dy, dx), np.hypot(dy, dx)
    limit = rng.uniform(1.0, 1.25) * np.ones_like(angle)
    for k in range(2, 6):
        limit += rng.uniform(
            0, 0.08) * np.cos(k * angle + rng.uniform(0, 2 * np.pi))
    return (radius < limit).astype(np.uint8)


def write_synthetic_mtchi(root: str,
                          num_train: int = 96,
                          num_test: int = 16,
                          size: Tuple[int, int] = (256, 256),
                          seed: int = 0,
                          thickness: Sequence[float] = (50, 80),
                          segment_length: Sequence[float] = (70, 160),
                          overwrite: bool = False,
                          test_stains: Optional[Mapping[str,
                                                        SyntheticStain]] = None
                          ) -> None:
    """Write a synthetic set in the exact Task 2 layout.

    ``<root>/{Training,Test}/Img/Crop_S<seed>-<TR|TE><i>.png`` and
    ``.../Truth/Mask_<same>.png``; ``root`` is written atomically.
    Each of ``test_stains`` adds ``<root>/Test-<name>/{Img,Truth}``: the
    Test regions, with the same names and masks, under that stain.

    Args:
        root (str): The ``Task2`` folder to create.
        num_train (int): Training regions. Defaults to 96.
        num_test (int): Test regions. Defaults to 16.
        size (tuple[int, int]): ``(H, W)`` of each region.
        seed (int): Seed; region ``i`` of a split depends only on
            ``(seed, split, i)``.
        thickness (Sequence[float]): Epithelial thickness range (px).
        segment_length (Sequence[float]): Grade segment length range (px).
        overwrite (bool): Replace an existing ``root``.
        test_stains (Mapping[str, SyntheticStain]): Extra renderings of the
            Test split, by folder suffix (e.g. :data:`HELD_OUT_STAINS`).
            Defaults to None (none).
    """
    # (folder, name tag, count, generator key, stain)
    splits = [('Training', 'TR', num_train, 0, ORIGINAL_STAIN),
              ('Test', 'TE', num_test, 1, ORIGINAL_STAIN)]
    splits += [(f'Test-{name}', 'TE', num_test, 1, stain)
               for name, stain in (test_stains or {}).items()]
    with atomic_folder(root, overwrite) as tmp:
        for split, tag, count, split_id, stain in splits:
            for sub in ('Img', 'Truth'):
                os.makedirs(osp.join(tmp, split, sub))
            for i in range(count):
                rng = np.random.default_rng([seed, split_id, i])
                image, labels = synthetic_region(rng, tuple(size),
                                                 tuple(thickness),
                                                 tuple(segment_length), stain)
                name = f'Crop_S{seed}-{tag}{i:04d}'
                write_png(
                    osp.join(tmp, split, 'Img', name + '.png'),
                    image,
                    fsync=False)
                write_png(
                    osp.join(tmp, split, 'Truth', mtchi_mask_name(name)),
                    labels,
                    fsync=False)
