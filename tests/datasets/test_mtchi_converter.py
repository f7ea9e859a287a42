"""The patch converter on a tiny fake MTCHI tree (and a tiny whole slide)."""
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from fixtures.folder_digest import folder_digest

from conftest import REPO_ROOT

from mmseg_hsp.datasets.mtchi_patches import (OutDirRefused, SlideSource,
                                              convert_regions,
                                              convert_sources,
                                              whole_slide_mask,
                                              write_cross_validation)

PATCH, STRIDE, MIN_SHARE = 16, 8, 0.2


def fake_region(rng, height, width):
    """Random image, and a mask annotated in one random rectangle."""
    image = rng.integers(1, 256, (height, width, 3), dtype=np.uint8)
    mask = np.zeros((height, width), np.uint8)
    y0, x0 = rng.integers(0, height // 2), rng.integers(0, width // 2)
    y1, x1 = rng.integers(y0 + 1, height), rng.integers(x0 + 1, width)
    mask[y0:y1, x0:x1] = rng.integers(1, 5)
    return image, mask


def write_tree(root, sizes, split='Training', prefix='Crop_T'):
    rng = np.random.default_rng(len(sizes))
    regions = {}
    for sub in ('Img', 'Truth'):
        (root / split / sub).mkdir(parents=True, exist_ok=True)
    for i, (h, w) in enumerate(sizes):
        name = f'{prefix}{i}'
        image, mask = fake_region(rng, h, w)
        cv2.imwrite(str(root / split / 'Img' / f'{name}.png'), image)
        cv2.imwrite(str(root / split / 'Truth' / f'Mask_{name}.png'), mask)
        regions[name] = (image, mask)
    return regions


def expected_patches(regions):
    """The kept windows, counted directly from the masks."""
    kept = {}
    for name, (_, mask) in regions.items():
        h, w = mask.shape
        for y in range(0, h - PATCH + 1, STRIDE):
            for x in range(0, w - PATCH + 1, STRIDE):
                window = mask[y:y + PATCH, x:x + PATCH]
                if np.count_nonzero(window) / window.size >= MIN_SHARE:
                    kept[f'{name}_{y:05d}_{x:05d}'] = (name, y, x)
    return kept


def convert(root, out='TrainingPatches'):
    return convert_regions(
        str(root / 'Training'),
        str(root / out),
        patch_size=PATCH,
        stride=STRIDE,
        min_annotated=MIN_SHARE,
        progress=False)


def test_patch_count_and_content(tmp_path):
    regions = write_tree(tmp_path, [(40, 56), (16, 16), (15, 30), (33, 47)])
    convert(tmp_path)
    expected = expected_patches(regions)
    assert expected, 'the fake tree must keep some patches'
    out = tmp_path / 'TrainingPatches'
    written = sorted(p.stem for p in (out / 'Img').iterdir())
    assert written == sorted(expected)
    assert sorted(p.name for p in (out / 'Truth').iterdir()) == sorted(
        f'Mask_{n}.png' for n in expected)
    name = written[-1]
    region, y, x = expected[name]
    image, mask = regions[region]
    window = (slice(y, y + PATCH), slice(x, x + PATCH))
    patch = cv2.imread(str(out / 'Img' / f'{name}.png'))
    labels = cv2.imread(
        str(out / 'Truth' / f'Mask_{name}.png'), cv2.IMREAD_UNCHANGED)
    assert (patch == image[window]).all()
    assert (labels == mask[window]).all()


def test_reproducible_and_refuses_to_overwrite(tmp_path):
    write_tree(tmp_path, [(40, 40), (24, 48)])
    convert(tmp_path, 'a')
    convert(tmp_path, 'b')
    assert folder_digest(tmp_path / 'a') == folder_digest(tmp_path / 'b')
    with pytest.raises(OutDirRefused, match='pass --overwrite'):
        convert(tmp_path, 'a')


def test_printed_count(tmp_path, capsys):
    regions = write_tree(tmp_path, [(40, 56), (33, 47)])
    convert(tmp_path)
    assert f'{len(expected_patches(regions))} patches of 16x16' in (
        capsys.readouterr().out)


def test_cli_fails_on_broken_mask(tmp_path):
    # A mask with a label outside 0-4: the run fails naming the file and
    # leaves no output folder that looks finished.
    write_tree(tmp_path, [(40, 56), (33, 47)])
    broken = tmp_path / 'Training' / 'Truth' / 'Mask_Crop_T1.png'
    mask = cv2.imread(str(broken), cv2.IMREAD_UNCHANGED)
    mask[0, 0] = 7
    cv2.imwrite(str(broken), mask)
    done = subprocess.run([
        sys.executable, 'tools/dataset_converters/mtchi.py',
        str(tmp_path), '--patch-size',
        str(PATCH), '--stride',
        str(STRIDE)
    ],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True)
    assert done.returncode != 0
    assert 'Mask_Crop_T1.png: labels 7 are outside 0-4' in done.stderr
    assert not (tmp_path / 'TrainingPatches').exists()


def test_cross_validation_folds(tmp_path):
    training = write_tree(tmp_path, [(24, 24)] * 7, 'Training', 'Crop_T')
    test = write_tree(tmp_path, [(24, 24)] * 3, 'Test', 'Crop_V')
    folds = write_cross_validation(
        str(tmp_path),
        num_folds=4,
        seed=1,
        patch_size=PATCH,
        stride=STRIDE,
        min_annotated=MIN_SHARE,
        progress=False)
    assert {n for n, f in folds.items() if f == 0} == set(test)
    assert sorted(folds.values()).count(1) in (2, 3)
    splits = tmp_path / 'CrossVal' / 'splits'
    patches = expected_patches({**training, **test})
    seen = []
    for k in range(4):
        test_regions = (splits / f'fold{k}_test.txt').read_text().split()
        train_patches = (splits / f'fold{k}_train.txt').read_text().split()
        assert test_regions and all(folds[n] == k for n in test_regions)
        others = [
            p for p, (region, _, _) in patches.items()
            if region not in test_regions
        ]
        assert sorted(train_patches) == sorted(others)
        seen += test_regions
    assert sorted(seen) == sorted(folds)  # every region tested once
    regions = tmp_path / 'CrossVal' / 'Regions'
    assert len(list((regions / 'Img').iterdir())) == 10


def test_whole_slide_at_lower_magnification(tmp_path):
    import tifffile
    rng = np.random.default_rng(0)
    # A x20 slide (0.5 um per pixel in its TIFF tags) of 64x96, with a mask
    # at x10 (32x48): read at x10, the patches are the area-averaged slide
    # and the mask itself.
    slide = rng.integers(1, 256, (64, 96, 3), dtype=np.uint8)
    mask = np.zeros((32, 48), np.uint8)
    mask[4:30, 10:40] = 3
    tiff = dict(tile=(16, 16), photometric='rgb', compression='zlib')
    tifffile.imwrite(
        tmp_path / 'S1.tiff',
        slide,
        resolution=(20000, 20000),
        resolutionunit='CENTIMETER',
        **tiff)
    cv2.imwrite(str(tmp_path / 'Mask_S1.png'), mask)
    labels = whole_slide_mask(str(tmp_path / 'Mask_S1.png'))
    source = SlideSource(str(tmp_path / 'S1.tiff'), labels, 10)
    assert source.size == (32, 48)
    convert_sources([lambda: source],
                    str(tmp_path / 'out'),
                    patch_size=PATCH,
                    stride=STRIDE,
                    min_annotated=MIN_SHARE,
                    progress=False)
    expected = expected_patches({'S1': (None, mask)})
    written = sorted(p.stem for p in (tmp_path / 'out' / 'Img').iterdir())
    assert written == sorted(expected)
    _, y, x = expected[written[0]]
    patch = cv2.imread(str(tmp_path / 'out' / 'Img' / f'{written[0]}.png'))
    area = cv2.resize(slide, (48, 32), interpolation=cv2.INTER_AREA)
    assert np.abs(patch.astype(int) -
                  area[y:y + PATCH, x:x + PATCH, ::-1]).max() <= 1
    label = cv2.imread(
        str(tmp_path / 'out' / 'Truth' / f'Mask_{written[0]}.png'),
        cv2.IMREAD_UNCHANGED)
    assert (label == mask[y:y + PATCH, x:x + PATCH]).all()
    # Without resolution metadata the magnification must be given.
    tifffile.imwrite(tmp_path / 'S2.tiff', slide, **tiff)
    with pytest.raises(ValueError, match='S2.tiff: no objective power'):
        SlideSource(str(tmp_path / 'S2.tiff'), labels, 10)
    assert SlideSource(
        str(tmp_path / 'S2.tiff'),
        labels,
        10,
        base_magnification=20).size == (32, 48)


def test_slide_source_fills_unscanned_pixels_black(tmp_path):
    # OpenSlide gives transparent pixels past a slide's edge: the converter
    # reads them pure black (the outside of a Task 2 region), the slide
    # pipeline's reader, by default, white glass.
    import tifffile

    from mmseg_hsp.slide_io import open_slide
    slide = np.full((32, 32, 3), 90, np.uint8)
    tifffile.imwrite(
        tmp_path / 'S1.tiff',
        slide,
        tile=(16, 16),
        photometric='rgb',
        compression='zlib',
        resolution=(10000, 10000),
        resolutionunit='CENTIMETER')
    cv2.imwrite(str(tmp_path / 'Mask_S1.png'), np.ones((32, 32), np.uint8))
    source = SlideSource(
        str(tmp_path / 'S1.tiff'),
        whole_slide_mask(str(tmp_path / 'Mask_S1.png')), 10)
    past_edge = source.region.reader.read_region((24, 0), 0, (16, 4))
    assert (past_edge[:, :8] == 90).all() and (past_edge[:, 8:] == 0).all()
    with open_slide(str(tmp_path / 'S1.tiff')) as reader:
        past_edge = reader.read_region((24, 0), 0, (16, 4))
    assert (past_edge[:, :8] == 90).all() and (past_edge[:, 8:] == 255).all()


def test_slide_pairs_expand_inputs_like_infer_wsi(tmp_path):
    from mmseg_hsp.datasets.mtchi_patches import iter_slide_pairs
    (tmp_path / 'slides').mkdir()
    (tmp_path / 'masks').mkdir()
    for name in ('b.svs', 'a.tif', 'notes.md'):
        (tmp_path / 'slides' / name).write_bytes(b'')
    (tmp_path / 'masks' / 'Mask_a.png').write_bytes(b'')
    (tmp_path / 'masks' / 'Mask_b.tif').write_bytes(b'')
    listing = tmp_path / 'list.txt'
    listing.write_text('slides/a.tif  # again, listed\n')
    pairs = list(
        iter_slide_pairs([str(tmp_path / 'slides'),
                          str(listing)], str(tmp_path / 'masks')))
    assert [(os.path.basename(s), os.path.basename(m))
            for s, m in pairs] == [('a.tif', 'Mask_a.png'),
                                   ('b.svs', 'Mask_b.tif')]
    with pytest.raises(FileNotFoundError, match='Mask_c.png: mask missing'):
        (tmp_path / 'slides' / 'c.ndpi').write_bytes(b'')
        list(iter_slide_pairs([str(tmp_path / 'slides')],
                              str(tmp_path / 'masks')))
    with pytest.raises(FileNotFoundError, match='x.svs: no such slide'):
        list(iter_slide_pairs([str(tmp_path / 'x.svs')],
                              str(tmp_path / 'masks')))
