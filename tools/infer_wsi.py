"""Segment whole slides: pyramidal label TIFF, GeoJSON, overlay, summary.

Examples::

    python tools/infer_wsi.py configs/hspnet_r101_mtchi.py hspnet.pth \\
        slides/ --out-dir outputs/wsi
    # MTCHI regions (PNG, x10, no metadata), plain averaging at stride 96:
    python tools/infer_wsi.py CONFIG CKPT data/MTCHI/Task2/Test/Img \\
        --input-magnification 10 --mode mean --stride 96 --out-dir out
    # several processes (GPUs), each slide once:
    torchrun --nproc_per_node 4 tools/infer_wsi.py CONFIG CKPT list.txt \\
        --out-dir out --device cuda --amp

    # stain normalisation per slide, to a reference region's stain:
    python tools/infer_wsi.py CONFIG CKPT slides/ --out-dir out \\
        --stain-normalize reference_region.png

Exit code 1 if any slide failed (each failure is one line naming it), 2 if
nothing could be run (bad flags or inputs, a model or stain reference that
cannot be set up, a model that does not fit its checkpoint), 130 on Ctrl-C
(temporaries removed; rerun the same command to go on). ``MMSEG_HSP_DEBUG=1`` shows tracebacks.
"""
import argparse
import os
import sys

from mmseg_hsp.cli import add_cfg_options
from mmseg_hsp.cli.numbers import (level0_magnification, level0_mpp,
                                   non_negative, positive)


def parse_args(argv=None):
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
        '--stain-normalize',
        nargs='?',
        const=DEFAULT_STAIN,
        metavar='REFERENCE',
        help='Macenko stain normalisation, estimated once per slide on its '
        'tissue thumbnail, to REFERENCE: a JSON of stored statistics or a '
        'reference image (without a value: Macenko et al.\'s reference)')
    parser.add_argument(
        '--device',
        default='cuda' if _cuda_available() else 'cpu',
        help='cpu or cuda (torchrun: cuda:LOCAL_RANK)')
    parser.add_argument(
        '--amp',
        nargs='?',
        const='auto',
        choices=['auto', 'bf16', 'fp16', 'fp32'],
        help='mixed precision: bfloat16 autocast on a CPU with native '
        'bfloat16 (avx512_bf16 or amx_bf16; float32 with a note elsewhere), '
        'float16 on CUDA; or name the dtype. Default: bfloat16 on a CPU '
        'with native bfloat16, float32 elsewhere; --amp fp32 turns it off')
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


# --stain-normalize without a value: the normaliser's default reference.
DEFAULT_STAIN = 'default'


def slide_stain(reference):
    """The SlideStain of --stain-normalize, or None without it."""
    if reference is None:
        return None
    from mmseg_hsp.wsi import SlideStain
    return SlideStain(None if reference == DEFAULT_STAIN else reference)


def _cuda_available():
    import torch
    return torch.cuda.is_available()


def main(argv=None):
    args = parse_args(argv)
    from mmseg_hsp.slide_io import collect_slides
    from mmseg_hsp.wsi.runner import SlideRunInterrupted, rank_share
    debug = bool(os.environ.get('MMSEG_HSP_DEBUG'))
    try:
        slides, rank, world = rank_share(collect_slides(args.inputs))
    except (OSError, ValueError) as error:  # missing list, no or same names
        if debug:
            raise
        print(f'infer_wsi: error: {error}', file=sys.stderr)
        return 2
    device = args.device
    if device == 'cuda' and world > 1:
        device = f"cuda:{os.environ.get('LOCAL_RANK', 0)}"
    try:
        return segment(args, device, slides, rank, world)
    except KeyboardInterrupt as interrupt:
        if debug:
            raise
        where = f' during {interrupt.slide}' if isinstance(
            interrupt, SlideRunInterrupted) else ''
        print(f'infer_wsi: interrupted{where}; its temporaries are removed '
              'and finished slides kept: rerun the same command to go on',
              file=sys.stderr)
        return 130


def segment(args, device, slides, rank, world):
    """Set up the model, run the slides, report; the exit code."""
    from mmseg_hsp.wsi.runner import print_report, run_slides
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
    results = run_slides(segmenter, slides, args.out_dir, args.overwrite)
    print_report(results, rank, world)
    return int(any(r['status'] == 'failed' for r in results))


def build_segmenter(args, device):
    from mmseg_hsp.wsi import OutputSpec, ResolutionSpec, SlideSegmenter
    return SlideSegmenter.from_config(
        args.config,
        args.checkpoint,
        device,
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
                           geojson_min_area=args.geojson_min_area),
        scores=args.scores,
        amp=args.amp,
        channels_last=not args.no_channels_last,
        progress=not args.no_progress,
        stain=slide_stain(args.stain_normalize))


if __name__ == '__main__':
    sys.exit(main())
