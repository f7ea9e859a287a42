"""``tools/infer_wsi.py``: segment whole slides from the command line.

:func:`main` reads the flags, collects this process's share of the slides,
builds the segmenter with :func:`mmseg_hsp.apis.init_slide_segmenter` and
runs the slides one after the other, then prints a table (and, with
``--report``, writes ``slides.csv`` and ``report.html`` of the run) and,
last, one line per slide not done. Exit code 0 when every slide is done (or
was already), 1 when some are (each other one is a ``FAILED`` or ``BUSY``
line naming it), 2 when none is or nothing could be run (bad flags or
inputs, a model or stain reference that cannot be set up, a model that does
not fit its checkpoint or has NaN weights, an ``--out-dir`` that cannot be
written to or holds finished slides of another model, other settings or
another slide of the same name), 130 on Ctrl-C and 143 on SIGTERM
(temporaries removed; rerun the same command to go on). ``MMSEG_HSP_DEBUG=1`` shows
tracebacks.
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Sequence

import torch
from rich.console import Console
from rich.table import Table

from ..apis import OutputSpec, ResolutionSpec, init_slide_segmenter
from ..optional import import_extra
from ..wsi import SlideSegmenter, SlideStain
from ..wsi.lock import describe_holder
from ..wsi.report import write_run_report
from ..wsi.runner import (SlideRunInterrupted, collect_inputs, rank_share,
                          run_slides)
from .amp import add_amp_argument
from .args import add_cfg_options
from .errors import (INTERRUPTED, TERMINATED, Terminated,
                     terminate_as_interrupt)
from .numbers import (level0_magnification, level0_mpp, non_negative,
                      positive)

# --stain-normalize without a value: the normaliser's default reference.
DEFAULT_STAIN = 'default'
# --stain-normalize none: off, even where the config's test pipeline
# normalises.
NO_STAIN = 'none'


def parse_args(argv=None) -> argparse.Namespace:
    """The flags; an impossible value exits 2 with argparse's one line."""
    parser = argparse.ArgumentParser(
        description='Whole-slide inference with an mmseg segmentor')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        'inputs',
        nargs='+',
        help='slides (any OpenSlide format, TIFF/PNG regions), folders of '
        'them, or .txt list files (one path a line)')
    parser.add_argument('--out-dir', required=True, help='output folder')
    resolution = parser.add_mutually_exclusive_group()
    resolution.add_argument(
        '--magnification',
        type=positive(),
        default=10.0,
        help='analysis magnification (default: 10, the paper\'s)')
    resolution.add_argument(
        '--mpp', type=positive(), help='analysis microns per pixel instead')
    parser.add_argument(
        '--input-mpp',
        type=level0_mpp,
        help='level-0 microns per pixel of the inputs (for files without '
        'resolution metadata)')
    parser.add_argument(
        '--input-magnification',
        type=level0_magnification,
        help='level-0 magnification of the inputs (e.g. 10 for MTCHI '
        'regions)')
    # Blend settings default to the config's test_cfg (crop_size, stride,
    # a blend mode...) where it has them, else to the paper's.
    parser.add_argument(
        '--tile',
        type=positive(int),
        help='tile side (default: test_cfg.crop_size, else 400)')
    parser.add_argument(
        '--stride',
        type=positive(int),
        help='tile stride, not for none (default: test_cfg.stride, else 100)')
    parser.add_argument(
        '--mode',
        choices=['gauss', 'mean', 'none'],
        help='blending of overlapping tiles (default: gauss, the paper\'s '
        'post-processing, whatever test_cfg.mode evaluates with)')
    parser.add_argument(
        '--weight',
        choices=['gaussian', 'cosine', 'exponential'],
        help='weight window of --mode gauss (default: test_cfg.weight, else '
        'gaussian, nnU-Net\'s)')
    parser.add_argument(
        '--sigma',
        type=positive(),
        help='gaussian/exponential width as a fraction of the tile '
        '(default: test_cfg.sigma, else 1/8)')
    parser.add_argument(
        '--batch-size',
        type=positive(int),
        help='tiles per forward (default: test_cfg.batch_size, else 8)')
    parser.add_argument(
        '--scores',
        choices=['softmax', 'logits'],
        help='what is blended (default: test_cfg.scores, else softmax '
        'probabilities)')
    parser.add_argument(
        '--no-tissue-mask',
        action='store_true',
        help='run every tile, glass included')
    parser.add_argument(
        '--no-black-background',
        action='store_true',
        help='do not force pure-black input pixels to background')
    parser.add_argument(
        '--geojson-origin',
        choices=['qupath', 'openslide'],
        default='qupath',
        help='polygon coordinates as QuPath shows the slide (default) or '
        'OpenSlide level-0 coordinates (they differ by the bounds offset '
        'of cropped formats such as MIRAX)')
    parser.add_argument(
        '--geojson-min-area',
        type=non_negative(),
        default=64,
        help='leave regions of at most this many analysis pixels out of '
        'the GeoJSON (default: 64, about one cell at x10)')
    parser.add_argument(
        '--no-confidence',
        action='store_true',
        help='do not write NAME.confidence.tif (per pixel the blended '
        'probability of the labelled class, a pyramidal TIFF beside the '
        'label map; its figures stay in the summary and the GeoJSON)')
    parser.add_argument(
        '--dicom-seg',
        action='store_true',
        help='also write NAME.seg.dcm, a DICOM Segmentation of each DICOM '
        'slide (a slide that is not DICOM fails, in one line)')
    parser.add_argument(
        '--report',
        action='store_true',
        help='write slides.csv and report.html of all the slides in '
        '--out-dir')
    parser.add_argument(
        '--stain-normalize',
        nargs='?',
        const=DEFAULT_STAIN,
        metavar='REFERENCE',
        help='Macenko stain normalisation, estimated once per slide on its '
        'tissue thumbnail, to REFERENCE: a JSON of stored statistics or a '
        'reference image (without a value: Macenko et al.\'s reference; '
        '"none": off). Default: as the config\'s test pipeline evaluates '
        '(its StainNormalize), else off')
    parser.add_argument(
        '--device',
        default='cuda' if torch.cuda.is_available() else 'cpu',
        help='cpu or cuda (torchrun: cuda:LOCAL_RANK)')
    add_amp_argument(parser, default='auto')
    parser.add_argument(
        '--no-channels-last',
        action='store_true',
        help='run the model in NCHW instead of channels-last')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='redo slides whose outputs exist')
    parser.add_argument(
        '--no-progress', action='store_true', help='no progress bars')
    add_cfg_options(parser)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Run the tool.

    Args:
        argv (list[str], optional): The flags; ``sys.argv[1:]`` if None.

    Returns:
        int: The exit code (0 done, 1 a slide failed, 2 nothing could be
        run, 130 interrupted, 143 terminated).
    """
    args = parse_args(argv)
    terminate_as_interrupt()
    debug = bool(os.environ.get('MMSEG_HSP_DEBUG'))
    try:
        every = collect_inputs(args.inputs, warn=lambda line: print(
            f'infer_wsi: {line}', file=sys.stderr))
        slides, rank, world = rank_share(every)
    except (OSError, ValueError) as error:  # missing list, no or same names
        if debug:
            raise
        print(f'infer_wsi: error: {error}', file=sys.stderr)
        return 2
    try:
        return segment(args, rank_device(args.device, world), slides, rank,
                       world, every)
    except KeyboardInterrupt as interrupt:
        if debug:
            raise
        where, stop = '', interrupt
        if isinstance(interrupt, SlideRunInterrupted):
            where, stop = f' during {interrupt.slide}', interrupt.stop
        terminated = isinstance(stop, Terminated)
        print(f'infer_wsi: '
              f'{"terminated (SIGTERM)" if terminated else "interrupted"}'
              f'{where}; its temporaries are removed and finished slides '
              'kept: rerun the same command to go on', file=sys.stderr)
        return TERMINATED if terminated else INTERRUPTED


def rank_device(device: str, world: int) -> str:
    """This process's device: under torchrun, ``cuda`` is
    ``cuda:LOCAL_RANK``."""
    if device == 'cuda' and world > 1:
        return f"cuda:{os.environ.get('LOCAL_RANK', 0)}"
    return device


def segment(args: argparse.Namespace, device: str, slides: List[str],
            rank: int, world: int, every: List[str]) -> int:
    """Set up the model, run this process's ``slides``, report (the run
    report over ``every`` slide with ``--report``); the exit code."""
    try:
        segmenter = build_segmenter(args, device)
    except Exception as error:  # a config or checkpoint problem: one line
        if os.environ.get('MMSEG_HSP_DEBUG'):
            raise
        reason = ' '.join(str(error).split())
        print(f'infer_wsi: cannot set up the model: {type(error).__name__}: '
              f'{reason}', file=sys.stderr)
        return 2
    print(f'infer_wsi: {segmenter.classes.describe()}', file=sys.stderr)
    if segmenter.stain is not None:
        print('infer_wsi: Macenko stain normalisation to '
              f'{segmenter.stain.reference_from}', file=sys.stderr)
    try:
        results = run_slides(
            segmenter, slides, args.out_dir, args.overwrite,
            say=lambda line: print(f'infer_wsi: {line}', file=sys.stderr))
    except (OSError, ValueError) as error:  # unwritable, other settings
        if os.environ.get('MMSEG_HSP_DEBUG'):
            raise
        print(f'infer_wsi: error: {error}', file=sys.stderr)
        return 2
    print_report(results, rank, world)
    if args.report:
        paths = write_run_report(every, args.out_dir, results)
        print(f"infer_wsi: report {paths['report.html']}, "
              f"{paths['slides.csv']}", file=sys.stderr)
    print_not_done(results)
    return exit_code(results)


def exit_code(results: Sequence[dict]) -> int:
    """0 when every slide is done (or was already), 1 when some are, 2
    when none is (an unreadable single slide is nothing done, not "partly
    done")."""
    complete = sum(r['status'] in ('done', 'skipped') for r in results)
    if complete == len(results):
        return 0
    return 1 if complete else 2


def build_segmenter(args: argparse.Namespace, device: str) -> SlideSegmenter:
    """The segmenter the flags describe (the stain reference is read
    first, the model then built and its checkpoint checked)."""
    # Every slide's GeoJSON needs the `wsi` extra: missing, no slide is run.
    import_extra('rasterio.features', 'wsi')
    # Without the flag, the config's test pipeline decides.
    stain = {} if args.stain_normalize is None else dict(
        stain=None if args.stain_normalize == NO_STAIN else SlideStain(
            None if args.stain_normalize == DEFAULT_STAIN else
            args.stain_normalize))
    return init_slide_segmenter(
        args.config,
        args.checkpoint,
        device,
        amp=args.amp,
        cfg_options=args.cfg_options,
        blend=dict(mode=args.mode,
                   tile=args.tile,
                   stride=args.stride,
                   weight=args.weight,
                   sigma=args.sigma,
                   batch_size=args.batch_size),
        resolution=ResolutionSpec(
            magnification=None if args.mpp else args.magnification,
            mpp=args.mpp,
            input_mpp=args.input_mpp,
            input_magnification=args.input_magnification),
        outputs=OutputSpec(tissue_mask=not args.no_tissue_mask,
                           black_is_background=not args.no_black_background,
                           geojson_origin=args.geojson_origin,
                           geojson_min_area=args.geojson_min_area,
                           confidence_tiff=not args.no_confidence,
                           dicom_seg=args.dicom_seg),
        scores=args.scores,
        channels_last=not args.no_channels_last,
        progress=not args.no_progress,
        **stain)


def print_report(results: Sequence[dict], rank: int = 0,
                 world: int = 1) -> None:
    """Print a table of the slides run.

    Args:
        results (Sequence[dict]): From :func:`run_slides`.
        rank (int): This process's rank (shown when ``world`` > 1).
        world (int): Number of processes.
    """
    title = f'Whole-slide inference (rank {rank}/{world})' if world > 1 \
        else 'Whole-slide inference'
    table = Table(title=title)
    for column in ('slide', 'status', 'tiles run', 'seconds', 'tiles/s'):
        table.add_column(column)
    for result in results:
        tiles = result.get('tiles', {})
        table.add_row(
            osp.basename(result['slide']), result['status'],
            f"{tiles['run']}/{tiles['total']}" if tiles else '-',
            str(result.get('seconds', {}).get('total', '-')),
            str(result.get('tiles_per_second', '-')))
    Console(stderr=True).print(table)


def print_not_done(results: Sequence[dict]) -> None:
    """Print one line per slide not done, the run's last lines:
    ``FAILED <slide>: <reason>`` or ``BUSY <slide>: ...`` (held by a
    process of another host).

    Args:
        results (Sequence[dict]): From :func:`run_slides`.
    """
    for result in results:
        if result['status'] == 'failed':
            line = f"FAILED {result['error']}"
        elif result['status'] == 'busy':
            line = (f"BUSY {result['slide']}: being segmented by "
                    f"{describe_holder(result['holder'])}, not done by this "
                    'run; rerun the same command when it has finished')
        else:
            continue
        print(line, file=sys.stderr)


if __name__ == '__main__':
    sys.exit(main())
