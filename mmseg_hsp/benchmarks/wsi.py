"""Benchmark whole-slide inference of HSP-Net against mmseg's slide_inference.

In one run, on the same synthetic H&E image, the same model and the same
tile/stride (tissue mask off, so every tile runs):

* ``ours_fp32`` / ``ours_fast``: :class:`~mmseg_hsp.wsi.SlideSegmenter` from
  the PNG to the label map (read, batched tiles, softmax, Gauss-like
  blending, labels streamed to disk); ``fp32`` runs the model float32 in
  NCHW (the path before the fast one), ``fast`` channels-last with ``--amp``
  (bfloat16 on a CPU with native bfloat16, float16 on CUDA; on other CPUs
  channels-last float32). ``ours_fast_all_outputs`` adds writing the
  pyramidal TIFF, GeoJSON, overlay and summary;
* ``mmseg``: mmseg's own path, ``LoadImageFromFile`` + data preprocessor +
  ``EncoderDecoder.predict`` with ``test_cfg.mode='slide'`` (one crop per
  forward, uniform averaging of full-image logits), float32 as mmseg runs;
* ``testloop_fast``: the same path with ``test_cfg.mode='gauss'`` and the
  fast path (what ``tools/test.py --cfg-options model.test_cfg.mode=gauss
  model.test_cfg.amp=auto`` runs): batched tiles, Gauss-like blending, the
  whole image's scores handed to mmseg's ``postprocess_result``;
* ``bare_fp32`` / ``bare_fast``: ``encode_decode`` alone on the same tiles,
  already cut and normalised, in batches of ``--batch-size``, float32 NCHW
  and on the fast path: the ceiling for any tiler.

Methods are interleaved ``--repeats`` times and the best time of each is
kept (the machine may be shared); the labels of ``ours_fast`` are compared
with those of ``ours_fp32`` (pixel agreement; meaningful with a trained
``--checkpoint``). Then, each in a fresh subprocess, peak resident memory
of ``ours_fast`` (on a tiled pyramidal TIFF read through OpenSlide), of
``mmseg`` and ``testloop_fast``, and of the model alone run for as many
batches (the allocator's own drift), for a slide ``--memory-height`` rows
high and for one three times higher.

The default model is HSP-Net: the demo's size on CPU
(``configs/hspnet_r18_synthetic_demo.py``), R101 on CUDA
(``configs/hspnet_r101_mtchi.py``), random weights unless
``--checkpoint``; torch's default thread count unless ``--threads``.

Every function takes the flags of :mod:`mmseg_hsp.cli.benchmark_wsi`
(``tools/benchmarks/wsi.py``) as ``args``, ``args.amp`` already chosen.
"""
import json
import os
import os.path as osp
import subprocess
import sys
import time

import cv2
import torch

from ..datasets.synthetic_slide import synthetic_he, write_pyramid
from ..experiments import REPO_ROOT

DEFAULT_CONFIGS = dict(
    cpu=osp.join(REPO_ROOT, 'configs', 'hspnet_r18_synthetic_demo.py'),
    cuda=osp.join(REPO_ROOT, 'configs', 'hspnet_r101_mtchi.py'))
SPEED_METHODS = ('ours_fp32', 'ours_fast', 'ours_fast_all_outputs', 'mmseg',
                 'testloop_fast', 'bare_fp32', 'bare_fast')
MEMORY_METHODS = ('ours_fast', 'mmseg', 'testloop_fast', 'model_alone')


def build_model(args):
    """The benchmarked model (seeded random weights unless a checkpoint)."""
    from ..wsi.segmenter import build_segmentor
    torch.manual_seed(0)
    return build_segmentor(args.config, args.checkpoint, args.device)


def precision(args, fast):
    """The Precision of a path: float32 NCHW, or the fast path."""
    from ..tiling import Precision
    if not fast:
        return Precision.resolve(args.device, False, channels_last=False)
    return Precision.resolve(args.device, args.amp, channels_last=True)


def synchronize(args):
    if args.device.startswith('cuda'):
        torch.cuda.synchronize()


def run_ours(model, image, workdir, args, fast=True, stain=None):
    """SlideSegmenter on the image (``stain``: a SlideStain, or None for no
    normalisation): seconds to the label map, seconds with all outputs,
    tiles run, the label TIFF."""
    from ..wsi import SlideSegmenter
    policy = precision(args, fast)
    summary = SlideSegmenter.from_model(
        model,
        blend=dict(mode='gauss',
                   tile=args.tile,
                   stride=args.stride,
                   batch_size=args.batch_size),
        resolution=dict(input_magnification=10),
        outputs=dict(tissue_mask=False),
        amp=policy.name,
        channels_last=policy.channels_last,
        progress=False,
        stain=stain).run(image, osp.join(workdir, 'ours'), overwrite=True)
    seconds = summary['seconds']
    return (seconds['labels'], seconds['total'], summary['tiles']['run'],
            summary['outputs']['labels'])


def mmseg_inputs(model, image):
    """mmseg's test-time loading and preprocessing of one image."""
    from mmcv.transforms import Compose
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')
    pipeline = Compose(
        [dict(type='LoadImageFromFile'),
         dict(type='PackSegInputs')])
    data = pipeline(dict(img_path=image))
    return model.data_preprocessor(
        dict(inputs=[data['inputs']], data_samples=[data['data_samples']]))


def run_predict(model, image, args, mode='slide'):
    """Seconds and labels of ``model.predict`` on the image in a test mode:
    mmseg's ``'slide'`` (slide_inference, float32 NCHW, as mmseg runs) or
    our ``'gauss'`` (the test-loop post-processing) on the fast path."""
    from mmengine.config import ConfigDict
    saved = model.test_cfg
    test_cfg = ConfigDict(mode=mode,
                          crop_size=(args.tile, args.tile),
                          stride=(args.stride, args.stride),
                          batch_size=args.batch_size)
    if mode == 'slide':
        precision(args, fast=False).prepare(model)
    else:
        test_cfg.amp = precision(args, fast=True).name
    model.test_cfg = test_cfg
    try:
        start = time.perf_counter()
        data = mmseg_inputs(model, image)
        with torch.no_grad():
            result = model.predict(data['inputs'], data['data_samples'])
        labels = result[0].pred_sem_seg.data.cpu()
        synchronize(args)
        return time.perf_counter() - start, labels
    finally:
        model.test_cfg = saved


def run_bare(model, image, args, fast=True):
    """Seconds of encode_decode alone on the grid's tiles, and their count."""
    from ..tiling import ArrayTiles, BlendSpec, grid_windows
    policy = precision(args, fast)
    policy.prepare(model)
    inputs = mmseg_inputs(model, image)['inputs']
    spec = BlendSpec(tile=args.tile, stride=args.stride)
    windows = grid_windows(inputs.shape[-2:], spec)
    tiles = ArrayTiles(inputs)
    size = args.batch_size
    batches = [
        policy.inputs(tiles(windows[i:i + size]))
        for i in range(0, len(windows), size)
    ]
    seconds = 0.0
    for batch in batches:
        metas = [dict(img_shape=batch.shape[-2:], pad_shape=batch.shape[-2:])
                 ] * len(batch)
        synchronize(args)
        start = time.perf_counter()
        with torch.no_grad(), policy.autocast():
            model.encode_decode(batch, metas)
        synchronize(args)
        seconds += time.perf_counter() - start
    return seconds, len(windows)


def peak_rss_mb():
    """Peak resident set size of this process (VmHWM), MiB."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    raise RuntimeError('no VmHWM in /proc/self/status')


def run_model_alone(model, image, args):
    """The model's scores (fast path) for as many batches as the image has
    tiles, on one fixed random batch: what the allocator does for the
    model alone."""
    from ..tiling import BlendSpec, SegmentorPredictor, grid_windows
    from ..slide_io import open_slide
    with open_slide(image) as reader:
        width, height = reader.level_dimensions[0]
    spec = BlendSpec(tile=args.tile, stride=args.stride)
    tiles = len(grid_windows((height, width), spec))
    predict = SegmentorPredictor(model, amp=precision(args, True).name)
    batch = torch.randn(args.batch_size,
                        3,
                        args.tile,
                        args.tile,
                        device=args.device)
    for _ in range(-(-tiles // args.batch_size)):
        predict(batch).cpu().numpy()


def memory_child(args):
    """Run one method once in this fresh process; print peak RSS as JSON."""
    method, image, workdir = args.memory_child
    model = build_model(args)
    before = peak_rss_mb()
    if method == 'ours_fast':
        run_ours(model, image, workdir, args)
    elif method == 'mmseg':
        run_predict(model, image, args, 'slide')
    elif method == 'testloop_fast':
        run_predict(model, image, args, 'gauss')
    else:
        run_model_alone(model, image, args)
    print(json.dumps(dict(before_mb=before, peak_mb=peak_rss_mb())))


def measure_memory(method, image, workdir, args):
    """Peak RSS of one method, run once in a fresh process."""
    command = [
        sys.executable, '-m', 'mmseg_hsp.cli.benchmark_wsi',
        '--memory-child', method, image, workdir, '--tile',
        str(args.tile), '--stride',
        str(args.stride), '--batch-size',
        str(args.batch_size), '--device', args.device, '--amp', args.amp,
        '--config', args.config
    ]
    if args.threads:
        command += ['--threads', str(args.threads)]
    if args.checkpoint:
        command += ['--checkpoint', args.checkpoint]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f'memory run {method} failed:\n{result.stderr}')
    return json.loads(result.stdout.strip().splitlines()[-1])


def label_agreement(first: str, second: str) -> float:
    """Share of pixels with the same label in two label TIFFs."""
    import tifffile
    return float((tifffile.imread(first) == tifffile.imread(second)).mean())


def speed(args, workdir):
    model = build_model(args)
    image = osp.join(workdir, 'image.png')
    cv2.imwrite(image, synthetic_he(args.height, args.width)[..., ::-1])
    for fast in (False, True):  # warm-up (allocator, kernels, weight casts)
        run_ours(model, image, workdir, args, fast)
    times = {method: [] for method in SPEED_METHODS}
    fp32_labels = osp.join(workdir, 'labels_fp32.tif')
    for _ in range(args.repeats):
        seconds, _, _, labels = run_ours(model, image, workdir, args, False)
        times['ours_fp32'].append(seconds)
        os.replace(labels, fp32_labels)
        seconds, total, tiles, fast_labels = run_ours(model, image, workdir,
                                                      args)
        times['ours_fast'].append(seconds)
        times['ours_fast_all_outputs'].append(total)
        times['mmseg'].append(run_predict(model, image, args, 'slide')[0])
        times['testloop_fast'].append(
            run_predict(model, image, args, 'gauss')[0])
        for name, fast in (('bare_fp32', False), ('bare_fast', True)):
            bare_seconds, bare_tiles = run_bare(model, image, args, fast)
            times[name].append(bare_seconds)
    assert tiles == bare_tiles, (tiles, bare_tiles)
    best = {method: min(values) for method, values in times.items()}
    return dict(tiles=tiles,
                fast_path=precision(args, True).to_dict(),
                seconds=best,
                tiles_per_second={m: tiles / s
                                  for m, s in best.items()},
                fast_vs_mmseg=best['mmseg'] / best['ours_fast'],
                fast_all_outputs_vs_mmseg=best['mmseg'] /
                best['ours_fast_all_outputs'],
                fp32_vs_mmseg=best['mmseg'] / best['ours_fp32'],
                fast_vs_fp32=best['ours_fp32'] / best['ours_fast'],
                fast_share_of_bare_fast=best['bare_fast'] / best['ours_fast'],
                fp32_share_of_bare_fp32=best['bare_fp32'] / best['ours_fp32'],
                fast_fp32_label_agreement=label_agreement(
                    fp32_labels, fast_labels))


def stain_normalization_cost(args, workdir):
    """``ours`` on the fast path with and without stain normalisation (issue
    #13), on the image of :func:`speed`, interleaved; best of ``--repeats``.
    Prints the ratio (goal: at most 1.10) and returns the seconds to the
    label map."""
    from ..wsi import SlideStain
    model = build_model(args)
    image = osp.join(workdir, 'image.png')
    times = dict(plain=[], normalized=[])
    for _ in range(args.repeats):
        for name, stain in (('plain', None), ('normalized', SlideStain())):
            times[name].append(
                run_ours(model, image, workdir, args, stain=stain)[0])
    best = {name: min(values) for name, values in times.items()}
    ratio = best['normalized'] / best['plain']
    print(f"stain normalisation: {best['normalized']:.2f} s against "
          f"{best['plain']:.2f} s without, x{ratio:.3f} (goal <= 1.10)")
    return dict(seconds=best, ratio=ratio)


def memory(args, workdir):
    results = {}
    for height in (args.memory_height, 3 * args.memory_height):
        rgb = synthetic_he(height, args.width, seed=1)
        slide = osp.join(workdir, f'slide{height}.tif')
        write_pyramid(slide, rgb)
        image = osp.join(workdir, f'image{height}.png')
        cv2.imwrite(image, rgb[..., ::-1])
        results[height] = {
            method: measure_memory(method,
                                   slide if method == 'ours_fast' else image,
                                   workdir, args)
            for method in MEMORY_METHODS
        }
    return results


def report(args, speed_results, memory_results):
    fast = speed_results['fast_path']
    lines = [
        f'{osp.relpath(args.config, REPO_ROOT)}'
        f'{", " + args.checkpoint if args.checkpoint else " (random)"}; '
        f'image {args.height}x{args.width} (HxW), tile {args.tile}, stride '
        f"{args.stride}, batch {args.batch_size}, {speed_results['tiles']} "
        f'tiles, device {args.device}, {torch.get_num_threads()} torch '
        f"thread(s), fast path {fast['dtype']}"
        f"{' channels-last' if fast['channels_last'] else ''}, best of "
        f'{args.repeats}.', '', '| method | seconds | tiles/s |',
        '|---|---|---|'
    ]
    for method in SPEED_METHODS:
        lines.append(f"| {method} | {speed_results['seconds'][method]:.2f} | "
                     f"{speed_results['tiles_per_second'][method]:.2f} |")
    s = speed_results
    lines += [
        '', f"ours_fast vs mmseg slide_inference: {s['fast_vs_mmseg']:.2f}x "
        f"faster ({s['fast_all_outputs_vs_mmseg']:.2f}x with all outputs); "
        f"ours_fp32: {s['fp32_vs_mmseg']:.2f}x",
        f"ours_fast vs ours_fp32: {s['fast_vs_fp32']:.2f}x faster",
        f"ours_fast vs bare_fast: {100 * s['fast_share_of_bare_fast']:.1f}% "
        f"of its throughput; ours_fp32 vs bare_fp32: "
        f"{100 * s['fp32_share_of_bare_fp32']:.1f}%",
        f"labels of ours_fast equal to ours_fp32 on "
        f"{100 * s['fast_fp32_label_agreement']:.3f}% of pixels"
    ]
    if memory_results:
        lines += [
            '', f'Peak RSS (MiB), width {args.width}; in brackets the '
            'growth over the process after building the model '
            '(model_alone: the model on one random batch, as many batches '
            'as the slide has tiles):', '',
            '| slide height | ' + ' | '.join(MEMORY_METHODS) + ' |',
            '|---|' + '---|' * len(MEMORY_METHODS)
        ]
        for height, result in memory_results.items():
            cells = [
                f"{result[m]['peak_mb']:.0f} "
                f"(+{result[m]['peak_mb'] - result[m]['before_mb']:.0f})"
                for m in MEMORY_METHODS
            ]
            lines.append(f'| {height} | ' + ' | '.join(cells) + ' |')
        low, high = memory_results.values()
        lines.append('')
        for method in MEMORY_METHODS:
            ratio = high[method]['peak_mb'] / low[method]['peak_mb']
            lines.append(f'{method}: peak x{ratio:.2f} for a 3x taller slide')
    return '\n'.join(lines)


def benchmark_wsi(args, workdir: str) -> dict:
    """Speed, stain normalisation's cost and memory (see the module doc).

    Args:
        args (Namespace): The benchmark's flags.
        workdir (str): Scratch folder of images, slides and outputs.

    Returns:
        dict: ``speed`` (with ``stain_normalization``) and ``memory``
        (empty when ``--memory-height`` is 0).
    """
    speed_results = speed(args, workdir)
    speed_results['stain_normalization'] = stain_normalization_cost(
        args, workdir)
    memory_results = memory(args, workdir) if args.memory_height else {}
    return dict(speed=speed_results, memory=memory_results)
