"""The synthetic MTCHI: layout, reproducibility, and the grading rule."""
import cv2
import numpy as np
import pytest
from fixtures.folder_digest import folder_digest

from mmseg_hsp.datasets import synthetic_region, write_synthetic_mtchi


def test_task2_layout_and_reproducible(tmp_path):
    write_synthetic_mtchi(str(tmp_path / 'a'), 3, 2, (64, 80), seed=5)
    write_synthetic_mtchi(str(tmp_path / 'b'), 3, 2, (64, 80), seed=5)
    write_synthetic_mtchi(str(tmp_path / 'c'), 3, 2, (64, 80), seed=6)
    assert folder_digest(tmp_path / 'a') == folder_digest(tmp_path / 'b')
    assert folder_digest(tmp_path / 'a') != folder_digest(tmp_path / 'c')
    root = tmp_path / 'a'
    for split, count in (('Training', 3), ('Test', 2)):
        images = sorted(p.name for p in (root / split / 'Img').iterdir())
        masks = sorted(p.name for p in (root / split / 'Truth').iterdir())
        assert len(images) == count
        assert masks == [f'Mask_{name}' for name in images]
        image = cv2.imread(str(root / split / 'Img' / images[0]))
        mask = cv2.imread(
            str(root / split / 'Truth' / masks[0]), cv2.IMREAD_UNCHANGED)
        assert image.shape == (64, 80, 3) and mask.shape == (64, 80)
        assert mask.dtype == np.uint8 and mask.max() <= 4
    # More regions leave the first ones unchanged.
    write_synthetic_mtchi(str(tmp_path / 'd'), 4, 2, (64, 80), seed=5)
    name = 'Crop_S5-TR0002.png'
    assert (tmp_path / 'd' / 'Training' / 'Img' /
            name).read_bytes() == (root / 'Training' / 'Img' /
                                   name).read_bytes()
    with pytest.raises(FileExistsError):
        write_synthetic_mtchi(str(root), 1, 1, (64, 80))


def regions(count, size=(192, 192)):
    for i in range(count):
        yield synthetic_region(np.random.default_rng([7, i]), size)


def test_pure_black_exactly_outside_the_region():
    for image, labels in regions(4):
        black = (image == 0).all(axis=2)
        assert 0 < black.mean() < 0.5
        assert (labels[black] == 0).all()
        # Inside the region no pixel is pure black in all channels...
        assert not (image[~black] == 0).all(axis=1).any()
        # ...and the outside is black in every channel, not just dark.
        assert (image[black] == 0).all()


def test_grade_follows_the_share_of_atypical_thickness():
    # Atypical nuclei are the darkest pixels; the higher the grade, the
    # larger the share of the epithelium they fill (none for normal, about
    # 1/3, 2/3, all). Measured over several regions, per label.
    dark = {label: [] for label in (1, 2, 3, 4)}
    for image, labels in regions(12):
        darkness = 255 - image.astype(np.float32).mean(axis=2)
        for label in dark:
            if (labels == label).sum() > 500:
                dark[label].append((darkness[labels == label] > 150).mean())
    means = [np.mean(dark[label]) for label in (1, 2, 3, 4)]
    assert all(len(dark[label]) >= 2 for label in dark)
    assert means[0] < means[1] < means[2] < means[3]
    assert means[3] > 2 * means[1]
