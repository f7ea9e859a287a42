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
from dataclasses import fields
from typing import List, Sequence

import torch
from rich.console import Console
from rich.table import Table

from ..apis import OutputSpec, init_slide_segmenter
from ..optional import import_extra
from ..setting_names import spelled_as_flags
from ..wsi import SlideSegmenter
from ..wsi.lock import describe_holder
from ..wsi.outputs import slide_outputs
from ..wsi.report import write_run_report
from ..wsi.specs import GEOJSON_ORIGINS
from ..wsi.runner import (SlideRunInterrupted, collect_inputs, rank_share,
                          run_slides)
from .amp import add_amp_argument
from .args import add_cfg_options
from .errors import stopped_by, terminate_as_interrupt
from .numbers import (level0_magnification, level0_mpp, non_negative,
                      positive)

# The flags that are segment_slides' keywords, not the segmenter's.
RUN_FLAGS = ('inputs', 'out_dir', 'overwrite', 'report')


def parse_args(argv=None) -> argparse.Namespace:
    """The flags; an impossible value exits 2 with argparse's one line."""
    return build_parser().parse_args(argv)


def build_parser() -> argparse.ArgumentParser:
    """The tool's flags.

    Each flag is the keyword of the same name of
    :func:`~mmseg_hsp.apis.init_slide_segmenter` (``--x-y`` is ``x_y``,
    ``--no-x`` is ``x=False``) or of :func:`~mmseg_hsp.apis.segment_slides`
    (``inputs``, ``--out-dir``, ``--overwrite``, ``--report``). Unset flags
    parse to None: the API's (or the config's) default then applies.
    """
    parser = argparse.ArgumentParser(
        description='Whole-slide inference with an mmseg segmentor')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        'inputs', nargs='+', help='slides (any OpenSlide format, TIFF/PNG '
        'regions), folders of them, or .txt list files (one path a line)')
    parser.add_argument('--out-dir', required=True, help='output folder')
    add_resolution_flags(parser.add_argument_group('analysis resolution'))
    add_blend_flags(parser.add_argument_group(
        'tiling and blending', 'default: the config\'s test_cfg, else the '
        'paper\'s; the mode is gauss whatever test_cfg.mode evaluates with'))
    add_output_flags(parser.add_argument_group('outputs'))
    parser.add_argument(
        '--stain-normalize', nargs='?', const=True, metavar='REFERENCE',
        help='Macenko stain normalisation, estimated once per slide on its '
        'tissue thumbnail, to REFERENCE: a JSON of stored statistics or a '
        'reference image (without a value: Macenko et al.\'s reference; '
        '"none": off). Default: as the config\'s test pipeline evaluates '
        '(its StainNormalize), else off')
    parser.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu',
        help='cpu or cuda (torchrun: cuda:LOCAL_RANK)')
    add_amp_argument(parser, default='auto')
    parser.add_argument('--no-channels-last', action='store_true',
                        help='run the model in NCHW instead of channels-last')
    parser.add_argument('--overwrite', action='store_true',
                        help='redo slides whose outputs exist')
    parser.add_argument('--no-progress', action='store_true',
                        help='no progress bars')
    add_cfg_options(parser)
    return parser


def add_resolution_flags(group) -> None:
    """The analysis resolution and the inputs' own (ResolutionSpec)."""
    target = group.add_mutually_exclusive_group()
    target.add_argument('--magnification', type=positive(),
                        help='analysis magnification (default: 10, the '
                        'paper\'s)')
    target.add_argument('--mpp', type=positive(),
                        help='analysis microns per pixel instead')
    group.add_argument('--input-mpp', type=level0_mpp,
                       help='level-0 microns per pixel of the inputs (for '
                       'files without resolution metadata)')
    group.add_argument('--input-magnification', type=level0_magnification,
                       help='level-0 magnification of the inputs (e.g. 10 '
                       'for MTCHI regions)')


def add_blend_flags(group) -> None:
    """Tiling and blending (BlendSpec) and what is blended."""
    group.add_argument('--tile', type=positive(int),
                       help='tile side (test_cfg.crop_size, else 400)')
    group.add_argument('--stride', type=positive(int),
                       help='tile stride, not for none (else 100)')
    group.add_argument('--mode', choices=['gauss', 'mean', 'none'],
                       help='blending of overlapping tiles (gauss, the '
                       'paper\'s post-processing)')
    group.add_argument('--weight', choices=['gaussian', 'cosine',
                                            'exponential'],
                       help='weight window of --mode gauss (else gaussian, '
                       'nnU-Net\'s)')
    group.add_argument('--sigma', type=positive(),
                       help='gaussian/exponential width as a fraction of the '
                       'tile (else 1/8)')
    group.add_argument('--batch-size', type=positive(int),
                       help='tiles per forward (else 8)')
    group.add_argument('--scores', choices=['softmax', 'logits'],
                       help='what is blended (test_cfg.scores, else softmax '
                       'probabilities)')


def add_output_flags(group) -> None:
    """What is background and how polygons are written (OutputSpec), a
    switch per optional output (from the output registry: ``--no-X`` for
    one written by default, ``--X`` for one on request), the run report."""
    group.add_argument('--no-tissue-mask', action='store_true',
                       help='run every tile, glass included')
    group.add_argument('--no-black-background', action='store_true',
                       help='do not force pure-black input pixels to '
                       'background')
    group.add_argument(
        '--geojson-origin', choices=GEOJSON_ORIGINS,
        help='polygon coordinates as QuPath shows the slide (qupath, the '
        'default) or OpenSlide level-0 coordinates (they differ by the '
        'bounds offset of cropped formats such as MIRAX)')
    group.add_argument('--geojson-min-area', type=non_negative(),
                       help='leave regions of at most this many analysis '
                       'pixels out of the GeoJSON (default: 64, about one '
                       'cell at x10)')
    group.add_argument('--two-tier', action='store_true',
                       help='report a three-grade model in two tiers: LSIL '
                       '(CIN1) and HSIL (CIN2 + CIN3), in every output')
    defaults = {field.name: field.default for field in fields(OutputSpec)}
    for kind in slide_outputs():
        if kind.option in defaults:
            on = defaults[kind.option]
            group.add_argument(
                f'--{"no-" if on else ""}{kind.name.replace("_", "-")}',
                action='store_true',
                help=f'{"do not write" if on else "also write"} {kind.help}')
    group.add_argument('--report', action='store_true',
                       help='write slides.csv and report.html of all the '
                       'slides in --out-dir')


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
    # Messages from the library name settings as this tool's flags.
    with spelled_as_flags():
        return run(args)


def run(args: argparse.Namespace) -> int:
    """:func:`main` past the flags: the exit code."""
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
        how, code = stopped_by(stop)
        print(f'infer_wsi: {how}{where}; its temporaries are removed and '
              'finished slides kept: rerun the same command to go on',
              file=sys.stderr)
        return code


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
    """The segmenter the flags describe, built by
    :func:`~mmseg_hsp.apis.init_slide_segmenter` from the keywords of the
    same names (the stain reference is read first, the model then built
    and its checkpoint checked)."""
    # Every slide's GeoJSON needs the `wsi` extra: missing, no slide is run.
    import_extra('rasterio.features', 'wsi')
    keywords = api_keywords(args)
    for name in RUN_FLAGS:
        del keywords[name]
    return init_slide_segmenter(**dict(keywords, device=device))


def api_keywords(args: argparse.Namespace) -> dict:
    """The flags as the API's keywords: ``--x-y`` is ``x_y``, ``--no-x``
    is ``x=False`` (and, not given, ``x=True``)."""
    return {(name[3:] if name.startswith('no_') else name):
            (not value if name.startswith('no_') else value)
            for name, value in vars(args).items()}


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
