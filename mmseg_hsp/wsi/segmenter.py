"""SlideSegmenter: a whole slide in, a lesion map a pathologist can open out.

Per slide: open it, choose the analysis resolution (x10 by default) and the
frame QuPath shows, detect tissue on a thumbnail, predict the tiles that
touch tissue in batches, blend them band by band
(:func:`~mmseg_hsp.tiling.blend_tiles`) and stream the labels and their
confidence (:mod:`.confidence`) to disk; then write the outputs the
:class:`OutputSpec` asks for, each a registered
:class:`~mmseg_hsp.wsi.outputs.SlideOutput` (by default the pyramidal label
TIFF, the GeoJSON with its measurements, the overlay PNG and the confidence
TIFF; the DICOM Segmentation on request) and, last, the JSON summary that
marks the slide done.
"""
import contextlib
import json
import os
import os.path as osp
import time
from dataclasses import asdict
from typing import List, Optional, Union

from torch import nn

from ..slide_io import (RowBuffer, ScaledRegion, analysis_frame, open_slide,
                        resolve_scale)
from ..slide_io.fingerprint import slide_fingerprint
from ..tiling import (BlendSpec, HeapTrimmer, SegmentorPredictor,
                      TilePreprocessor, blend_tiles, check_device,
                      grid_windows)
from ..progress import progress_display
from ..setting_names import setting
from .classes import SlideClasses
from .areas import area_pixel_size
from .confidence import band_confidence
from .identity import (config_digest, identity_differences, slide_change,
                       weights_digest)
from .lock import lock_path, slide_lock
from .outputs import (FinishedSlide, SlideOutput, output_paths, output_stem,
                      slide_outputs)
from .recovery import remove_stale_temporaries
from .specs import OutputSpec, ResolutionSpec
from .stain import (NormalizedRegion, SlideStain, h_and_e_check,
                    not_h_and_e_warning)
from .tissue import TissueMask
from .writers import SlideMaps, class_areas


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
        ValueError: If ``device`` is not one this machine has
            (:func:`~mmseg_hsp.tiling.check_device`).
        UnreadableCheckpoint: If the file is not a checkpoint
            (:func:`~mmseg_hsp.checkpoint_file.load_checkpoint_file`).
        CheckpointMismatch: If the checkpoint's weights do not fit the
            model exactly (mmengine would load what fits and warn), or are
            not finite.
    """
    check_device(device)  # before the model is built: one line
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


class OutputsOfAnotherSlide(OutputsOfOtherSettings):
    """The finished outputs a slide's name points to are of another slide
    of the same name (one-line message naming both)."""


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
        _check_tile(blend, self.predictor.output_stride())
        # numpy on the host for a CPU model, else the model's device.
        self.blend_device = None if self.predictor.device.type == 'cpu' \
            else self.predictor.device
        self.num_classes = self.predictor.num_classes
        self.classes = SlideClasses.of_model(model, self.num_classes)
        # Two tiers: the labels are mapped band by band, before anything is
        # written, so every output (and its areas, polygons) holds tiers.
        self.tiers = None
        if outputs.two_tier:
            self.classes, self.tiers = self.classes.two_tier()
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
            # names and order: what each label value means
            classes=self.class_names,
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
            OutputsOfAnotherSlide: If the outputs of its name are another
                slide's (another path, other bytes): one line naming both.
            OutputsOfOtherSettings: If it is finished, but the summary's
                ``identity`` differs from this segmenter's (another
                checkpoint, config or setting): one line naming what
                differs.
        """
        return self._check_finished(slide_path, out_dir)[0]

    def _check_finished(self, slide_path: str, out_dir: str):
        """:meth:`finished_summary`, and why a finished slide is redone
        (its file changed since: a rescan), or None."""
        summary = self._finished(slide_path, out_dir)
        if summary is None:
            return None, None
        try:
            current = slide_fingerprint(slide_path)
        except OSError:  # gone since: its run says so
            return None, None
        kind, detail = slide_change(summary.get('slide_identity'),
                                    current) or (None, None)
        if kind == 'other':
            made_from = 'a slide they do not record (an earlier version ' \
                'made them)' if detail is None else \
                f'another slide of the same name, {detail}'
            raise OutputsOfAnotherSlide(
                f'{slide_path}: its outputs in {out_dir} '
                f'({output_stem(slide_path)}.*) are of '
                f'{made_from}; run it into another {setting("out_dir")} (or '
                f'pass {setting("overwrite", True)} to replace those '
                'results)')
        differences = identity_differences(summary.get('identity'),
                                           self.identity)
        if differences:
            more = f' and {len(differences) - 1} more' \
                if len(differences) > 1 else ''
            raise OutputsOfOtherSettings(
                f'{slide_path}: its outputs in {out_dir} were made with '
                f'other settings ({differences[0]}{more}); pass '
                f'{setting("overwrite", True)} to redo them, or choose '
                f'another {setting("out_dir")}')
        if kind == 'changed':
            return None, (f'{slide_path}: changed since its outputs in '
                          f'{out_dir} were made ({detail}): a rescan; '
                          'redoing it')
        return summary, None

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
        """list[str]: The outputs a slide gets besides its summary: the
        registered ones (:data:`~mmseg_hsp.wsi.outputs.SLIDE_OUTPUTS`)
        :attr:`outputs` asks for."""
        return [
            kind.name for kind in slide_outputs(self.outputs) if not kind.last
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
            with ``status`` ``'done'`` or ``'skipped'``; or only ``slide``,
            ``status`` ``'busy'`` and ``holder`` (the lock file's record:
            ``host``, ``pid``, ``since``...) when another live process runs
            the slide into ``out_dir`` (it holds the slide's lock,
            :mod:`.lock`: runs on the same slides split the work). A
            ``notes`` list, when present, holds lines to show: a dead
            holder's lock taken over, a slide redone because its file
            changed since its outputs were made (a rescan). ``seconds`` has
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
            OutputsOfAnotherSlide: If the outputs of its name in
                ``out_dir`` are another slide's and ``overwrite`` is False.
            SlideError: If the slide cannot be opened, has no (or an
                implausible) resolution, or fails to read, or if a DICOM
                Segmentation is asked of a slide that is not DICOM; nothing
                that looks finished is left.
        """
        paths = output_paths(slide_path, out_dir)
        remove_stale_temporaries(out_dir)
        # Each output refuses a slide it cannot be written for (a SEG of a
        # slide that is not DICOM) before any work.
        writers = [
            kind(paths[kind.name], slide_path)
            for kind in slide_outputs(self.outputs)
        ]
        os.makedirs(out_dir, exist_ok=True)
        with slide_lock(lock_path(paths['summary'])) as lock:
            if not lock:
                return dict(slide=slide_path, status='busy',
                            holder=lock.holder)
            notes = [lock.taken_over] if lock.taken_over else []
            # Checked under the lock: another process may just have
            # finished it.
            finished, redo = (None, None) if overwrite else \
                self._check_finished(slide_path, out_dir)
            if finished is not None:
                result = dict(finished, status='skipped')
            else:
                notes += [redo] if redo else []
                result = self._run(slide_path, out_dir, writers)
            return dict(result, notes=notes) if notes else result

    def _run(self, slide_path: str, out_dir: str,
             writers: List[SlideOutput]) -> dict:
        """:meth:`run` past its checks: segment and write every output."""
        # Not done from here until the new summary is written: a run killed
        # while replacing the outputs leaves no summary beside a mixed set.
        summary_path = output_paths(slide_path, out_dir)['summary']
        if osp.exists(summary_path):
            os.remove(summary_path)
        start = time.perf_counter()
        with open_slide(slide_path) as reader:
            # What the outputs are of, taken before it is read.
            fingerprint = slide_fingerprint(slide_path)
            scale = resolve_scale(reader, **self.resolution.to_dict())
            frame = analysis_frame(reader)
            region = ScaledRegion(reader, scale.downsample, frame)
            tissue = TissueMask.from_region(
                region) if self.outputs.tissue_mask else None
            # The thumbnail's tissue, also without the mask: the stain is
            # checked (and estimated for normalisation) on it.
            seen = tissue or TissueMask.from_region(region)
            source, stain = self._stain_normalized(region, tissue, seen,
                                                   slide_path)
            # Estimated once: normalisation's estimate when it made one.
            fitted = stain and stain['params']
            stain_check = h_and_e_check(seen,
                                        fitted['source'] if fitted else None)
            maps = SlideMaps(region.size, out_dir)
            try:
                tiles = self._segment(source, tissue, maps, slide_path,
                                      writers)
                labelled = time.perf_counter()
                slide = self._write_outputs(reader, region, scale, tissue,
                                            maps, writers)
                slide.summary.update(stain=stain, slide_identity=fingerprint,
                                     stain_check=stain_check,
                                     **_findings(slide.summary, stain_check))
            finally:
                maps.close()
        end = time.perf_counter()
        slide.summary.update(
            tiles=tiles,
            seconds=dict(labels=round(labelled - start, 3),
                         outputs=round(end - labelled, 3),
                         total=round(end - start, 3)),
            tiles_per_second=round(tiles['run'] / (labelled - start), 3),
            output_bytes={
                writer.name: osp.getsize(writer.path)
                for writer in writers if not writer.last
            })
        for writer in writers:
            if writer.last:
                writer.write(slide)
        return slide.summary

    def _stain_normalized(self, region: ScaledRegion,
                          tissue: Optional[TissueMask],
                          fitted_on: TissueMask, slide_path: str):
        """The region tiles are cut from, and the summary's ``stain``: the
        region itself and None without stain normalisation."""
        if self.stain is None:
            return region, None
        normalizer = self.stain.fit(fitted_on, slide_path,
                                    tissue_tiles_only=tissue is not None)
        summary = self.stain.summary(normalizer, fitted_on)
        if normalizer is None:
            return region, summary
        return NormalizedRegion(region, normalizer), summary

    def _segment(self, region: ScaledRegion, tissue: Optional[TissueMask],
                 maps: 'SlideMaps', slide_path: str,
                 writers: List[SlideOutput]) -> dict:
        """Predict, blend and stream the labels of the analysis frame and
        their confidence (to the maps and to each output)."""
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
                if self.tiers is not None:
                    labels = self.tiers[labels]
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
                for writer in writers:
                    writer.add_band(labels, confidence)
                trim_heap()
        maps.finish()
        return dict(total=len(windows),
                    run=to_run,
                    skipped=len(windows) - to_run)

    def _write_outputs(self, reader, region: ScaledRegion, scale,
                       tissue: Optional[TissueMask], maps: SlideMaps,
                       writers: List[SlideOutput]) -> FinishedSlide:
        """Write every output but the summary, in turn; the slide, with the
        summary so far."""
        pixel = area_pixel_size(scale.mpp, scale.magnification,
                                self.resolution.input_mpp is not None)
        slide = FinishedSlide(reader, region, scale, maps, pixel,
                              self.classes, self.outputs)
        slide.summary = dict(
            slide=reader.path,
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
            palette=slide.palette,
            resolution=dict(pixel.to_dict(), description=pixel.describe()),
            areas=class_areas(maps.labels.counts, self.class_names,
                              pixel.mpp),
            analysed_mm2=round(maps.stats.answered * (pixel.mpp * 1e-3)**2,
                               9),
            confidence=maps.stats.summary(self.class_names))
        for writer in writers:
            if not writer.last:
                slide.summary.update(writer.write(slide))
        for kind in slide_outputs():
            if not kind.enabled(self.outputs):
                slide.summary.update(dict.fromkeys(kind.summary_keys))
        slide.summary['outputs'] = {
            writer.name: writer.path
            for writer in writers
        }
        return slide


def _findings(summary: dict, stain_check: Optional[dict]) -> dict:
    """``tissue_found`` and ``warnings`` of a summary: a slide in which no
    tissue was found has no grade, which must not read as a clean one; a
    slide that does not look H&E-stained is graded by a model that never
    saw its stain."""
    found = summary['analysed_mm2'] > 0
    warnings = [] if found else [
        'no tissue found (the tissue mask found none, or every pixel is '
        'glass or black): the slide is not graded; check the slide, or run '
        # a summary's text is the same however the run was started
        'it with --no-tissue-mask (tissue_mask=False)'
    ]
    stain = not_h_and_e_warning(stain_check) if found else None
    if stain is not None:
        warnings.append(stain)
    return dict(tissue_found=found, warnings=warnings)


def _check_tile(blend: BlendSpec, output_stride: Optional[int]) -> None:
    """Refuse a tile the model cannot predict: smaller than its output
    stride (:meth:`SegmentorPredictor.output_stride`), which would give an
    all-background map reported as done."""
    if output_stride is not None and min(blend.tile) < output_stride:
        raise ValueError(
            f'tile {blend.tile[0]}x{blend.tile[1]} is smaller than the '
            f"model's output stride, {output_stride} px (one feature cell "
            f'per {output_stride}x{output_stride} input pixels): it cannot '
            f'predict such a tile; use {setting("tile", output_stride)} or '
            "more (the config's crop_size, or the paper's 400, predicts "
            'best)')


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
