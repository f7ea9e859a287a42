"""SlideSegmenter: a whole slide in, a lesion map a pathologist can open out.

Per slide: open it, choose the analysis resolution (x10 by default) and the
frame QuPath shows, detect tissue on a thumbnail, predict the tiles that
touch tissue in batches, blend them band by band
(:func:`~mmseg_hsp.tiling.blend_tiles`) and stream the labels and their
confidence (:mod:`.confidence`) to disk; then write the pyramidal label
TIFF, the GeoJSON with its measurements, the overlay PNG, on request the
confidence TIFF and the DICOM Segmentation (:mod:`.dicom_seg`) and, last,
the JSON summary that marks the slide done.
"""
import contextlib
import json
import os
import os.path as osp
import time
from dataclasses import asdict
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
from .areas import area_pixel_size
from .confidence import CONFIDENCE_VALUES, band_confidence
from .dicom_seg import DicomSource, write_dicom_seg
from .identity import config_digest, identity_differences, weights_digest
from .lock import lock_path, slide_lock
from .recovery import remove_stale_temporaries
from .specs import OutputSpec, ResolutionSpec
from .stain import NormalizedRegion, SlideStain
from .tissue import TissueMask
from .writers import (GEOJSON_MAX_SIDE, OVERLAY_MAX_SIDE, SlideMaps,
                      class_areas, fit_size, render_overlay,
                      write_confidence_tiff, write_geojson, write_json,
                      write_label_tiff, write_png)

OUTPUT_SUFFIXES = dict(labels='.labels.tif',
                       geojson='.geojson',
                       overlay='.overlay.png',
                       confidence='.confidence.tif',
                       dicom_seg='.seg.dcm',
                       summary='.summary.json')
# Outputs written only when OutputSpec asks for them (by its field names).
OPTIONAL_OUTPUTS = dict(confidence='confidence_tiff', dicom_seg='dicom_seg')


def output_paths(slide_path: str, out_dir: str) -> Dict[str, str]:
    """The output files of a slide.

    Args:
        slide_path (str): The slide.
        out_dir (str): The output folder.

    Returns:
        dict[str, str]: ``labels``, ``geojson``, ``overlay``,
        ``confidence``, ``dicom_seg`` and ``summary`` paths, named after the
        slide's file name without extension (``confidence`` and
        ``dicom_seg`` are written only on request).
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
        UnreadableCheckpoint: If the file is not a checkpoint
            (:func:`~mmseg_hsp.checkpoint_file.load_checkpoint_file`).
        CheckpointMismatch: If the checkpoint's weights do not fit the
            model exactly (mmengine would load what fits and warn), or are
            not finite.
    """
    import mmseg_hsp  # noqa: F401 (registers HSP-Net's modules)
    from mmengine.config import Config
    from mmengine.runner.checkpoint import load_state_dict
    from mmseg.apis import init_model

    from ..checkpoint_file import load_checkpoint_file
    from ..checkpoint_fit import check_checkpoint_fits, checkpoint_state_dict
    from ..config_options import merge_cfg_options
    if not isinstance(config, Config):
        config = Config.fromfile(config)
    merge_cfg_options(config, cfg_options)
    model = init_model(config, None, device='cpu')
    model.dataset_meta = None
    if checkpoint is not None:
        loaded = load_checkpoint_file(checkpoint)
        check_checkpoint_fits(model, loaded, checkpoint)
        load_state_dict(model, checkpoint_state_dict(loaded), strict=True)
        model.dataset_meta = loaded.get('meta', {}).get('dataset_meta')
    return model.to(device).eval()


class OutputsOfOtherSettings(ValueError):
    """A slide's finished outputs were made with another model or other
    settings (one-line message)."""


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
        # Every summary records this; a rerun skips a finished slide only
        # when it matches (see :mod:`.identity`).
        self.identity = dict(
            weights=weights_digest(model),
            config=config_digest(model),
            blend=blend.to_dict(),
            # the magnification is not used when an mpp is given
            resolution=dict(resolution.to_dict(),
                            magnification=None if resolution.mpp else
                            resolution.magnification),
            outputs=asdict(outputs),
            scores=self.predictor.scores,
            precision=self.predictor.precision.name,
            stain=None if stain is None else stain.settings)

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
        return self._finished(slide_path, out_dir) is not None

    def finished_summary(self, slide_path: str,
                         out_dir: str) -> Optional[dict]:
        """The summary of a slide finished with this model and settings.

        Args:
            slide_path (str): The slide.
            out_dir (str): The output folder.

        Returns:
            dict | None: The summary when :meth:`is_done`; None when the
            slide is not finished.

        Raises:
            OutputsOfOtherSettings: If it is finished, but the summary's
                ``identity`` differs from this segmenter's (another
                checkpoint, config or setting): one line naming what
                differs.
        """
        summary = self._finished(slide_path, out_dir)
        if summary is None:
            return None
        differences = identity_differences(summary.get('identity'),
                                           self.identity)
        if differences:
            more = f' and {len(differences) - 1} more' \
                if len(differences) > 1 else ''
            raise OutputsOfOtherSettings(
                f'{slide_path}: its outputs in {out_dir} were made with '
                f'other settings ({differences[0]}{more}); pass --overwrite '
                'to redo them, or choose another --out-dir')
        return summary

    def _finished(self, slide_path: str, out_dir: str) -> Optional[dict]:
        """The summary if it exists and every other output has the size it
        records, else None."""
        paths = output_paths(slide_path, out_dir)
        try:
            with open(paths['summary']) as f:
                summary = json.load(f)
        except (OSError, ValueError):
            return None
        recorded = summary.get('output_bytes', {})
        if all(
                osp.isfile(paths[key]) and recorded.get(key) ==
                osp.getsize(paths[key]) for key in self.output_keys):
            return summary
        return None

    @property
    def output_keys(self) -> List[str]:
        """list[str]: The outputs a slide gets besides its summary: those
        of :data:`OUTPUT_SUFFIXES`, the optional ones when asked for."""
        return [
            key for key in OUTPUT_SUFFIXES if key != 'summary' and getattr(
                self.outputs, OPTIONAL_OUTPUTS.get(key, ''), True)
        ]

    def run(self,
            slide_path: str,
            out_dir: str,
            overwrite: bool = False) -> dict:
        """Segment one slide and write its outputs.

        Args:
            slide_path (str): A slide OpenSlide reads, or a TIFF/PNG region.
            out_dir (str): Output folder (created if needed).
            overwrite (bool): Redo a slide whose outputs exist. Defaults to
                False (skip it when :meth:`finished_summary` says it is
                finished with these settings). Temporaries that killed runs
                of this host left in ``out_dir`` are removed first
                (:mod:`.recovery`).

        Returns:
            dict: The summary (also written as ``<name>.summary.json``),
            with ``status`` ``'done'`` or ``'skipped'``; or only ``slide``
            and ``status`` ``'busy'`` when another process runs the slide
            into ``out_dir`` (it holds the slide's lock, :mod:`.lock`: runs
            on the same slides split the work). ``seconds`` has
            ``labels`` (open the slide to label map on disk), ``outputs``
            (TIFF, GeoJSON, overlay...) and ``total``;
            ``tiles_per_second`` counts the ``labels`` phase; ``stain`` is
            None, or what :meth:`SlideStain.summary` says (the slide's stain
            parameters); ``resolution`` the pixel size of the areas and its
            source; ``confidence`` what
            :meth:`~mmseg_hsp.wsi.confidence.ConfidenceStats.summary` says;
            ``identity`` is what the outputs were made with (weights and
            config digests, every setting that changes them).

        Raises:
            OutputsOfOtherSettings: If the slide is finished with other
                settings and ``overwrite`` is False.
            SlideError: If the slide cannot be opened, has no (or an
                implausible) resolution, or fails to read, or if a DICOM
                Segmentation is asked of a slide that is not DICOM; nothing
                that looks finished is left.
        """
        paths = output_paths(slide_path, out_dir)
        remove_stale_temporaries(out_dir)
        # A SEG's source is found (or refused) before any work.
        seg_source = DicomSource.of(slide_path) \
            if self.outputs.dicom_seg else None
        os.makedirs(out_dir, exist_ok=True)
        with slide_lock(lock_path(paths['summary'])) as ours:
            if not ours:
                return dict(slide=slide_path, status='busy')
            # Checked under the lock: another process may just have
            # finished it.
            finished = None if overwrite else self.finished_summary(
                slide_path, out_dir)
            if finished is not None:
                return dict(finished, status='skipped')
            return self._run(slide_path, out_dir, paths, seg_source)

    def _run(self, slide_path: str, out_dir: str, paths: Dict[str, str],
             seg_source: Optional[DicomSource]) -> dict:
        """:meth:`run` past its checks: segment and write every output."""
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
            maps = SlideMaps(region.size, out_dir)
            try:
                tiles = self._segment(source, tissue, maps, slide_path)
                labelled = time.perf_counter()
                summary = self._write_outputs(reader, region, scale, tissue,
                                              maps, paths, seg_source)
                summary['stain'] = stain
            finally:
                maps.close()
        end = time.perf_counter()
        summary.update(tiles=tiles,
                       seconds=dict(labels=round(labelled - start, 3),
                                    outputs=round(end - labelled, 3),
                                    total=round(end - start, 3)),
                       tiles_per_second=round(
                           tiles['run'] / (labelled - start), 3),
                       output_bytes={
                           key: osp.getsize(paths[key])
                           for key in self.output_keys
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
                 maps: 'SlideMaps', slide_path: str) -> dict:
        """Predict, blend and stream the labels of the analysis frame and
        their confidence."""
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
                confidence = band_confidence(band.scores, band.covered,
                                             self.predictor.scores)
                # Background by rule, not by the model: no model answer.
                ruled = []
                if self.outputs.black_is_background and band.covered.any():
                    ruled.append(rows.black(band.top, band.bottom))
                if tissue is not None:
                    ruled.append(~tissue.rows(band.top, band.bottom, width))
                for background in ruled:
                    labels[background] = 0
                    confidence[background] = 0
                rows.release(band.bottom)
                maps.append(labels, confidence)
                trim_heap()
        maps.finish()
        return dict(total=len(windows),
                    run=to_run,
                    skipped=len(windows) - to_run)

    def _write_outputs(self, reader, region: ScaledRegion, scale,
                       tissue: Optional[TissueMask], maps: SlideMaps,
                       paths: Dict[str, str],
                       seg_source: Optional[DicomSource]) -> dict:
        """Write TIFFs, GeoJSON, overlay and SEG; return the summary so far."""
        frame_x, frame_y = region.frame[:2]
        pixel = area_pixel_size(scale.mpp, scale.magnification,
                                self.resolution.input_mpp is not None)
        palette = self.classes.output_palette
        description = dict(software=f'mmseg_hsp {__version__}',
                           slide=osp.basename(reader.path),
                           classes=self.class_names,
                           level0_downsample=scale.downsample,
                           level0_offset=[frame_x, frame_y],
                           mpp=pixel.mpp,
                           mpp_source=pixel.source)
        write_label_tiff(paths['labels'], maps.labels, palette, pixel.mpp,
                         description)
        if self.outputs.confidence_tiff:
            write_confidence_tiff(paths['confidence'], maps.confidence,
                                  pixel.mpp,
                                  dict(description, values=CONFIDENCE_VALUES))
        level = maps.labels.finest_level_within(GEOJSON_MAX_SIDE)
        labels = maps.labels.level(level)
        origin = (frame_x, frame_y) \
            if self.outputs.geojson_origin == 'openslide' else (0, 0)
        per_class = {}
        features = write_geojson(
            paths['geojson'], labels, scale.downsample * 2**level, origin,
            self.class_names, palette,
            self.outputs.geojson_min_area / 4**level,
            um_per_pixel=pixel.mpp * 2**level,
            confidence=maps.confidence.level(level),
            id_prefix=osp.basename(reader.path),
            tally=per_class)
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
        write_png(paths['overlay'], render_overlay(rgb, small, palette))
        seg = None if seg_source is None else write_dicom_seg(
            paths['dicom_seg'], seg_source, maps.labels, self.class_names,
            palette, region.frame, scale.downsample)
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
                    identity=self.identity,
                    tissue_fraction=None if tissue is None else round(
                        tissue.fraction, 4),
                    classes=self.class_names,
                    classes_from=self.classes.source,
                    palette=palette,
                    resolution=dict(pixel.to_dict(),
                                    description=pixel.describe()),
                    areas=class_areas(maps.labels.counts, self.class_names,
                                      pixel.mpp),
                    analysed_mm2=round(
                        maps.stats.answered * (pixel.mpp * 1e-3)**2, 9),
                    confidence=maps.stats.summary(self.class_names),
                    geojson_features=features,
                    geojson_features_per_class={
                        name: per_class.get(value, 0)
                        for value, name in enumerate(self.class_names)
                        if value
                    },
                    geojson_origin=self.outputs.geojson_origin,
                    dicom_seg=seg,
                    outputs={
                        key: paths[key]
                        for key in self.output_keys + ['summary']
                    })


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
