"""The tiling and blending core (mmseg_hsp.tiling), with fake models."""
import numpy as np
import pytest
import torch

from mmseg_hsp.tiling.blending import (MIN_WEIGHT, ArrayTiles, BandBlender,
                                    BlendSpec, TileWindow, blend_tiles,
                                    grid_windows, tile_starts)

MODES = [
    dict(mode='gauss', weight='gaussian'),
    dict(mode='gauss', weight='cosine'),
    dict(mode='gauss', weight='exponential'),
    dict(mode='mean'),
    dict(mode='none'),
]


def blend(image, predict, spec, num_classes, keep=None):
    """Run blend_tiles and stack its bands (checking they are consecutive)."""
    bands = list(
        blend_tiles(ArrayTiles(image), predict, image.shape[1:], num_classes,
                    spec, keep=keep))
    tops = [band.top for band in bands]
    bottoms = [band.bottom for band in bands]
    assert tops[0] == 0 and bottoms[-1] == image.shape[1]
    assert tops[1:] == bottoms[:-1]
    return (np.concatenate([b.scores for b in bands], axis=1),
            np.concatenate([b.covered for b in bands]),
            np.concatenate([b.labels() for b in bands]))


def test_tile_starts_follow_mmseg_grid_and_none_stitching():
    assert tile_starts(1000, 400, 100) == [0, 100, 200, 300, 400, 500, 600]
    # the last tile moves back to end at the edge, as in slide_inference
    assert tile_starts(1050, 400, 100) == [0, 100, 200, 300, 400, 500, 600,
                                           650]
    assert tile_starts(399, 400, 100) == [0]
    assert tile_starts(1000, 400, 400, fit_inside=False) == [0, 400, 800]
    spec = BlendSpec(mode='none', tile=400, stride=100)
    assert spec.stride == (400, 400)
    assert grid_windows((500, 900), spec) == [
        TileWindow(y, x, 400, 400) for y in (0, 400) for x in (0, 400, 800)
    ]


@pytest.mark.parametrize('weight', ['gaussian', 'cosine', 'exponential'])
def test_gauss_windows_are_positive_peaked_and_symmetric(weight):
    window = BlendSpec(tile=(40, 30), stride=10, weight=weight).window
    assert window.shape == (40, 30)
    assert window.min() >= MIN_WEIGHT
    assert window.max() == pytest.approx(1.0, abs=0.01)
    np.testing.assert_allclose(window, window[::-1, ::-1])
    # centre rows/cols outweigh the borders
    assert window[20, 15] > window[0, 15] and window[20, 15] > window[20, 0]


def test_gaussian_window_is_nnunet_sigma_tile_over_8():
    window = BlendSpec(tile=(8, 8), stride=4, sigma=1 / 8).window
    # pixel 0 is 3.5 px from the centre 3.5, sigma = 1 px; normalised by the
    # value 0.5 px from the centre
    expected = np.exp(-3.5**2 / 2) / np.exp(-0.5**2 / 2)
    assert window[0, 3] == pytest.approx(expected * 1.0, rel=1e-12)
    assert window[3, 3] == pytest.approx(1.0)


@pytest.mark.parametrize('modes', MODES)
@pytest.mark.parametrize('size', [(157, 203), (23, 61), (64, 64)])
def test_constant_model_is_reproduced_exactly_everywhere(modes, size):
    spec = BlendSpec(tile=64, stride=24, batch_size=3, **modes)
    constant = np.array([0.1, 0.7, 0.2 / 3], np.float32)

    def predict(batch):
        n, _, h, w = batch.shape
        return np.broadcast_to(constant[None, :, None, None], (n, 3, h, w))

    image = np.zeros((3, ) + size, np.float32)
    scores, covered, labels = blend(image, predict, spec, 3)
    assert covered.all()
    assert (scores == constant[:, None, None]).all()  # bit-exact
    assert (labels == 1).all()


def test_bands_equal_a_whole_image_reference_and_stream():
    spec = BlendSpec(tile=(32, 48), stride=(8, 20), batch_size=5)
    rng = np.random.default_rng(0)
    image = rng.random((1, 100, 131)).astype(np.float32)
    windows = grid_windows(image.shape[1:], spec)
    tile_scores = {w: rng.random((4, 32, 48)).astype(np.float32)
                   for w in windows}
    calls = []
    order = iter(windows)

    def predict(batch):
        calls.append(len(batch))
        return np.stack([tile_scores[next(order)] for _ in range(len(batch))])

    # Dense reference, same raster order of accumulation.
    total = np.zeros((4, 100, 131))
    weights = np.zeros((100, 131))
    for (y, x, h, w) in windows:
        h, w = min(h, 100 - y), min(w, 131 - x)
        total[:, y:y + h, x:x + w] += spec.window[:h, :w] * \
            tile_scores[(y, x, 32, 48)][:, :h, :w]
        weights[y:y + h, x:x + w] += spec.window[:h, :w]
    expected = (total / weights).astype(np.float32)

    bands = blend_tiles(ArrayTiles(image), predict, (100, 131), 4, spec)
    first = next(bands)
    # the first rows come out before the whole image is predicted
    assert sum(calls) < len(windows)
    assert first.scores.shape[1] <= 32
    rest = list(bands)
    scores = np.concatenate([first.scores] + [b.scores for b in rest], 1)
    assert np.array_equal(scores, expected)
    assert max(b.scores.shape[1] for b in rest) <= 32


def test_gauss_leaves_smaller_seams_than_none():
    """A model biased by position in the tile: seams where tiles meet."""
    height, width, tile = 240, 240, 48
    yy, xx = np.mgrid[:height, :width]
    field = (0.5 + 0.4 * np.sin(yy / 40) * np.cos(xx / 55)).astype(np.float32)
    offset = np.linspace(-1, 1, tile)
    border_error = 0.2 * (offset[:, None] + offset[None, :])

    def predict(batch):
        fg = batch[:, 0] + border_error
        return np.stack([1 - fg, fg], axis=1)

    def seam(modes):
        spec = BlendSpec(tile=tile, stride=12, **modes)
        scores, _, _ = blend(field[None], predict, spec, 2)
        error = scores[1] - field
        return max(np.abs(np.diff(error, axis=0)).max(),
                   np.abs(np.diff(error, axis=1)).max())

    gauss, mean, none = seam(dict(mode='gauss')), seam(
        dict(mode='mean')), seam(dict(mode='none'))
    assert gauss < none / 4
    assert gauss < mean


def test_tiles_rejected_by_keep_are_not_run_and_left_uncovered():
    spec = BlendSpec(tile=16, stride=8)
    seen = []

    def predict(batch):
        seen.append(len(batch))
        return np.broadcast_to(
            np.array([0.2, 0.8], np.float32)[None, :, None, None],
            (len(batch), 2, 16, 16))

    image = np.zeros((1, 40, 64), np.float32)
    scores, covered, labels = blend(image, predict, spec, 2,
                                    keep=lambda w: w.x >= 32)
    assert sum(seen) == len([w for w in grid_windows((40, 64), spec)
                             if w.x >= 32])
    assert covered[:, 32:].all() and not covered[:, :32].any()
    assert (labels[:, :32] == 0).all() and (labels[:, 32:] == 1).all()
    assert (scores[:, :, :32] == 0).all()


def test_array_tiles_pad_numpy_and_torch_alike():
    image = np.arange(2 * 5 * 7, dtype=np.float32).reshape(2, 5, 7)
    windows = [TileWindow(0, 0, 8, 8), TileWindow(0, 4, 8, 8)]
    pad = (-1.0, -2.0)
    batch = ArrayTiles(image, pad)(windows)
    assert batch.shape == (2, 2, 8, 8)
    assert np.array_equal(batch[1, :, :5, :3], image[:, :, 4:])
    assert (batch[1, 0, 5:] == -1).all() and (batch[1, 1, :, 3:] == -2).all()
    tensor_batch = ArrayTiles(torch.from_numpy(image)[None], pad)(windows)
    assert isinstance(tensor_batch, torch.Tensor)
    assert np.array_equal(tensor_batch.numpy(), batch)


def test_from_test_cfg_reads_mmseg_keys():
    spec = BlendSpec.from_test_cfg(
        dict(mode='mean', crop_size=(96, 96), stride=(24, 24), size=None))
    assert (spec.mode, spec.tile, spec.stride) == ('mean', (96, 96), (24, 24))
    assert spec.weight == 'gaussian' and spec.batch_size == 8


@pytest.mark.parametrize('kwargs, message', [
    (dict(mode='slide'), 'blend mode'),
    (dict(weight='box'), 'blend weight'),
    (dict(tile=100, stride=200), 'larger than tile'),
    (dict(tile=(0, 4)), 'positive'),
    (dict(sigma=0), 'sigma'),
])
def test_bad_specs_raise_one_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BlendSpec(**kwargs)


def test_wrong_predict_output_is_reported():
    spec = BlendSpec(tile=16, stride=8)
    image = np.zeros((1, 20, 20), np.float32)
    with pytest.raises(ValueError, match='expected \\(3, 16, 16\\)'):
        list(blend_tiles(image, lambda b: np.zeros((len(b), 3, 8, 8)),
                         (20, 20), 3, spec))
    with pytest.raises(ValueError, match='score maps for a batch'):
        list(blend_tiles(image, lambda b: np.zeros((1, 3, 16, 16)),
                         (20, 20), 3, spec))
    blender = BandBlender((20, 20), 3, spec)
    with pytest.raises(ValueError, match='raster order'):
        blender.add(TileWindow(4, 0, 16, 16), np.zeros((3, 16, 16)))
