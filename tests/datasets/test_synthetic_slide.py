"""The one synthetic-slide writer: an H&E-like picture as a tiled pyramidal
TIFF with resolution tags."""
import os

import numpy as np
import tifffile

from mmseg_hsp.datasets import synthetic_slide
from mmseg_hsp.datasets.synthetic_slide import (synthetic_he, write_pyramid,
                                                write_synthetic_slide)


def test_synthetic_he_is_seeded_and_h_and_e_coloured():
    rgb = synthetic_he(60, 80, seed=3)
    assert rgb.shape == (60, 80, 3) and rgb.dtype == np.uint8
    assert np.array_equal(rgb, synthetic_he(60, 80, seed=3))
    assert not np.array_equal(rgb, synthetic_he(60, 80, seed=4))
    # Glass in the corner, pink stroma (red over green) in the middle.
    assert rgb[:5, :5].mean() > 200
    red, green, _ = rgb[25:35, 35:45].reshape(-1, 3).mean(0)
    assert red > green + 30


def test_pyramid_levels_tiles_and_resolution(tmp_path):
    rgb = synthetic_he(64, 96)
    path = tmp_path / 'slide.tif'
    write_pyramid(path, rgb, mpp=0.5, levels=3, tile=16)
    assert os.listdir(tmp_path) == ['slide.tif']  # no partial file left
    with tifffile.TiffFile(path) as tif:
        pages = tif.pages
        assert [p.shape for p in pages] == [(64, 96, 3), (32, 48, 3),
                                            (16, 24, 3)]
        assert [p.tilewidth for p in pages] == [16] * 3
        assert [p.subfiletype for p in pages] == [0, 1, 1]
        assert np.array_equal(pages[0].asarray(), rgb)
        assert np.array_equal(pages[2].asarray(), rgb[::4, ::4])
        # Centimetre tags: 1e4 / 0.5 px per cm at level 0, half per level.
        assert pages[0].tags['ResolutionUnit'].value == 3
        x_resolution = [p.tags['XResolution'].value for p in pages]
        assert [n / d for n, d in x_resolution] == [2e4, 1e4, 5e3]


def test_slide_is_drawn_band_by_band(tmp_path, monkeypatch):
    monkeypatch.setattr(synthetic_slide, 'BAND_ROWS', 40)
    path = tmp_path / 'slide.tif'
    rgb = write_synthetic_slide(path, 100, 64)
    bands = [synthetic_he(40, 64, seed=0), synthetic_he(40, 64, seed=40),
             synthetic_he(20, 64, seed=80)]
    assert np.array_equal(rgb, np.concatenate(bands))
    assert np.array_equal(tifffile.imread(path, key=0), rgb)
