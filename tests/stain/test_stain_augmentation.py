"""RandomHEDJitter: colour only, within its stated range in HED space."""
import numpy as np
import pytest

from mmseg.registry import TRANSFORMS
from mmseg_hsp.datasets.synthetic import synthetic_region
from mmseg_hsp.stain import jitter_hed, rgb_to_hed


def region_bgr(index=0, size=(96, 96)):
    # BGR, as mmcv loads images into the pipeline.
    image, labels = synthetic_region(np.random.default_rng([11, index]), size)
    return np.ascontiguousarray(image[..., ::-1]), labels


def test_zero_jitter_gives_back_every_pixel():
    image, _ = region_bgr()
    rgb = np.ascontiguousarray(image[..., ::-1])
    assert np.array_equal(jitter_hed(rgb, [1, 1, 1], [0, 0, 0]), rgb)


@pytest.mark.parametrize('scale,shift', [(0.3, 0.05), (0.1, 0.0)])
def test_labels_untouched_and_colour_within_range_in_hed(scale, shift):
    jitter = TRANSFORMS.build(
        dict(type='RandomHEDJitter', scale=scale, shift=shift))
    np.random.seed(0)
    for index in range(4):
        image, labels = region_bgr(index)
        results = dict(
            img=image.copy(), gt_seg_map=labels.copy(), img_shape=(96, 96))
        results = jitter(results)
        out = results['img']
        assert out.dtype == np.uint8 and out.shape == image.shape
        assert np.array_equal(results['gt_seg_map'], labels)
        assert results['img_shape'] == (96, 96)
        black = ~image.any(axis=2)
        assert (out[black] == 0).all() and out[~black].any(axis=1).all()
        assert not np.array_equal(out, image)
        drawn = results['hed_jitter']
        assert all(abs(a - 1) <= scale for a in drawn['scale'])
        assert all(abs(b) <= shift for b in drawn['shift'])
        # Measured: on pixels that were not clipped (inside 1..254 before
        # and after), each HED channel is the drawn affine map of the
        # original one, up to the uint8 rounding.
        clean = (~black & (image > 0).all(axis=2) & (image < 255).all(axis=2)
                 & (out > 0).all(axis=2) & (out < 255).all(axis=2))
        before = rgb_to_hed(image[clean][:, ::-1])
        after = rgb_to_hed(out[clean][:, ::-1])
        for channel in range(3):
            slope, intercept = np.polyfit(before[:, channel],
                                          after[:, channel], 1)
            assert abs(slope - 1) <= scale + 0.01
            assert abs(slope - drawn['scale'][channel]) < 0.01
            assert abs(intercept - drawn['shift'][channel]) < 0.01


def test_stain_vector_jitter_changes_hue_alone():
    image, labels = region_bgr()
    plain = TRANSFORMS.build(
        dict(type='RandomHEDJitter', scale=0, shift=0))
    hue = TRANSFORMS.build(
        dict(
            type='RandomHEDJitter', scale=0, shift=0,
            stain_vector_jitter=0.2))
    assert np.array_equal(plain(dict(img=image.copy()))['img'], image)
    out = hue(dict(img=image.copy(), gt_seg_map=labels))
    assert not np.array_equal(out['img'], image)
    assert out['gt_seg_map'] is labels


def test_probability_and_bad_parameters():
    image, _ = region_bgr()
    never = TRANSFORMS.build(dict(type='RandomHEDJitter', prob=0))
    assert never(dict(img=image))['img'] is image
    for bad in (dict(scale=1.5), dict(shift=-0.1), dict(prob=2),
                dict(stain_vector_jitter=-1)):
        name = next(iter(bad))
        with pytest.raises(ValueError, match=f'RandomHEDJitter {name}'):
            TRANSFORMS.build(dict(type='RandomHEDJitter', **bad))
    with pytest.raises(ValueError, match='uint8'):
        jitter_hed(image.astype(np.float32), [1, 1, 1], [0, 0, 0])
