"""Segment whole slides from Python: the API behind ``tools/infer_wsi.py``.

Three functions, as mmseg's ``init_model``/``inference_model``: build a
:class:`SlideSegmenter` once from a config and a checkpoint, then run it on
one slide or many. Each slide gets a pyramidal label TIFF, a GeoJSON for
QuPath (with measurements), an overlay PNG, a confidence TIFF
(``confidence=False``: none) and a JSON summary (returned as a dict) in
``out_dir``; ``dicom_seg=True`` adds a DICOM Segmentation, and
``segment_slides(..., report=True)`` the run's ``slides.csv`` and
``report.html``. Every flag of ``tools/infer_wsi.py`` is a keyword of the
same name here (``--input-mpp 0.5`` is ``input_mpp=0.5``, ``--no-X`` is
``X=False``).

Example::

    from mmseg_hsp.apis import init_slide_segmenter, segment_slide

    segmenter = init_slide_segmenter('configs/hspnet_r101_mtchi.py',
                                     'hspnet.pth', device='cuda')
    summary = segment_slide(segmenter, 'slide.svs', 'outputs/')
    print(summary['areas'])   # pixels and mm^2 per class

Importing this module loads the slide stack (OpenSlide on first use,
tifffile, ...); ``import mmseg_hsp`` alone does not.
"""
from typing import Iterable, List, Optional, Union

import torch

from ..tiling import choose_amp
from ..wsi import OutputSpec, ResolutionSpec, SlideSegmenter, SlideStain
from ..wsi.keywords import (keywords_checked, segmenter_settings,
                            settings_keywords)
from ..wsi.report import write_run_report
from ..wsi.runner import collect_inputs, run_slides
from ..wsi.segmenter import build_segmentor

__all__ = [
    'init_slide_segmenter', 'segment_slide', 'segment_slides',
    'SlideSegmenter', 'ResolutionSpec', 'OutputSpec'
]


@keywords_checked(settings_keywords)
def init_slide_segmenter(config,
                         checkpoint: Optional[str],
                         device: Optional[str] = None,
                         amp: Union[bool, str, None] = None,
                         cfg_options: Optional[dict] = None,
                         **settings) -> SlideSegmenter:
    """Build a slide segmenter from a model config and its checkpoint.

    Precision follows the package's one rule: ``amp`` when given, else the
    config's ``model.test_cfg.amp``, else ``'auto'`` (bfloat16 on a CPU with
    native bfloat16, float16 on CUDA, float32 elsewhere; only an ``amp``
    that was asked for, here or in the config, notes a fallback to
    float32).

    Args:
        config (str | Config): Model config (HSP-Net or any mmseg
            ``EncoderDecoder``).
        checkpoint (str, optional): Its weights; they must fit the model
            exactly. None leaves the weights random.
        device (str, optional): Torch device. Defaults to ``'cuda'`` when
            available, else ``'cpu'``.
        amp (bool | str, optional): ``'auto'``, ``'bf16'``, ``'fp16'``
            (CUDA) or ``'fp32'``; True is ``'auto'``, False ``'fp32'``.
            Defaults to None: not given.
        cfg_options (dict, optional): Overrides of ``config``, as
            ``--cfg-options`` gives them: keys the config has, a new one
            marked ``+key``
            (:func:`~mmseg_hsp.config_options.merge_cfg_options`).
        **settings: The flags of ``tools/infer_wsi.py`` by the same names
            (:mod:`mmseg_hsp.wsi.keywords`): ``magnification``, ``mpp``,
            ``input_mpp``, ``input_magnification``; ``tile``, ``stride``,
            ``mode``, ``weight``, ``sigma``, ``batch_size`` (unset ones
            from the config's ``test_cfg``; the mode is ``'gauss'``);
            ``tissue_mask``, ``black_background``, ``geojson_origin``,
            ``geojson_min_area``, ``confidence`` (default True),
            ``dicom_seg`` (default False); ``scores``, ``channels_last``,
            ``progress``; ``stain_normalize`` (a reference, True for the
            default one, False for none). Or structured: ``blend``
            (:class:`~mmseg_hsp.tiling.BlendSpec` or a dict of its fields),
            ``resolution`` (:class:`ResolutionSpec` or dict), ``outputs``
            (:class:`OutputSpec` or dict) and ``stain`` (a
            :class:`~mmseg_hsp.wsi.SlideStain`, or None for none; when
            neither is given, what the config's test pipeline evaluates
            with: :meth:`SlideStain.from_config`); a flat keyword wins
            over the same setting in a structured one. See
            :meth:`SlideSegmenter.from_model`.

    Returns:
        SlideSegmenter: The segmenter, its model in eval mode on ``device``.

    Raises:
        FileNotFoundError: If the checkpoint is missing.
        UnreadableCheckpoint: If the file is not a checkpoint.
        CheckpointMismatch: If the checkpoint does not fit the model, or
            holds NaN or infinite weights.
        TypeError: If a keyword is unknown (naming the nearest known one).
        ValueError: If a setting or the precision is impossible, or a
            ``cfg_options`` key is not the config's (named with the nearest
            one).

    Example:
        >>> segmenter = init_slide_segmenter(
        ...     'configs/hspnet_r101_mtchi.py', 'hspnet.pth',
        ...     mode='mean', stride=96, input_magnification=10)
    """
    settings = segmenter_settings(settings)
    if device is None:
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    model = build_segmentor(config, checkpoint, device, cfg_options)
    if 'stain' not in settings:  # as the config evaluates
        settings['stain'] = SlideStain.from_config(model.cfg)
    config_amp = (getattr(model, 'test_cfg', None) or {}).get('amp')
    return SlideSegmenter.from_model(
        model,
        amp=choose_amp(amp, config_amp, 'auto'),
        amp_requested=amp is not None or config_amp is not None,
        **settings)


@keywords_checked()
def segment_slide(segmenter: SlideSegmenter,
                  slide: str,
                  out_dir: str,
                  overwrite: bool = False) -> dict:
    """Segment one slide and write its outputs.

    Args:
        segmenter (SlideSegmenter): From :func:`init_slide_segmenter`.
        slide (str): A slide OpenSlide reads (a DICOM slide as its
            folder), or a TIFF/PNG/JPEG region.
        out_dir (str): Output folder, created if needed.
        overwrite (bool): Redo a slide whose outputs are complete. Defaults
            to False: such a slide is skipped.

    Returns:
        dict: The summary (also ``<out_dir>/<name>.summary.json``):
        ``status`` (``'done'``, ``'skipped'``, or ``'busy'`` when another
        process runs the slide into ``out_dir``), ``identity`` (what made
        the outputs), ``outputs`` (paths),
        ``areas`` per class, ``analysis`` resolution, ``tiles``,
        ``seconds``, ``precision``, ...

    Raises:
        SlideError: If the slide cannot be opened or read, or has no (or
            an implausible) resolution; no output that looks finished is
            left.
        OutputsOfOtherSettings: If the slide is finished in ``out_dir``
            with another model or other settings and ``overwrite`` is
            False.

    Example:
        >>> summary = segment_slide(segmenter, 'slide.svs', 'outputs/')
        >>> summary['outputs']['labels']
        'outputs/slide.labels.tif'
    """
    return segmenter.run(slide, out_dir, overwrite=overwrite)


@keywords_checked()
def segment_slides(segmenter: SlideSegmenter,
                   inputs: Iterable[str],
                   out_dir: str,
                   overwrite: bool = False,
                   report: bool = False) -> List[dict]:
    """Segment many slides; one that fails does not stop the others.

    Args:
        segmenter (SlideSegmenter): From :func:`init_slide_segmenter`.
        inputs (Iterable[str]): Slides, folders of slides and list files
            (one path a line), expanded by
            :func:`~mmseg_hsp.wsi.runner.collect_inputs` (files named as
            this pipeline's outputs left out of folders).
        out_dir (str): Output folder.
        overwrite (bool): Redo slides whose outputs are complete. Defaults
            to False.
        report (bool): Also write ``slides.csv`` and ``report.html`` of
            the slides in ``out_dir`` (:mod:`mmseg_hsp.wsi.report`).
            Defaults to False.

    Returns:
        list[dict]: Per slide, in sorted order, its summary (see
        :func:`segment_slide`; ``warnings`` says what to check: no tissue
        found, a slide not H&E-like), ``{'slide', 'status': 'busy',
        'holder'}`` for one a process of another host runs, or ``{'slide',
        'status': 'failed', 'error'}`` with a one-line reason.

    Raises:
        ValueError: If the inputs name no slide, or two slides share a
            name (their outputs would collide).
        FileNotFoundError: If a list file is missing.
        PermissionError: If ``out_dir`` cannot be written to (before any
            slide runs).
        OutputsOfOtherSettings: If a slide finished in ``out_dir`` was made
            with another model or other settings, or the outputs of its
            name are another slide's (``OutputsOfAnotherSlide``), and
            ``overwrite`` is False (before any slide runs).
        SlideRunInterrupted: On Ctrl-C, naming the slide it stopped
            (finished slides are kept, the stopped one's temporaries
            removed).

    Example:
        >>> results = segment_slides(segmenter, ['slides/'], 'outputs/')
        >>> [r['status'] for r in results]
        ['done', 'done', 'failed']
    """
    slides = collect_inputs(inputs)
    results = run_slides(segmenter, slides, out_dir, overwrite)
    if report:
        write_run_report(slides, out_dir, results)
    return results
