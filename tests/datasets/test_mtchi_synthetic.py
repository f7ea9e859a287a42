"""The synthetic MTCHI: layout, reproducibility, and the grading rule."""
import hashlib
import subprocess
import sys

import cv2
import numpy as np
import pytest
from fixtures.folder_digest import folder_digest

from conftest import REPO_ROOT

from mmseg_hsp.datasets import synthetic_region, write_synthetic_mtchi
from mmseg_hsp.datasets.synthetic import HELD_OUT_STAINS, SyntheticStain


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


def test_default_stain_renders_the_same_bytes_as_before_stains_existed():
    # Pinned: the demo's scores and other tests' digests rest on these.
    digest = hashlib.sha256()
    for i in range(2):
        image, labels = synthetic_region(
            np.random.default_rng([3, i]), (64, 80))
        # Hashed in BGR, the order the digest was pinned in.
        digest.update(np.ascontiguousarray(image[..., ::-1]).tobytes())
        digest.update(labels.tobytes())
    assert digest.hexdigest() == ('a6111af5a45d0085f7d82ef4e5da6fc0'
                                  'f8c768cd8f5f735327991563137c8fc7')


def test_held_out_stains_render_the_same_regions(tmp_path):
    root = tmp_path / 'a'
    write_synthetic_mtchi(
        str(root), 1, 2, (64, 80), seed=5, test_stains=HELD_OUT_STAINS)
    assert sorted(p.name for p in root.iterdir()) == [
        'Test', 'Test-lab-b', 'Test-lab-c', 'Test-scanner', 'Training'
    ]
    # Adding stains leaves the other splits as they were.
    write_synthetic_mtchi(str(tmp_path / 'b'), 1, 2, (64, 80), seed=5)
    for split in ('Training', 'Test'):
        assert folder_digest(root / split) == folder_digest(tmp_path / 'b' /
                                                            split)
    test = root / 'Test'
    for name in HELD_OUT_STAINS:
        other = root / f'Test-{name}'
        assert folder_digest(other / 'Truth') == folder_digest(test /
                                                               'Truth')
        names = sorted(p.name for p in (test / 'Img').iterdir())
        assert sorted(p.name for p in (other / 'Img').iterdir()) == names
        for image_name in names:
            original = cv2.imread(str(test / 'Img' / image_name))
            image = cv2.imread(str(other / 'Img' / image_name))
            black = ~original.any(axis=2)
            assert np.array_equal(black, ~image.any(axis=2))
            change = np.abs(image.astype(int) - original)[~black]
            assert change.mean() > 4
    # Any stain can be rendered; an unchanged one gives the same bytes.
    rng_key = [7, 0]
    same = synthetic_region(
        np.random.default_rng(rng_key), (64, 80),
        stain=SyntheticStain(hematoxylin_amount=1.0, gamma=1.0))
    want = synthetic_region(np.random.default_rng(rng_key), (64, 80))
    assert all(np.array_equal(a, b) for a, b in zip(same, want))


def test_cli_writes_held_out_stains(tmp_path):
    root = tmp_path / 'Task2'
    done = subprocess.run([
        sys.executable, 'tools/dataset_converters/make_synthetic_mtchi.py',
        str(root), '--num-train', '1', '--num-test', '1', '--size', '48',
        '--test-stains', 'lab-b', 'scanner'
    ],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in root.iterdir()) == [
        'Test', 'Test-lab-b', 'Test-scanner', 'Training'
    ]
    assert done.stdout.strip().endswith(f'{root}, Test-lab-b, Test-scanner')
