"""SlideSegmenter: a whole slide in, a lesion map a pathologist can open out.

Per slide: open it, choose the analysis resolution (x10 by default) and the
frame QuPath shows, detect tissue on a thumbnail, predict the tiles that
touch tissue in batches, blend them band by band (:func:`blend_tiles`) and
stream the labels to disk; then write the pyramidal label TIFF, the GeoJSON,
the overlay PNG and, last, the JSON summary that marks the slide done.
"""
import contextlib
import json
import os
import os.path as osp
import time
from typing import Dict, Optional, Union

import cv2
import numpy as np
from torch import nn

from ..version import __version__
from .blending import BlendSpec, blend_tiles, grid_windows
from .memory import HeapTrimmer
from .predictor import SegmentorPredictor, TilePreprocessor
from .reader import (RowBuffer, ScaledRegion, analysis_frame, open_slide,
                     resolve_scale)
from .tissue import TissueMask
from .writers import (GEOJSON_MAX_SIDE, OVERLAY_MAX_SIDE, LabelPyramid,
                      class_areas, fit_size, render_overlay, write_geojson,
                      write_json, write_label_tiff, write_png)

GEOJSON_ORIGINS = ('qupath', 'openslide')

OUTPUT_SUFFIXES = dict(labels='.labels.tif',
                       geojson='.geojson',
                       overlay='.overlay.png',
                       summary='.summary.json')


def output_paths(slide_path: str, out_dir: str) -> Dict[str, str]:
    """The output files of a slide.

    Args:
        slide_path (str): The slide.
        out_dir (str): The output folder.

    Returns:
        dict[str, str]: ``labels``, ``geojson``, ``overlay`` and ``summary``
        paths, named after the slide's file name without extension.
    """
    stem = osp.splitext(osp.basename(slide_path))[0]
    return {
        key: osp.join(out_dir, stem + suffix)
        for key, suffix in OUTPUT_SUFFIXES.items()
    }


def build_segmentor(config,
                    checkpoint: Optional[str],
                    device: str,
                    cfg_options: Optional[dict] = None) -> nn.Module:
    """Build an mmseg segmentor in eval mode and load its weights.

    Args:
        config (str | Config): Model config.
        checkpoint (str, optional): Weights; random initialisation if None.
        device (str): Torch device.
        cfg_options (dict, optional): Config overrides.

    Returns:
        nn.Module: The model; ``dataset_meta`` only when the checkpoint
        records one (mmseg's ``init_model`` would guess names otherwise).
    """
    import mmseg_hsp  # noqa: F401 (registers HSP-Net's modules)
    from mmengine.runner import load_checkpoint
    from mmseg.apis import init_model
    model = init_model(config, None, device='cpu', cfg_options=cfg_options)
    model.dataset_meta = None
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint {checkpoint}: no such file')
        loaded = load_checkpoint(model, checkpoint, map_location='cpu')
        model.dataset_meta = loaded.get('meta', {}).get('dataset_meta')
    return model.to(device).eval()


def class_names_and_palette(model: nn.Module, num_classes: int):
    """Class names and colours for the outputs.

    The checkpoint's ``dataset_meta`` when it matches ``num_classes``, else
    MTCHI's (background, normal, CIN1-3 in the paper's palette) for 5
    classes, else ``class<i>`` in distinct colours.

    Args:
        model (nn.Module): The segmentor.
        num_classes (int): Its score channels.

    Returns:
        tuple[list[str], list[list[int]]]: Names and RGB colours.
    """
    from ..datasets.mtchi import MTCHI_CLASSES, MTCHI_PALETTE
    meta = getattr(model, 'dataset_meta', None) or {}
    names = meta.get('classes')
    if names is not None and len(names) == num_classes:
        palette = meta.get('palette') or MTCHI_PALETTE
        return list(names), [list(c) for c in palette][:num_classes]
    if num_classes == len(MTCHI_CLASSES):
        return list(MTCHI_CLASSES), [list(c) for c in MTCHI_PALETTE]
    rng = np.random.RandomState(num_classes)
    palette = [[0, 0, 0]] + rng.randint(0, 256, (num_classes - 1, 3)).tolist()
    return [f'class{i}' for i in range(num_classes)], palette


def qupath_name(name: str) -> str:
    """QuPath's classification spelling: ``normal`` -> ``Normal``.

    Args:
        name (str): A class name.

    Returns:
        str: The name with its first letter in upper case.
    """
    return name[:1].upper() + name[1:]


class SlideSegmenter:
    """Segment whole slides (or image regions) with an mmseg segmentor.

    Args:
        config (str | Config, optional): Model config (HSP-Net or any mmseg
            ``EncoderDecoder``). Not needed when ``model`` is given.
        checkpoint (str, optional): Weights for ``config``.
        model (nn.Module, optional): A built segmentor, instead of
            ``config``/``checkpoint``.
        device (str): Torch device. Defaults to ``'cpu'``.
        amp (bool): Mixed precision (CUDA only). Defaults to False.
        blend (BlendSpec | dict, optional): Tiling and blending; defaults to
            the paper's 400 px tiles, stride 100, ``gauss``.
        magnification (float): Analysis magnification. Defaults to 10, the
            paper's. Ignored when ``mpp`` is given.
        mpp (float, optional): Analysis microns per pixel instead.
        input_mpp (float, optional): The slides' level-0 microns per pixel,
            for files without (or with wrong) metadata.
        input_magnification (float, optional): The slides' level-0
            magnification, likewise (e.g. 10 for MTCHI regions).
        tissue_mask (bool): Skip tiles without tissue and label non-tissue
            background. Defaults to True.
        black_is_background (bool): Label pure-black (0, 0, 0) input pixels
            background (scanner fill, MTCHI's outside-region pixels).
            Defaults to True.
        scores (str): What is blended: ``'softmax'`` (default) or
            ``'logits'`` (see :class:`SegmentorPredictor`).
        geojson_origin (str): ``'qupath'`` (default): polygon coordinates in
            the slide as QuPath shows it (level 0, origin at the OpenSlide
            bounds where QuPath crops to them); ``'openslide'``: level-0
            coordinates of OpenSlide's ``read_region``.
        geojson_min_area (float): Regions (and holes) of at most this many
            analysis pixels are left out of the GeoJSON (not of the label
            map). Defaults to 64 (64 um^2 at x10, about one cell).
        cfg_options (dict, optional): Overrides for ``config``.
        progress (bool): Show a progress bar per slide. Defaults to True.
    """

    def __init__(self,
                 config=None,
                 checkpoint: Optional[str] = None,
                 model: Optional[nn.Module] = None,
                 device: str = 'cpu',
                 amp: bool = False,
                 blend: Union[BlendSpec, dict, None] = None,
                 magnification: float = 10.0,
                 mpp: Optional[float] = None,
                 input_mpp: Optional[float] = None,
                 input_magnification: Optional[float] = None,
                 tissue_mask: bool = True,
                 black_is_background: bool = True,
                 scores: str = 'softmax',
                 geojson_origin: str = 'qupath',
                 geojson_min_area: float = 64,
                 cfg_options: Optional[dict] = None,
                 progress: bool = True):
        if model is None:
            if config is None:
                raise ValueError('give a config (and checkpoint) or a model')
            model = build_segmentor(config, checkpoint, device, cfg_options)
        if geojson_origin not in GEOJSON_ORIGINS:
            raise ValueError(f'geojson_origin {geojson_origin!r} is unknown; '
                             f'use one of {GEOJSON_ORIGINS}')
        self.model = model.eval()
        self.predictor = SegmentorPredictor(model, scores=scores, amp=amp)
        self.preprocess = TilePreprocessor(model)
        self.num_classes = self.predictor.num_classes
        self.class_names, self.palette = class_names_and_palette(
            model, self.num_classes)
        if blend is None:
            blend = BlendSpec()
        self.spec = blend if isinstance(blend, BlendSpec) else BlendSpec(
            **blend)
        self.resolution = dict(magnification=magnification,
                               mpp=mpp,
                               input_mpp=input_mpp,
                               input_magnification=input_magnification)
        self.tissue_mask = tissue_mask
        self.black_is_background = black_is_background
        self.geojson_origin = geojson_origin
        self.geojson_min_area = geojson_min_area
        self.progress = progress

    def is_done(self, slide_path: str, out_dir: str) -> bool:
        """Whether a slide's outputs are all there (summary written last).

        Args:
            slide_path (str): The slide.
            out_dir (str): The output folder.

        Returns:
            bool: True if every output file exists.
        """
        return all(
            osp.isfile(p) for p in output_paths(slide_path, out_dir).values())

    def run(self,
            slide_path: str,
            out_dir: str,
            overwrite: bool = False) -> dict:
        """Segment one slide and write its outputs.

        Args:
            slide_path (str): A slide OpenSlide reads, or a TIFF/PNG region.
            out_dir (str): Output folder (created if needed).
            overwrite (bool): Redo a slide whose outputs exist. Defaults to
                False (skip it).

        Returns:
            dict: The summary (also written as ``<name>.summary.json``),
            with ``status`` ``'done'`` or ``'skipped'``; ``seconds`` has
            ``labels`` (open the slide to label map on disk), ``outputs``
            (TIFF, GeoJSON, overlay) and ``total``; ``tiles_per_second``
            counts the ``labels`` phase.

        Raises:
            SlideError: If the slide cannot be opened, has no resolution,
                or fails to read; nothing that looks finished is left.
        """
        paths = output_paths(slide_path, out_dir)
        if not overwrite and self.is_done(slide_path, out_dir):
            with open(paths['summary']) as f:
                return dict(json.load(f), status='skipped')
        os.makedirs(out_dir, exist_ok=True)
        start = time.perf_counter()
        with open_slide(slide_path) as reader:
            scale = resolve_scale(reader, **self.resolution)
            frame = analysis_frame(reader)
            region = ScaledRegion(reader, scale.downsample, frame)
            tissue = TissueMask.from_region(
                region) if self.tissue_mask else None
            pyramid = LabelPyramid(region.size, out_dir)
            try:
                tiles = self._segment(region, tissue, pyramid, slide_path)
                labelled = time.perf_counter()
                summary = self._write_outputs(reader, region, scale, tissue,
                                              pyramid, paths)
            finally:
                pyramid.close()
        end = time.perf_counter()
        summary.update(tiles=tiles,
                       seconds=dict(labels=round(labelled - start, 3),
                                    outputs=round(end - labelled, 3),
                                    total=round(end - start, 3)),
                       tiles_per_second=round(
                           tiles['run'] / (labelled - start), 3))
        write_json(paths['summary'], summary)
        return summary

    def _segment(self, region: ScaledRegion, tissue: Optional[TissueMask],
                 pyramid: LabelPyramid, slide_path: str) -> dict:
        """Predict, blend and stream the labels of the analysis frame."""
        width = region.size[1]
        rows = RowBuffer(region, chunk_rows=self.spec.stride[0])
        keep = tissue.has_tissue if tissue is not None else None
        windows = grid_windows(region.size, self.spec)
        to_run = sum(map(keep, windows)) if keep else len(windows)
        trim_heap = HeapTrimmer()
        with _progress_bar(self.progress, osp.basename(slide_path),
                           to_run) as advance:
            bands = blend_tiles(
                lambda batch: self.preprocess(rows.tiles(batch)),
                self.predictor,
                region.size,
                self.num_classes,
                self.spec,
                keep=keep,
                on_batch=advance)
            for band in bands:
                labels = band.labels()
                if self.black_is_background and band.covered.any():
                    labels[rows.black(band.top, band.bottom)] = 0
                if tissue is not None:
                    labels[~tissue.rows(band.top, band.bottom, width)] = 0
                rows.release(band.bottom)
                pyramid.append(labels)
                trim_heap()
        pyramid.finish()
        return dict(total=len(windows),
                    run=to_run,
                    skipped=len(windows) - to_run)

    def _write_outputs(self, reader, region: ScaledRegion, scale,
                       tissue: Optional[TissueMask], pyramid: LabelPyramid,
                       paths: Dict[str, str]) -> dict:
        """Write TIFF, GeoJSON and overlay; return the summary so far."""
        frame_x, frame_y = region.frame[:2]
        write_label_tiff(
            paths['labels'], pyramid, self.palette, scale.mpp,
            dict(software=f'mmseg_hsp {__version__}',
                 slide=osp.basename(reader.path),
                 classes=self.class_names,
                 level0_downsample=scale.downsample,
                 level0_offset=[frame_x, frame_y],
                 mpp=scale.mpp))
        level = pyramid.finest_level_within(GEOJSON_MAX_SIDE)
        labels = pyramid.level(level)
        origin = (frame_x, frame_y) if self.geojson_origin == 'openslide' \
            else (0, 0)
        features = write_geojson(
            paths['geojson'], labels, scale.downsample * 2**level, origin,
            [qupath_name(name) for name in self.class_names], self.palette,
            self.geojson_min_area / 4**level)
        height, width = fit_size(region.size, OVERLAY_MAX_SIDE)
        thumbnail = ScaledRegion(
            reader,
            region.downsample *
            max(region.size[0] / height, region.size[1] / width), region.frame)
        rgb = cv2.resize(thumbnail.read(0, 0, *thumbnail.size),
                         (width, height),
                         interpolation=cv2.INTER_AREA)
        small = cv2.resize(labels, (width, height),
                           interpolation=cv2.INTER_NEAREST)
        write_png(paths['overlay'], render_overlay(rgb, small, self.palette))
        return dict(slide=reader.path,
                    status='done',
                    reader=type(reader).__name__,
                    level0_size=list(reader.level_dimensions[0]),
                    frame=list(region.frame),
                    analysis=dict(downsample=scale.downsample,
                                  mpp=scale.mpp,
                                  magnification=scale.magnification,
                                  read_level=region.level,
                                  size=[region.size[1], region.size[0]]),
                    blend=self.spec.to_dict(),
                    scores=self.predictor.scores,
                    tissue_fraction=None if tissue is None else round(
                        tissue.fraction, 4),
                    classes=self.class_names,
                    areas=class_areas(pyramid.counts, self.class_names,
                                      scale.mpp),
                    geojson_features=features,
                    geojson_origin=self.geojson_origin,
                    outputs=paths)


@contextlib.contextmanager
def _progress_bar(enabled: bool, name: str, total: int):
    """A rich progress bar over a slide's tiles; yields ``advance(n)``."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress,
                               TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)
    with Progress(TextColumn('{task.description}'),
                  BarColumn(),
                  MofNCompleteColumn(),
                  TextColumn('tiles'),
                  TimeElapsedColumn(),
                  TimeRemainingColumn(),
                  console=Console(stderr=True)) as progress:
        task = progress.add_task(name, total=total)
        yield lambda n: progress.advance(task, n)
