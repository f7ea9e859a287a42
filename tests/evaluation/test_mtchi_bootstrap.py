"""The bootstrap over test regions: per-region confusions from masks, the
metric's mIoU on resampled sums, intervals and paired differences."""
import numpy as np
import pytest

from mmseg_hsp.datasets import write_synthetic_mtchi
from mmseg_hsp.datasets.mtchi import mtchi_mask_name
from mmseg_hsp.evaluation import mtchi_scores
from mmseg_hsp.evaluation.bootstrap import (bootstrap_miou, interval,
                                            miou_of_confusions,
                                            paired_difference,
                                            region_confusions,
                                            resample_weights)
from mmseg_hsp.fileio import write_png


def confusion(diagonal, off=0):
    """A 5x5 matrix: ``diagonal`` on it, ``off`` truth-1-predicted-2."""
    matrix = np.diag(np.asarray(diagonal, np.int64))
    matrix[1, 2] = off
    return matrix


def test_miou_is_the_metrics_on_any_leading_shape():
    matrices = np.stack([confusion([9, 3, 4, 0, 0], off=2),
                         confusion([0, 5, 5, 5, 5], off=5)])
    expected = [mtchi_scores(m)['mIoU'] for m in matrices]
    np.testing.assert_allclose(miou_of_confusions(matrices), expected)
    # normal 3/5, CIN1 4/6, CIN2 and CIN3 absent (left out).
    assert expected[0] == pytest.approx((3 / 5 + 4 / 6) / 2)
    assert np.isnan(miou_of_confusions(confusion([7, 0, 0, 0, 0])))


def test_resample_weights_draw_every_region_count_times():
    weights = resample_weights(5, 100, seed=3)
    assert weights.shape == (100, 5) and (weights.sum(1) == 5).all()
    np.testing.assert_array_equal(weights, resample_weights(5, 100, seed=3))
    assert (weights != resample_weights(5, 100, seed=4)).any()


def test_bootstrap_on_hand_made_draws():
    # Two regions, two seeds; draws: region 0 twice, region 1 twice, each
    # once.
    regions = np.stack([confusion([0, 1, 0, 0, 0]),
                        confusion([0, 1, 1, 0, 0], off=1)])
    runs = np.stack([regions, regions])
    weights = np.array([[2, 0], [0, 2], [1, 1]])
    samples = bootstrap_miou(runs, weights)
    # region 0: normal 1/1; region 1: normal 1/2, CIN1 1/2; both: normal
    # 2/3, CIN1 1/2.
    np.testing.assert_allclose(samples, [1.0, 0.5, (2 / 3 + 1 / 2) / 2])
    assert interval(np.full(10, 0.7)) == pytest.approx((0.7, 0.7))
    assert interval(np.arange(101) / 100, level=0.9) == pytest.approx(
        (0.05, 0.95))


def test_paired_difference_cancels_what_the_regions_share():
    """Row b is row a with one more correct CIN1 pixel in every region: a
    paired interval sees a small, sure difference, while each row's own
    interval (the regions differ a lot) is wide."""
    rng = np.random.default_rng(0)
    a = np.stack([
        confusion(rng.integers(1, 50, 5), off=int(rng.integers(0, 50)))
        for _ in range(12)
    ])[None]
    b = a.copy()
    b[..., 2, 2] += 1
    weights = resample_weights(12, 500)
    sample_a, sample_b = bootstrap_miou(a, weights), bootstrap_miou(
        b, weights)
    low, high = paired_difference(sample_b, sample_a)
    assert 0 < low <= high < 0.02
    own_low, own_high = interval(sample_a)
    assert own_high - own_low > 10 * (high - low)


def test_mismatched_regions_are_an_error():
    with pytest.raises(ValueError, match='same test set'):
        bootstrap_miou(np.zeros((1, 3, 5, 5)), resample_weights(4, 2))


def test_region_confusions_from_written_masks(tmp_path):
    root = str(tmp_path / 'Task2')
    write_synthetic_mtchi(root, 0, 2, (32, 32))
    test = tmp_path / 'Task2' / 'Test'
    pred_dir = tmp_path / 'pred'
    pred_dir.mkdir()
    names = sorted(p.name[len('Mask_'):-len('.png')]
                   for p in (test / 'Truth').iterdir())
    for name in names:
        write_png(str(pred_dir / mtchi_mask_name(name)),
                  np.full((32, 32), 2, np.uint8))
    confusions = region_confusions(str(test), str(pred_dir))
    assert confusions.shape == (2, 5, 5)
    import cv2
    for name, matrix in zip(names, confusions):
        truth = cv2.imread(str(test / 'Truth' / mtchi_mask_name(name)),
                           cv2.IMREAD_UNCHANGED)
        # Everything predicted CIN1; truth 0 is not counted.
        counts = np.bincount(truth.ravel(), minlength=5)
        assert matrix[:, 2].tolist() == [0, *counts[1:].tolist()]
        assert matrix.sum() == (truth > 0).sum()
    (pred_dir / mtchi_mask_name(names[1])).unlink()
    with pytest.raises(FileNotFoundError, match='no prediction of test'):
        region_confusions(str(test), str(pred_dir))
