"""Macenko normalisation: accuracy on a known stain, per-slide parameters,
and an IHC image refused as the H&E reference."""
import json
import re

import cv2
import numpy as np
import pytest
from fixtures.stains import REFERENCE_VECTORS, concentrations, stained

from mmseg.registry import TRANSFORMS
from mmseg_hsp.datasets.synthetic import (HELD_OUT_STAINS, ORIGINAL_STAIN,
                                          synthetic_region)
from mmseg_hsp.stain import (MacenkoNormalizer, StainEstimationError,
                             StainReferenceError)
from mmseg_hsp.stain import macenko as macenko_module
from mmseg_hsp.wsi import SlideStain

# Ruifrok & Johnston's DAB (brown) vector: an IHC slide is H + DAB.
DAB = [0.27, 0.57, 0.78]


@pytest.mark.parametrize('vectors,amounts', [
    (([0.74, 0.64, 0.20], [0.05, 0.86, 0.50]), (1.3, 0.75)),
    (([0.55, 0.76, 0.35], [0.15, 0.95, 0.27]), (0.8, 1.25)),
])
def test_known_stain_maps_back_to_the_reference(vectors, amounts):
    # The same tissue stained with the reference vectors and with other
    # vectors and amounts: normalising the second gives the first back
    # within 1.5 grey levels on average and 4 at worst (it was ~20 off).
    hema, eosin = concentrations()
    reference = stained(REFERENCE_VECTORS, hema, eosin)
    other = stained(vectors, amounts[0] * hema, amounts[1] * eosin)
    normalizer = MacenkoNormalizer()
    normalizer.fit_reference(reference)
    normalizer.fit(other)
    for got, want in zip(normalizer.reference['eosin'],
                         np.divide(REFERENCE_VECTORS[1],
                                   np.linalg.norm(REFERENCE_VECTORS[1]))):
        assert got == pytest.approx(want, abs=0.02)
    error = np.abs(normalizer.apply(other).astype(int) - reference)
    assert np.abs(other.astype(int) - reference).mean() > 15
    assert error.mean() < 1.5 and error.max() <= 4


def test_slide_parameters_estimated_once_and_reused_for_every_tile(
        monkeypatch):
    # A 'slide' of four regions; a normaliser fitted once on it (here on a
    # half-resolution copy, as a slide's low level) normalises tiles of odd
    # sizes to exactly the pixels of the normalised slide: no seams.
    slide = np.vstack([
        np.hstack([
            synthetic_region(np.random.default_rng([5, 2 * r + c]),
                             (128, 128))[0] for c in range(2)
        ]) for r in range(2)
    ])
    slide = np.ascontiguousarray(slide)
    low = cv2.resize(slide, (128, 128), interpolation=cv2.INTER_AREA)
    fits = []
    real_fit = macenko_module.NumpyMacenkoNormalizer.fit
    monkeypatch.setattr(macenko_module.NumpyMacenkoNormalizer, 'fit',
                        lambda self, *a, **k: fits.append(1) or real_fit(
                            self, *a, **k))
    params = MacenkoNormalizer().fit(low)
    # Stored as JSON (e.g. in a slide's summary) and read back.
    normalizer = MacenkoNormalizer.from_params(
        json.loads(json.dumps(params)))
    whole = normalizer.apply(slide)
    tiled = np.zeros_like(slide)
    for y in range(0, 256, 45):
        for x in range(0, 256, 71):
            tile = np.ascontiguousarray(slide[y:y + 45, x:x + 71])
            tiled[y:y + 45, x:x + 71] = normalizer.apply(tile)
    assert len(fits) == 1
    assert np.array_equal(tiled, whole)
    assert not np.array_equal(whole, slide)
    # Estimating per tile instead would break the seams.
    per_tile = slide.copy()
    for y in (0, 128):
        tile = np.ascontiguousarray(slide[y:y + 128, :128])
        own = MacenkoNormalizer(params['reference'])
        own.fit(tile)
        per_tile[y:y + 128, :128] = own.apply(tile)
    assert not np.array_equal(per_tile[:, :128], whole[:, :128])


def test_held_out_stains_come_closer_to_the_original():
    # The same regions under each held-out stain and under the original
    # one, each normalised with its own estimate to the original's stain:
    # every pair comes closer, on average to less than half the distance.
    before, after = [], []
    for index in range(3):
        key = [0, 1, index]
        original = synthetic_region(np.random.default_rng(key))[0]
        reference = MacenkoNormalizer().estimate(original)
        normalizer = MacenkoNormalizer(reference)
        normalizer.fit(original)
        original_normalised = normalizer.apply(original).astype(int)
        for stain in HELD_OUT_STAINS.values():
            assert stain != ORIGINAL_STAIN
            image = synthetic_region(
                np.random.default_rng(key), stain=stain)[0]
            normalizer.fit(image)
            before.append(np.abs(image.astype(int) - original).mean())
            after.append(
                np.abs(normalizer.apply(image) - original_normalised).mean())
    assert all(a < b for a, b in zip(after, before))
    assert np.mean(after) < 0.5 * np.mean(before)


def test_errors_name_the_problem():
    normalizer = MacenkoNormalizer()
    image = np.full((32, 32, 3), 230, np.uint8)  # glass only
    with pytest.raises(RuntimeError, match='call fit'):
        normalizer.apply(image)
    with pytest.raises(StainEstimationError, match='stained pixels'):
        normalizer.fit(image)
    with pytest.raises(ValueError, match='uint8'):
        normalizer.fit(image.astype(np.float32))
    with pytest.raises(ValueError, match='mask of shape'):
        normalizer.fit(image, np.ones((8, 8), bool))
    with pytest.raises(ValueError, match="not 'macenko'"):
        MacenkoNormalizer.from_params(dict(method='reinhard'))


def test_stain_normalize_transform(tmp_path):
    image, labels = synthetic_region(
        np.random.default_rng([0, 1, 0]), (96, 96), stain=HELD_OUT_STAINS[
            'lab-b'])
    reference_image, _ = synthetic_region(
        np.random.default_rng([0, 0, 0]), (96, 96))
    # BGR, as mmcv loads images into the pipeline.
    image = np.ascontiguousarray(image[..., ::-1])
    reference_image = np.ascontiguousarray(reference_image[..., ::-1])
    reference = MacenkoNormalizer().estimate(reference_image[..., ::-1])
    (tmp_path / 'ref.json').write_text(json.dumps(reference))
    cv2.imwrite(str(tmp_path / 'ref.png'), reference_image)
    expected = MacenkoNormalizer(reference)
    expected.fit(image[..., ::-1].copy())
    want = expected.apply(image[..., ::-1].copy())[..., ::-1]
    for ref in (reference, str(tmp_path / 'ref.json'),
                str(tmp_path / 'ref.png')):
        normalize = TRANSFORMS.build(dict(type='StainNormalize',
                                          reference=ref))
        results = normalize(dict(img=image.copy(), gt_seg_map=labels))
        assert np.array_equal(results['img'], want)
        assert results['gt_seg_map'] is labels
        assert results['stain_params'] == expected.params
    # No tissue: left as it is, and said so.
    glass = np.full((32, 32, 3), 235, np.uint8)
    results = normalize(dict(img=glass))
    assert results['img'] is glass and results['stain_params'] is None


def test_ihc_image_is_refused_as_the_h_and_e_reference(tmp_path):
    hema, second = concentrations()
    ihc = stained((REFERENCE_VECTORS[0], DAB), hema, second)
    h_and_e = stained(REFERENCE_VECTORS, hema, second)
    cv2.imwrite(str(tmp_path / 'ihc.png'), ihc[..., ::-1])
    cv2.imwrite(str(tmp_path / 'he.png'), h_and_e[..., ::-1])
    assert SlideStain(str(tmp_path / 'he.png')).reference['eosin'][1] > 0.9
    with pytest.raises(StainReferenceError) as error:
        SlideStain(str(tmp_path / 'ihc.png'))
    message = str(error.value)
    # Macenko's estimate of the DAB vector, within 0.02
    assert re.match(
        rf'stain reference {re.escape(str(tmp_path))}/ihc.png: its second '
        r'stain \[0.2[5-9], 0.5[5-9], 0.(7[6-9]|80)\] absorbs blue most, as '
        'DAB', message), message
    assert message.endswith('give an H&E-stained reference')
