"""SlideSegmenter: a whole slide in, a lesion map a pathologist can open out.

Per slide: open it, choose the analysis resolution (x10 by default) and the
frame QuPath shows, detect tissue on a thumbnail, predict the tiles that
touch tissue in batches, blend them band by band
(:func:`~mmseg_hsp.tiling.blend_tiles`) and stream the labels to disk; then
write the pyramidal label TIFF, the GeoJSON, the overlay PNG and, last, the
JSON summary that marks the slide done.
"""
import contextlib
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Union

import cv2
from torch import nn

from ..slide_io import (RowBuffer, ScaledRegion, analysis_frame, open_slide,
                        resolve_scale)
from ..tiling import (BlendSpec, HeapTrimmer, SegmentorPredictor,
                      TilePreprocessor, blend_tiles, grid_windows)
from ..progress import progress_display
from ..version import __version__
from .classes import SlideClasses
from .recovery import remove_stale_temporaries
from .specs import OutputSpec, ResolutionSpec
from .stain import NormalizedRegion, SlideStain
from .tissue import TissueMask
from .writers import (GEOJSON_MAX_SIDE, OVERLAY_MAX_SIDE, LabelPyramid,
                      class_areas, fit_size, render_overlay, write_geojson,
                      write_json, write_label_tiff, write_png)

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
        nn.Module: The model, with ``cfg`` (the config) and
        ``dataset_meta`` only when the checkpoint records one (mmseg's
        ``init_model`` would guess names otherwise): see
        :class:`~mmseg_hsp.wsi.SlideClasses`.

    Raises:
        CheckpointMismatch: If the checkpoint's weights do not fit the
            model exactly (mmengine would load what fits and warn).
    """
    import mmseg_hsp  # noqa: F401 (registers HSP-Net's modules)
    from mmengine.runner.checkpoint import CheckpointLoader, load_state_dict
    from mmseg.apis import init_model

    from ..checkpoint_fit import check_checkpoint_fits, checkpoint_state_dict
    model = init_model(config, None, device='cpu', cfg_options=cfg_options)
    model.dataset_meta = None
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint {checkpoint}: no such file')
        loaded = CheckpointLoader.load_checkpoint(checkpoint, 'cpu')
        check_checkpoint_fits(model, loaded, checkpoint)
        load_state_dict(model, checkpoint_state_dict(loaded), strict=True)
        model.dataset_meta = loaded.get('meta', {}).get('dataset_meta')
    return model.to(device).eval()


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

    Build it with :meth:`from_config` (config and checkpoint) or
    :meth:`from_model` (a built segmentor), which take the settings as specs
    or dicts and default the tiling to the model's ``test_cfg``; the
    constructor takes the specs themselves.

    Args:
        model (nn.Module): A segmentor with ``encode_decode`` (HSP-Net or any
            mmseg ``EncoderDecoder``); it is put in eval mode.
        blend (BlendSpec): Tiling and blending. Defaults to the paper's
            400 px tiles, stride 100, ``gauss``.
        resolution (ResolutionSpec): Analysis resolution. Defaults to x10.
        outputs (OutputSpec): Background rules and GeoJSON settings.
        scores (str): What is blended: ``'softmax'`` (default) or
            ``'logits'`` (see :class:`~mmseg_hsp.tiling.SegmentorPredictor`).
        amp (bool | str | None): Mixed precision, as
            :meth:`~mmseg_hsp.tiling.Precision.resolve` takes it (True or
            ``'auto'``: bfloat16 on a CPU with native bfloat16, float16 on
            CUDA; None: bfloat16 on such a CPU, else float32). Defaults to
            False (float32, as the test loop).
            :func:`mmseg_hsp.apis.init_slide_segmenter` applies the
            package's precedence (argument, ``test_cfg.amp``, ``'auto'``).
        amp_requested (bool): Whether ``amp`` is the user's request rather
            than a default: only a request is told when ``'auto'`` runs
            float32 on a CPU without native bfloat16. Defaults to True.
        channels_last (bool): Run the model channels-last. Defaults to
            True.
        progress (bool): Show a progress bar per slide. Defaults to True.
        stain (SlideStain, optional): Stain normalisation, estimated once
            per slide on the tissue thumbnail and applied to every tile.
            Defaults to None (off).

    On a GPU, tiles are normalised, blended and reduced to labels there;
    only uint8 labels come back to the host.
    """

    def __init__(self,
                 model: nn.Module,
                 blend: BlendSpec = BlendSpec(),
                 resolution: ResolutionSpec = ResolutionSpec(),
                 outputs: OutputSpec = OutputSpec(),
                 scores: str = 'softmax',
                 amp: Union[bool, str, None] = False,
                 amp_requested: bool = True,
                 channels_last: bool = True,
                 progress: bool = True,
                 stain: Optional[SlideStain] = None):
        for name, value, kind in (('blend', blend, BlendSpec),
                                  ('resolution', resolution, ResolutionSpec),
                                  ('outputs', outputs, OutputSpec)):
            if not isinstance(value, kind):
                raise TypeError(f'{name} must be a {kind.__name__}, got '
                                f'{type(value).__name__}; build one, or use '
                                'SlideSegmenter.from_model')
        self.model = model.eval()
        self.predictor = SegmentorPredictor(model,
                                            scores=scores,
                                            amp=amp,
                                            channels_last=channels_last,
                                            amp_requested=amp_requested)
        self.preprocess = TilePreprocessor(model, channels_last)
        # numpy on the host for a CPU model, else the model's device.
        self.blend_device = None if self.predictor.device.type == 'cpu' \
            else self.predictor.device
        self.num_classes = self.predictor.num_classes
        self.classes = SlideClasses.of_model(model, self.num_classes)
        self.spec = blend
        self.resolution = resolution
        self.outputs = outputs
        self.progress = progress
        self.stain = stain

    @classmethod
    def from_model(cls,
                   model: nn.Module,
                   blend: Union[BlendSpec, dict, None] = None,
                   resolution: Union[ResolutionSpec, dict, None] = None,
                   outputs: Union[OutputSpec, dict, None] = None,
                   scores: Optional[str] = None,
                   **kwargs) -> 'SlideSegmenter':
        """A segmenter for a built segmentor.

        Args:
            model (nn.Module): The segmentor.
            blend (BlendSpec | dict, optional): A spec, or settings by
                :class:`~mmseg_hsp.tiling.BlendSpec`'s names (None values
                not given) over the model's ``test_cfg``: its ``crop_size``
                (tile), ``stride``, ``weight``, ``sigma`` and
                ``batch_size`` where set (:meth:`BlendSpec.from_test_cfg`),
                else the paper's. The mode is ``'gauss'`` unless given:
                ``test_cfg.mode`` is the evaluation protocol (Table 5's
                'x' stitching by default), while a slide is read with the
                paper's post-processing.
            resolution (ResolutionSpec | dict, optional): Defaults to x10.
            outputs (OutputSpec | dict, optional): Defaults to
                :class:`OutputSpec`'s.
            scores (str, optional): Defaults to ``test_cfg.scores``, else
                ``'softmax'``.
            **kwargs: ``amp``, ``amp_requested``, ``channels_last``,
                ``progress`` and ``stain`` of the constructor.

        Returns:
            SlideSegmenter: The segmenter.
        """
        test_cfg = getattr(model, 'test_cfg', None) or {}
        if not isinstance(blend, BlendSpec):
            settings = dict(mode='gauss')
            settings.update((key, value) for key, value in (blend or {}).items()
                            if value is not None)
            blend = BlendSpec.from_test_cfg(test_cfg, **settings)
        return cls(model,
                   blend,
                   _as_spec(ResolutionSpec, resolution),
                   _as_spec(OutputSpec, outputs),
                   scores=scores or test_cfg.get('scores', 'softmax'),
                   **kwargs)

    @classmethod
    def from_config(cls,
                    config,
                    checkpoint: Optional[str],
                    device: str = 'cpu',
                    cfg_options: Optional[dict] = None,
                    **kwargs) -> 'SlideSegmenter':
        """A segmenter for a model config and its weights.

        Args:
            config (str | Config): Model config (HSP-Net or any mmseg
                ``EncoderDecoder``).
            checkpoint (str, optional): Weights; random if None.
            device (str): Torch device. Defaults to ``'cpu'``.
            cfg_options (dict, optional): Overrides for ``config``.
            **kwargs: Settings of :meth:`from_model`.

        Returns:
            SlideSegmenter: The segmenter.
        """
        model = build_segmentor(config, checkpoint, device, cfg_options)
        return cls.from_model(model, **kwargs)

    @property
    def class_names(self) -> List[str]:
        """list[str]: Names of the label values."""
        return self.classes.names

    @property
    def palette(self) -> List[List[int]]:
        """list[list[int]]: RGB colours of the label values."""
        return self.classes.palette

    def is_done(self, slide_path: str, out_dir: str) -> bool:
        """Whether a slide's outputs are the set its summary describes.

        The summary is written last and removed first (see :meth:`run`), so
        it marks a finished set; the sizes it records catch an output
        replaced since (by hand, or a copy from another run).

        Args:
            slide_path (str): The slide.
            out_dir (str): The output folder.

        Returns:
            bool: True if the summary exists and every other output has the
            size it records.
        """
        paths = output_paths(slide_path, out_dir)
        try:
            with open(paths['summary']) as f:
                recorded = json.load(f).get('output_bytes', {})
        except (OSError, ValueError):
            return False
        return all(
            osp.isfile(paths[key]) and recorded.get(key) ==
            osp.getsize(paths[key]) for key in OUTPUT_SUFFIXES
            if key != 'summary')

    def run(self,
            slide_path: str,
            out_dir: str,
            overwrite: bool = False) -> dict:
        """Segment one slide and write its outputs.

        Args:
            slide_path (str): A slide OpenSlide reads, or a TIFF/PNG region.
            out_dir (str): Output folder (created if needed).
            overwrite (bool): Redo a slide whose outputs exist. Defaults to
                False (skip it when :meth:`is_done`). Temporaries that
                killed runs of this host left in ``out_dir`` are removed
                first (:mod:`.recovery`).

        Returns:
            dict: The summary (also written as ``<name>.summary.json``),
            with ``status`` ``'done'`` or ``'skipped'``; ``seconds`` has
            ``labels`` (open the slide to label map on disk), ``outputs``
            (TIFF, GeoJSON, overlay) and ``total``; ``tiles_per_second``
            counts the ``labels`` phase; ``stain`` is None, or what
            :meth:`SlideStain.summary` says (the slide's stain parameters).

        Raises:
            SlideError: If the slide cannot be opened, has no (or an
                implausible) resolution, or fails to read; nothing that
                looks finished is left.
        """
        paths = output_paths(slide_path, out_dir)
        remove_stale_temporaries(out_dir)
        if not overwrite and self.is_done(slide_path, out_dir):
            with open(paths['summary']) as f:
                return dict(json.load(f), status='skipped')
        os.makedirs(out_dir, exist_ok=True)
        # Not done from here until the new summary is written: a run killed
        # while replacing the outputs leaves no summary beside a mixed set.
        if osp.exists(paths['summary']):
            os.remove(paths['summary'])
        start = time.perf_counter()
        with open_slide(slide_path) as reader:
            scale = resolve_scale(reader, **self.resolution.to_dict())
            frame = analysis_frame(reader)
            region = ScaledRegion(reader, scale.downsample, frame)
            tissue = TissueMask.from_region(
                region) if self.outputs.tissue_mask else None
            source, stain = self._stain_normalized(region, tissue,
                                                   slide_path)
            pyramid = LabelPyramid(region.size, out_dir)
            try:
                tiles = self._segment(source, tissue, pyramid, slide_path)
                labelled = time.perf_counter()
                summary = self._write_outputs(reader, region, scale, tissue,
                                              pyramid, paths)
                summary['stain'] = stain
            finally:
                pyramid.close()
        end = time.perf_counter()
        summary.update(tiles=tiles,
                       seconds=dict(labels=round(labelled - start, 3),
                                    outputs=round(end - labelled, 3),
                                    total=round(end - start, 3)),
                       tiles_per_second=round(
                           tiles['run'] / (labelled - start), 3),
                       output_bytes={
                           key: osp.getsize(paths[key])
                           for key in OUTPUT_SUFFIXES if key != 'summary'
                       })
        write_json(paths['summary'], summary)
        return summary

    def _stain_normalized(self, region: ScaledRegion,
                          tissue: Optional[TissueMask], slide_path: str):
        """The region tiles are cut from, and the summary's ``stain``: the
        region itself and None without stain normalisation."""
        if self.stain is None:
            return region, None
        fitted_on = tissue or TissueMask.from_region(region)
        normalizer = self.stain.fit(fitted_on, slide_path,
                                    tissue_tiles_only=tissue is not None)
        summary = self.stain.summary(normalizer, fitted_on)
        if normalizer is None:
            return region, summary
        return NormalizedRegion(region, normalizer), summary

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
                on_batch=advance,
                device=self.blend_device,
                reads_ahead=self.predictor.reads_ahead)
            for band in bands:
                labels = band.labels()
                if self.outputs.black_is_background and band.covered.any():
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
        origin = (frame_x, frame_y) \
            if self.outputs.geojson_origin == 'openslide' else (0, 0)
        features = write_geojson(
            paths['geojson'], labels, scale.downsample * 2**level, origin,
            [qupath_name(name) for name in self.class_names], self.palette,
            self.outputs.geojson_min_area / 4**level)
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
                    precision=self.predictor.precision.to_dict(),
                    tissue_fraction=None if tissue is None else round(
                        tissue.fraction, 4),
                    classes=self.class_names,
                    classes_from=self.classes.source,
                    areas=class_areas(pyramid.counts, self.class_names,
                                      scale.mpp),
                    geojson_features=features,
                    geojson_origin=self.outputs.geojson_origin,
                    outputs=paths)


def _as_spec(kind, value):
    """``value`` as a ``kind`` spec: the spec itself, a dict or None."""
    return value if isinstance(value, kind) else kind(**(value or {}))


@contextlib.contextmanager
def _progress_bar(enabled: bool, name: str, total: int):
    """A rich progress bar over a slide's tiles; yields ``advance(n)``."""
    if not enabled:
        yield None
        return
    with progress_display('tiles') as progress:
        task = progress.add_task(name, total=total)
        yield lambda n: progress.advance(task, n)
