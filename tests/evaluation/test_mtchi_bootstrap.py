"""The bootstrap over test regions: per-region confusions from masks, the
metric's mIoU on resampled sums, intervals, and the paired two-level test
of two rows on hand-made cases (its error rates: tests/evaluation/
test_apart_rule.py)."""
import numpy as np
import pytest

from mmseg_hsp.datasets import write_synthetic_mtchi
from mmseg_hsp.datasets.mtchi import mtchi_mask_name
from mmseg_hsp.evaluation import mtchi_scores
from mmseg_hsp.evaluation.bootstrap import (Comparison, bonferroni,
                                            bootstrap_miou, compare_rows,
                                            interval, miou_of_confusions,
                                            region_confusions,
                                            resample_seeds, resample_weights,
                                            seed_region_scores,
                                            two_level_samples)
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


def test_paired_draws_cancel_what_the_regions_share():
    """Row b is row a with one more correct CIN1 pixel in every region: on
    the same region draws their difference is small and sure, while each
    row's own interval (the regions differ a lot) is wide."""
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
    low, high = interval(sample_b - sample_a)
    assert 0 < low <= high < 0.02
    own_low, own_high = interval(sample_a)
    assert own_high - own_low > 10 * (high - low)
    np.testing.assert_allclose(seed_region_scores(a, weights)[:, 0], sample_a)


def test_two_level_draws_inflate_seed_deviations():
    """Two seeds: deviations from the draw's seed mean grow by sqrt(2)."""
    scores = np.array([[0.4, 0.6], [0.5, 0.5], [0.2, 0.6]])
    picks = np.array([[0, 0], [0, 1], [1, 1]])
    np.testing.assert_allclose(
        two_level_samples(scores, picks),
        [0.5 - 0.1 * np.sqrt(2), 0.5, 0.4 + 0.2 * np.sqrt(2)])
    # One seed: nothing to inflate or resample.
    np.testing.assert_allclose(
        two_level_samples(scores[:, :1], np.zeros((3, 1), int)),
        [0.4, 0.5, 0.2])
    picks = resample_seeds(3, 1000, seed=0)
    assert picks.shape == (1000, 3) and set(picks.ravel()) == {0, 1, 2}


def test_compare_rows_refers_the_difference_to_welch_t():
    """Seeds 0.6/0.7/0.8 against 0.5 three times, with draws whose spread
    is exactly the seed part (se^2 = 0.01 / 3): 2 degrees of freedom, t =
    0.2 / se, and t_2's tail is 1/2 (1 - t / sqrt(t^2 + 2))."""
    se = np.sqrt(0.01 / 3)
    half = se / np.sqrt(2)  # sample std of [-half, +half] is se
    c = compare_rows(np.array([0.6, 0.7, 0.8]), np.full(3, 0.5),
                     np.array([0.7 - half, 0.7 + half]), np.full(2, 0.5))
    t = 0.2 / se
    assert (c.difference, c.se, c.df) == pytest.approx((0.2, se, 2.0))
    assert c.p == pytest.approx(1 - t / np.sqrt(t * t + 2))  # 0.0742
    # One seed in a row: no spread to refer to, no test.
    c = compare_rows(np.array([0.9]), np.full(3, 0.5), np.full(2, 0.9),
                     np.full(2, 0.5))
    assert np.isnan(c.p) and np.isnan(c.df)


def test_bonferroni_tests_each_pair_at_alpha_over_m():
    family = [
        Comparison(np.float64(0.05), np.float64(0.01), np.float64(4),
                   np.float64(0.01)),
        Comparison(np.float64(-0.03), np.float64(0.01), np.float64(4),
                   np.float64(0.04)),
        Comparison(np.float64(0.2), np.float64(0.1), np.float64(np.nan),
                   np.float64(np.nan)),
    ]
    first, second, untested = bonferroni(family)
    # m = 3: p * 3 against 0.05.
    assert (first.p, first.apart) == (pytest.approx(0.03), True)
    assert (second.p, second.apart) == (pytest.approx(0.12), False)
    half = 0.01 * 3.96078648  # t quantile, 4 df, 1 - 0.05 / 6
    assert (first.low, first.high) == pytest.approx((0.05 - half,
                                                     0.05 + half))
    assert not untested.apart and np.isnan(untested.low)


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
