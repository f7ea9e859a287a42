"""Sliding-window tiling and overlap blending, emitted in bands of rows.

This is the one implementation of tiling and blending in the package: the
whole-slide pipeline (:class:`~mmseg_hsp.wsi.SlideSegmenter`) and the
segmentor test mode both call :func:`blend_tiles`, so an image gives the same
blended scores and labels, pixel for pixel, through either.

The image is covered by a grid of ``tile``-sized windows ``stride`` apart
(the last window of a row or column is moved back to end at the image edge,
as mmseg's ``slide_inference`` does). Windows are predicted in batches, in
raster order, and each window's class scores are added into a band
accumulator with a weight window. A row is final once no later window can
reach it, so it is emitted at once: memory holds ``(num_classes + 1) x
tile_h x width`` accumulator values plus a few batches of tiles and scores
in flight (``reads_ahead`` batches read ahead, one scored in a worker thread
while another is blended), never the whole image (see
:class:`BandBlender`).

Blend modes (``BlendSpec.mode``):

* ``gauss`` (default): the paper's Gauss-like post-processing, a weighted
  average of overlapping predictions that trusts tile centres more than tile
  borders. ``BlendSpec.weight`` picks the window; all are separable and
  strictly positive, so a pixel covered by one tile only (image edges and
  corners) keeps that tile's prediction:

  - ``gaussian`` (default): nnU-Net's ``exp(-d^2 / (2 sigma^2))`` with
    ``sigma = BlendSpec.sigma * tile`` (``1/8``, nnU-Net's value);
  - ``cosine``: ``sin(pi * (i + 0.5) / tile)`` per axis, the raised-cosine
    (Hann) window sampled at pixel centres;
  - ``exponential``: ``exp(-|d| / (sigma * tile))`` per axis.

  The HSP-Net paper cites TriUpSegNet [24] for "Gauss-weighted predictions"
  without giving a formula; TriUpSegNet discusses cosine, exponential and
  Gaussian distance weights. These three are our definitions of that
  family; the default is nnU-Net's documented Gaussian.
* ``mean``: plain averaging of overlapping predictions (Table 5's Ensemble
  rows, stride 96 there).
* ``none``: non-overlapping stitching as in the paper's Figure 4: the
  stride is the tile size, windows are laid from the top-left corner and the
  last row/column of windows reaches past the image edge (the tile source
  pads it), so every pixel comes from exactly one tile.

Numerics: weights and sums are accumulated in float64 and the emitted
scores are ``sum(w * s) / sum(w)`` cast to float32. So a model whose scores
are the same everywhere gives back exactly those float32 scores at every
pixel, whatever the overlap, and the result depends only on the scores,
the spec and the window order, never on who calls.

Where it runs: in numpy on the host by default; with ``device`` set, in
torch tensors on that device (the model's GPU), with the same operations
in the same order, so both give the same scores bit for bit (a test runs
the torch code on the CPU against numpy). On a GPU the scores then never
leave the device: only the uint8 labels of each band are copied back.
With ``reads_ahead`` > 0, tile reads run ahead of the model in a worker
thread, and the model ahead of the blender in another (:func:`read_ahead`);
with 0, the three stages take turns in the calling thread (a CPU model,
whose threads already use every core).
"""
from dataclasses import dataclass, field
from typing import (Callable, Iterable, Iterator, List, NamedTuple, Optional,
                    Sequence, Tuple, Union)

import numpy as np

from .prefetch import read_ahead

BLEND_MODES = ('gauss', 'mean', 'none')
# mmseg's own test modes, which a test_cfg may hold instead.
MMSEG_MODES = ('whole', 'slide')
GAUSS_WEIGHTS = ('gaussian', 'cosine', 'exponential')
# Floor of the normalised weight window: far tile corners of a narrow
# Gaussian underflow towards 0, and a zero weight would leave a pixel covered
# by one tile undefined.
MIN_WEIGHT = 1e-6
# Bytes a tile pixel takes at least: its float64 blending weight, and per
# tile of a batch its uint8 RGB and float32 model input.
WINDOW_BYTES = 8
TILE_BYTES = 3 + 3 * 4
MEMINFO = '/proc/meminfo'


def available_memory() -> Optional[int]:
    """Bytes of memory this machine can still give (``MemAvailable``), or
    None where ``/proc/meminfo`` does not say."""
    try:
        with open(MEMINFO) as f:
            for line in f:
                if line.startswith('MemAvailable:'):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None



class NonFiniteScores(ValueError):
    """The model scored pixels NaN or infinite (one-line message)."""


def _pair(value: Union[int, Sequence[int]], name: str) -> Tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(
            isinstance(v, (int, np.integer)) and v > 0 for v in pair):
        raise ValueError(f'{name} must be a positive int or (h, w) pair of '
                         f'positive ints, got {value!r}')
    return int(pair[0]), int(pair[1])


def _axis_window(length: int, weight: str, sigma: float) -> np.ndarray:
    """The 1-D weight profile of one tile axis, peak 1, float64."""
    position = np.arange(length, dtype=np.float64)
    offset = position - (length - 1) / 2
    if weight == 'gaussian':
        profile = np.exp(-offset**2 / (2 * (sigma * length)**2))
    elif weight == 'exponential':
        profile = np.exp(-np.abs(offset) / (sigma * length))
    else:  # cosine
        profile = np.sin(np.pi * (position + 0.5) / length)
    return profile / profile.max()


@dataclass(frozen=True)
class BlendSpec:
    """How tiles are laid out and blended.

    Args:
        mode (str): ``'gauss'`` (default), ``'mean'`` or ``'none'`` (see the
            module docstring).
        tile (int | tuple[int, int]): Tile ``(h, w)`` in pixels. Defaults to
            400, the paper's patch size.
        stride (int | tuple[int, int]): Step between tiles. Defaults to 100,
            the paper's. Ignored by ``'none'``, whose stride is the tile.
        weight (str): Window of ``'gauss'``: ``'gaussian'`` (default),
            ``'cosine'`` or ``'exponential'``. Ignored by other modes.
        sigma (float): Width of the ``'gaussian'`` / ``'exponential'``
            window as a fraction of the tile side. Defaults to 1/8.
        batch_size (int): Tiles per ``predict`` call. Defaults to 8.
    """
    mode: str = 'gauss'
    tile: Union[int, Tuple[int, int]] = (400, 400)
    stride: Union[int, Tuple[int, int]] = (100, 100)
    weight: str = 'gaussian'
    sigma: float = 0.125
    batch_size: int = 8
    _window: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.mode not in BLEND_MODES:
            raise ValueError(f'blend mode {self.mode!r} is unknown; use one '
                             f'of {BLEND_MODES}')
        if self.weight not in GAUSS_WEIGHTS:
            raise ValueError(f'blend weight {self.weight!r} is unknown; use '
                             f'one of {GAUSS_WEIGHTS}')
        if not self.sigma > 0:
            raise ValueError(f'blend sigma must be > 0, got {self.sigma}')
        if not (isinstance(self.batch_size, int) and self.batch_size > 0):
            raise ValueError(
                f'batch_size must be a positive int, got {self.batch_size!r}')
        tile = _pair(self.tile, 'tile')
        stride = tile if self.mode == 'none' else _pair(self.stride, 'stride')
        if stride[0] > tile[0] or stride[1] > tile[1]:
            raise ValueError(f'stride {stride} is larger than tile {tile}: '
                             'pixels between tiles would get no prediction')
        object.__setattr__(self, 'tile', tile)
        object.__setattr__(self, 'stride', stride)
        self._check_memory()
        if self.mode == 'gauss':
            window = np.outer(
                _axis_window(tile[0], self.weight, self.sigma),
                _axis_window(tile[1], self.weight, self.sigma))
            window = np.maximum(window, MIN_WEIGHT)
        else:
            window = np.ones(tile, dtype=np.float64)
        window.setflags(write=False)
        object.__setattr__(self, '_window', window)

    def _check_memory(self) -> None:
        """Refuse a tile whose window and one batch cannot fit in memory
        (``--tile 100000``: an 80 GB window, a bare MemoryError)."""
        pixels = self.tile[0] * self.tile[1]
        need = pixels * (WINDOW_BYTES + self.batch_size * TILE_BYTES)
        available = available_memory()
        if available is not None and need > available:
            raise ValueError(
                f'tile {self.tile[0]}x{self.tile[1]}: its blending window '
                f'and one batch of {self.batch_size} tiles need at least '
                f'{need / 2**30:.3g} GiB, more than the '
                f'{available / 2**30:.3g} GiB of memory available; use a '
                "smaller --tile (the paper's 400) or --batch-size")

    @classmethod
    def from_test_cfg(cls, test_cfg: Optional[dict],
                      **overrides) -> 'BlendSpec':
        """Build from an mmseg-style ``test_cfg``.

        Args:
            test_cfg (dict, optional): Reads ``mode`` (only a blend mode:
                mmseg's ``'whole'``/``'slide'`` leave the default),
                ``crop_size`` (the tile), ``stride``, ``weight``, ``sigma``
                and ``batch_size``; missing keys take the defaults, other
                keys are left to mmseg.
            **overrides: Settings by their :class:`BlendSpec` name, winning
                over ``test_cfg``; None values count as not given.

        Returns:
            BlendSpec: The spec.
        """
        keys = dict(mode='mode', crop_size='tile', stride='stride',
                    weight='weight', sigma='sigma', batch_size='batch_size')
        test_cfg = test_cfg or {}
        settings = {
            ours: test_cfg[theirs]
            for theirs, ours in keys.items() if theirs in test_cfg
        }
        if settings.get('mode') in MMSEG_MODES:
            del settings['mode']
        settings.update((key, value) for key, value in overrides.items()
                        if value is not None)
        return cls(**settings)

    @property
    def window(self) -> np.ndarray:
        """np.ndarray: The ``(tile_h, tile_w)`` float64 weight window."""
        return self._window

    def to_dict(self) -> dict:
        """dict: The settings, for summaries and logs."""
        return dict(mode=self.mode, tile=list(self.tile),
                    stride=list(self.stride), weight=self.weight,
                    sigma=self.sigma, batch_size=self.batch_size)


class TileWindow(NamedTuple):
    """A tile's rectangle in image pixels (may reach past the image edge).

    Args:
        y (int): Top row.
        x (int): Left column.
        h (int): Height (the tile height).
        w (int): Width (the tile width).
    """
    y: int
    x: int
    h: int
    w: int


def tile_starts(length: int, tile: int, stride: int,
                fit_inside: bool = True) -> List[int]:
    """Start offsets of tiles along one axis.

    Args:
        length (int): Image length along the axis.
        tile (int): Tile length.
        stride (int): Step between tiles.
        fit_inside (bool): Move the last tile back to end at the image edge
            (mmseg's ``slide_inference`` grid). If False, tiles continue
            ``stride`` apart past the edge (``'none'`` stitching). Defaults
            to True.

    Returns:
        list[int]: Increasing offsets; ``[0]`` if the image is not longer
        than one tile.
    """
    if length <= tile:
        return [0]
    if not fit_inside:
        return list(range(0, length, stride))
    count = -(-(length - tile) // stride) + 1
    return [min(i * stride, length - tile) for i in range(count)]


def grid_windows(image_size: Tuple[int, int],
                 spec: BlendSpec) -> List[TileWindow]:
    """All tile windows of an image, in raster order.

    Args:
        image_size (tuple[int, int]): ``(H, W)`` of the image.
        spec (BlendSpec): Tile, stride and mode.

    Returns:
        list[TileWindow]: Row by row, left to right.
    """
    (height, width), (th, tw), (sh, sw) = image_size, spec.tile, spec.stride
    fit = spec.mode != 'none'
    return [
        TileWindow(y, x, th, tw)
        for y in tile_starts(height, th, sh, fit)
        for x in tile_starts(width, tw, sw, fit)
    ]


@dataclass
class Band:
    """Final blended rows ``[top, top + h)`` of the image.

    Args:
        top (int): First image row of the band.
        scores (np.ndarray | Tensor): ``(num_classes, h, W)`` float32
            blended scores; 0 where no tile was predicted. A torch tensor on
            the blending device when blending ran in torch.
        covered (np.ndarray | Tensor): ``(h, W)`` bool, True where at least
            one predicted tile covers the pixel; beside ``scores``.
    """
    top: int
    scores: Union[np.ndarray, 'torch.Tensor']
    covered: Union[np.ndarray, 'torch.Tensor']

    @property
    def bottom(self) -> int:
        """int: One past the last image row of the band."""
        return self.top + self.scores.shape[1]

    def labels(self, fill: int = 0) -> np.ndarray:
        """Class indices: the arg-max of the scores (first on ties).

        Args:
            fill (int): Label of pixels no predicted tile covers. Defaults
                to 0 (background).

        Returns:
            np.ndarray: ``(h, W)`` uint8 labels, on the host (computed
            where the scores are).

        Raises:
            NonFiniteScores: If a score is NaN or infinite: its arg-max
                would be an arbitrary class (NaN scores everywhere give
                class 0, an all-background map).
        """
        scores = self.scores
        finite = np.isfinite(scores).all() if isinstance(
            scores, np.ndarray) else bool(scores.isfinite().all())
        if not finite:
            raise NonFiniteScores(
                f'the model scored pixels NaN or infinite in rows '
                f'{self.top}-{self.bottom - 1}: no label can be read from '
                'them; run in float32 (--amp fp32) if the model ran in '
                'float16, else check the checkpoint')
        labels = scores.argmax(0)
        labels[~self.covered] = fill
        if isinstance(labels, np.ndarray):
            return labels.astype(np.uint8)
        return labels.to(torch_dtype('uint8')).cpu().numpy()


class BandBlender:
    """Weighted accumulation of tile scores over a band of image rows.

    Tiles must be added in raster order (non-decreasing ``y``). Before a tile
    whose top row is ``y`` is added, :meth:`advance` emits every row above
    ``y``, which no later tile can reach. The buffer therefore holds
    ``tile_h`` rows, ``(num_classes + 1) * tile_h * W`` float64 values, used
    as a ring: image row ``r`` lives in buffer row ``r % tile_h``, so rows
    are never moved.

    Args:
        image_size (tuple[int, int]): ``(H, W)`` of the image.
        num_classes (int): Score channels per pixel (at most 256: labels
            are uint8).
        spec (BlendSpec): Tile size and weight window.
        device (str | torch.device, optional): Blend in torch tensors on
            this device (scores given as tensors there); None (default)
            blends numpy arrays on the host. The results are the same bit
            for bit.
    """

    def __init__(self, image_size: Tuple[int, int], num_classes: int,
                 spec: BlendSpec, device=None):
        if not 0 < num_classes <= 256:
            raise ValueError(f'num_classes must be in 1..256 (uint8 labels), '
                             f'got {num_classes}')
        self.height, self.width = image_size
        self.num_classes = num_classes
        self.spec = spec
        self.device = device
        self.top = 0
        self.rows = min(spec.tile[0], self.height)
        self._scores = self._zeros((num_classes, self.rows, self.width),
                                   'float64')
        self._weights = self._zeros((self.rows, self.width), 'float64')
        self._window = spec.window if device is None else \
            torch_module().tensor(spec.window, device=device)

    def _zeros(self, shape: Tuple[int, ...], dtype: str):
        """A zero array of a dtype name, numpy or on the device."""
        if self.device is None:
            return np.zeros(shape, dtype)
        return torch_module().zeros(shape,
                                    dtype=torch_dtype(dtype),
                                    device=self.device)

    def _ring(self, row: int, count: int) -> List[Tuple[slice, slice]]:
        """Buffer rows of image rows ``[row, row + count)``, at most two runs.

        Returns ``(buffer slice, slice of the count rows)`` pairs.
        """
        start = row % self.rows
        first = min(count, self.rows - start)
        runs = [(slice(start, start + first), slice(0, first))]
        if first < count:
            runs.append((slice(0, count - first), slice(first, count)))
        return runs

    def add(self, window: TileWindow, scores: np.ndarray) -> None:
        """Add one tile's scores, weighted by the spec's window.

        Args:
            window (TileWindow): Where the tile lies; ``window.y`` must not
                be above :attr:`top` (call :meth:`advance` first).
            scores (np.ndarray | Tensor): ``(num_classes, tile_h, tile_w)``
                scores (a tensor on the device if one was given); the part
                past the image edge is ignored.
        """
        y, x, th, tw = window
        if tuple(scores.shape) != (self.num_classes, th, tw):
            raise ValueError(
                f'predict returned scores of shape {tuple(scores.shape)} for a '
                f'{th}x{tw} tile; expected ({self.num_classes}, {th}, {tw}) '
                '(num_classes x tile, at the input resolution)')
        h, w = min(th, self.height - y), min(tw, self.width - x)
        if y < self.top or y + h > self.top + self.rows:
            raise ValueError(f'tile at row {y} is outside the open band '
                             f'[{self.top}, {self.top + self.rows}): tiles '
                             'must come in raster order, after advance(y)')
        for buffer_rows, tile_rows in self._ring(y, h):
            weight = self._window[tile_rows, :w]
            # Class by class: small temporaries beat one (K, h, w) product.
            for total, tile_scores in zip(
                    self._scores[:, buffer_rows, x:x + w],
                    scores[:, tile_rows, :w]):
                total += weight * tile_scores
            self._weights[buffer_rows, x:x + w] += weight

    def advance(self, y: int) -> Iterator[Band]:
        """Emit the final rows above image row ``y``.

        Args:
            y (int): Top row of the next tile (or the image height, to
                emit everything).

        Yields:
            Band: Consecutive bands of at most ``tile_h`` rows covering
            ``[top, min(y, H))``.
        """
        y = min(y, self.height)
        while self.top < y:
            count = min(y - self.top, self.rows)
            scores = self._zeros((self.num_classes, count, self.width),
                                 'float32')
            covered = self._zeros((count, self.width), 'bool')
            for buffer_rows, band_rows in self._ring(self.top, count):
                weights = self._weights[buffer_rows]
                covered[band_rows] = weights > 0
                # Uncovered pixels have score sum 0 and weight 0: dividing
                # them by 1 keeps 0 (operators only, for numpy and torch).
                scores[:, band_rows] = self._scores[:, buffer_rows] / (
                    weights + ~covered[band_rows])
                # These buffer rows next hold image rows `tile_h` further.
                self._scores[:, buffer_rows] = 0
                self._weights[buffer_rows] = 0
            yield Band(self.top, scores, covered)
            self.top += count

    def finish(self) -> Iterator[Band]:
        """Emit all remaining rows.

        Yields:
            Band: The last bands, down to the image's bottom row.
        """
        yield from self.advance(self.height)


def _batched(windows: Iterable[TileWindow],
             size: int) -> Iterator[List[TileWindow]]:
    batch = []
    for window in windows:
        batch.append(window)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def torch_module():
    """torch, imported when blending runs in it (numpy alone otherwise)."""
    import torch
    return torch


def torch_dtype(name: str):
    """The torch dtype of a numpy dtype name."""
    return getattr(torch_module(), name)


def _as_array(scores, device=None):
    """Scores from ``predict`` (numpy or torch, any float) as float32 numpy,
    or as a float32 tensor on ``device``."""
    if device is not None:
        return torch_module().as_tensor(scores).to(device, torch_dtype(
            'float32'))
    if hasattr(scores, 'detach'):  # a torch tensor, without importing torch
        scores = scores.detach().float().cpu().numpy()
    return np.asarray(scores)


class ArrayTiles:
    """Tile source over an image array held in memory.

    Reads ``(C, H, W)`` or ``(1, C, H, W)`` numpy arrays or torch tensors
    (on any device) and returns batches of the same kind, padding the part
    of a window past the image edge with ``pad_value``.

    Args:
        image: The image array.
        pad_value (float | Sequence[float]): Fill of pixels past the edge,
            one value or one per channel. Defaults to 0.
    """

    def __init__(self, image, pad_value: Union[float, Sequence[float]] = 0):
        if image.ndim == 4 and image.shape[0] == 1:
            image = image[0]
        if image.ndim != 3:
            raise ValueError(f'image must be (C, H, W) or (1, C, H, W), got '
                             f'shape {tuple(image.shape)}')
        self.image = image
        channels = image.shape[0]
        pad = np.broadcast_to(
            np.asarray(pad_value, dtype=np.float64).reshape(-1, 1, 1),
            (channels, 1, 1)).copy()
        # torch tensors build the fill with their own dtype and device.
        self.pad = image.new_tensor(pad) if hasattr(image,
                                                    'new_tensor') else pad

    @property
    def size(self) -> Tuple[int, int]:
        """tuple[int, int]: ``(H, W)`` of the image."""
        return int(self.image.shape[1]), int(self.image.shape[2])

    def __call__(self, windows: Sequence[TileWindow]):
        """Read a batch of windows.

        Args:
            windows (Sequence[TileWindow]): Windows of one tile size.

        Returns:
            The ``(N, C, tile_h, tile_w)`` batch, as the image's type.
        """
        image = self.image
        height, width = self.size
        _, _, th, tw = windows[0]
        shape = (len(windows), image.shape[0], th, tw)
        if hasattr(image, 'new_empty'):
            batch = image.new_empty(shape)
        else:
            batch = np.empty(shape, image.dtype)
        batch[:] = self.pad
        for i, (y, x, _, _) in enumerate(windows):
            h, w = min(th, height - y), min(tw, width - x)
            batch[i, :, :h, :w] = image[:, y:y + h, x:x + w]
        return batch


def blend_tiles(
    tiles: Union[Callable[[List[TileWindow]], object], object],
    predict: Callable[[object], object],
    image_size: Tuple[int, int],
    num_classes: int,
    spec: BlendSpec,
    keep: Optional[Callable[[TileWindow], bool]] = None,
    on_batch: Optional[Callable[[int], None]] = None,
    device=None,
    reads_ahead: int = 2,
) -> Iterator[Band]:
    """Predict an image tile by tile and yield its blended rows in bands.

    Args:
        tiles (callable | array): The tile source: a callable mapping a list
            of :class:`TileWindow` (one size) to a batch the ``predict``
            callable accepts, or an image array wrapped in
            :class:`ArrayTiles` (zero padding).
        predict (callable): Maps a batch of ``N`` tiles to ``(N,
            num_classes, tile_h, tile_w)`` scores (numpy or torch; made
            float32 numpy, or float32 tensors on ``device``). Blending
            averages whatever it returns;
            :class:`~mmseg_hsp.tiling.SegmentorPredictor` returns softmax
            probabilities. It runs in a worker thread, so it must enter its
            own ``torch.no_grad()``/autocast (thread-local in torch), as
            :class:`~mmseg_hsp.tiling.SegmentorPredictor` does.
        image_size (tuple[int, int]): ``(H, W)`` of the image.
        num_classes (int): Score channels.
        spec (BlendSpec): Tile, stride, mode, window and batch size.
        keep (callable, optional): ``keep(window) -> bool``; windows it
            rejects are never predicted (e.g. no tissue). Pixels no kept
            tile covers come out uncovered (scores 0, ``Band.covered``
            False). Defaults to keeping all.
        on_batch (callable, optional): Called with the number of tiles of
            each batch after it is predicted (progress bars).
        device (str | torch.device, optional): Blend there in torch (the
            model's GPU: scores stay on it); None (default): numpy on the
            host. Same results either way (see :class:`BandBlender`).
        reads_ahead (int): Batches ``tiles`` reads ahead of the model, in
            a worker thread that calls it in order, while the model scores
            one batch ahead of the blender in another. 0: no worker threads
            (see :attr:`~mmseg_hsp.tiling.SegmentorPredictor.reads_ahead`).
            Defaults to 2.

    Yields:
        Band: Consecutive bands of final rows, top to bottom, covering the
        whole image.
    """
    if not callable(tiles):
        tiles = ArrayTiles(tiles)
    windows = grid_windows(image_size, spec)
    if keep is not None:
        windows = [window for window in windows if keep(window)]
    blender = BandBlender(image_size, num_classes, spec, device)
    batches = list(_batched(windows, spec.batch_size))

    def scores_of(pixels):
        scores = _as_array(predict(pixels), device)
        if len(scores) != len(pixels):
            raise ValueError(f'predict returned {len(scores)} score maps for '
                             f'a batch of {len(pixels)} tiles')
        return scores

    # Batches are read ahead in one worker thread, scored one ahead in
    # another, and blended here, each stage in order: the result is the
    # same as running one batch after the other.
    scored = read_ahead(scores_of, read_ahead(tiles, batches, reads_ahead),
                        min(reads_ahead, 1))
    for done, batch_scores in zip(batches, scored):
        for window, tile_scores in zip(done, batch_scores):
            yield from blender.advance(window.y)
            blender.add(window, tile_scores)
        if on_batch is not None:
            on_batch(len(done))
    yield from blender.finish()
