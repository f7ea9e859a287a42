"""The whole-slide part of tools/gpu_check.sh: tiles/s on a GPU, and its use.

1. Writes a synthetic H&E slide as a tiled pyramidal TIFF (20,000 x 20,000
   px at x10 by default), read through OpenSlide as a user's slide is.
2. Runs ``tools/infer_wsi.py --amp <amp>`` on it, in a process of its
   own as a user runs it (HSP-Net R101, random weights: speed only; tissue
   mask on, all outputs),
   sampling the GPU's utilisation and memory with ``nvidia-smi`` every
   half second.
3. Runs the model's bare forward on the same tile size, batch and
   precision on the same GPU, for as many batches as fit in
   ``bare_seconds``: the ceiling for any tiler.
4. Writes ``wsi.json`` under the output folder: the card, tiles/s of both,
   their ratio, and the utilisation samples' mean and median.

The dry run does the same on the CPU at toy sizes (a 640 x 800 slide, the
demo's HSP-Net, 128 px tiles), without ``nvidia-smi``, so CI keeps the
check working where no GPU is. Its flags: :mod:`mmseg_hsp.cli.gpu_check_wsi`
(``tools/misc/gpu_check_wsi.py``).
"""
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import threading
import time

import torch

from ..datasets.synthetic_slide import write_synthetic_slide
from ..experiments import REPO_ROOT
from ..fileio import write_json

GPU = dict(config='configs/hspnet_r101_mtchi.py', device='cuda', side=20000,
           tile=400, stride=100, batch_size=16)
DRY_RUN = dict(config='configs/hspnet_r18_synthetic_demo.py', device='cpu',
               side=None, height=640, width=800, tile=128, stride=64,
               batch_size=4)


class GpuSampler:
    """``nvidia-smi`` utilisation and memory samples, in a thread.

    Args:
        interval_ms (int): Sampling period.
    """

    def __init__(self, interval_ms: int = 500):
        self.samples = []
        self._process = subprocess.Popen([
            'nvidia-smi', '--query-gpu=utilization.gpu,memory.used',
            '--format=csv,noheader,nounits', f'-lms={interval_ms}'
        ], stdout=subprocess.PIPE, text=True)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        for line in self._process.stdout:
            utilisation, memory = (float(v) for v in line.split(',')[:2])
            self.samples.append((utilisation, memory))

    def stop(self) -> dict:
        """Stop sampling; the utilisation's mean/median, memory's peak."""
        self._process.terminate()
        self._process.wait()
        self._thread.join(timeout=5)
        utilisation = [u for u, _ in self.samples]
        return dict(samples=len(self.samples),
                    utilisation_mean=statistics.fmean(utilisation)
                    if utilisation else None,
                    utilisation_median=statistics.median(utilisation)
                    if utilisation else None,
                    memory_peak_mib=max((m for _, m in self.samples),
                                        default=None))


def random_checkpoint(setup: dict, path: str) -> None:
    """Save the config's model with random weights (speed only)."""
    from ..wsi.segmenter import build_segmentor
    torch.manual_seed(0)
    model = build_segmentor(osp.join(REPO_ROOT, setup['config']), None, 'cpu')
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)


def run_infer_wsi(setup: dict, slide: str, out_dir: str, amp: str) -> dict:
    """``tools/infer_wsi.py --amp <amp>`` on the slide (as a module, in a
    process of its own: the GPU sampled is the tool's alone); its
    summary."""
    checkpoint = osp.join(out_dir, 'random.pth')
    os.makedirs(out_dir, exist_ok=True)
    random_checkpoint(setup, checkpoint)
    command = [
        sys.executable, '-m', 'mmseg_hsp.cli.infer_wsi',
        osp.join(REPO_ROOT, setup['config']), checkpoint, slide, '--out-dir',
        out_dir,
        '--device', setup['device'], '--amp', amp, '--tile',
        str(setup['tile']), '--stride',
        str(setup['stride']), '--batch-size',
        str(setup['batch_size']), '--no-progress', '--overwrite'
    ]
    subprocess.run(command, check=True)
    name = osp.splitext(osp.basename(slide))[0]
    with open(osp.join(out_dir, f'{name}.summary.json')) as f:
        return json.load(f)


def bare_tiles_per_second(setup: dict, seconds: float, amp: str) -> float:
    """The model's own tiles/s on random tiles (same size, batch,
    precision and memory format as the pipeline)."""
    from ..tiling import SegmentorPredictor
    from ..wsi.segmenter import build_segmentor
    model = build_segmentor(osp.join(REPO_ROOT, setup['config']), None,
                            setup['device'])
    predict = SegmentorPredictor(model, amp=amp)
    batch = torch.randn(setup['batch_size'], 3, setup['tile'], setup['tile'],
                        device=setup['device'])
    predict(batch)  # warm-up (kernels, weight casts)
    synchronize = torch.cuda.synchronize if setup['device'] == 'cuda' \
        else (lambda: None)
    synchronize()
    start, tiles = time.perf_counter(), 0
    while time.perf_counter() - start < seconds or not tiles:
        predict(batch)
        synchronize()
        tiles += len(batch)
    return tiles / (time.perf_counter() - start)


def gpu_check_wsi(out: str, dry_run: bool, bare_seconds: float,
                  amp: str) -> dict:
    """Write the slide, infer it, time the bare forward; write ``wsi.json``.

    Args:
        out (str): Output folder.
        dry_run (bool): CPU, toy sizes, no ``nvidia-smi``.
        bare_seconds (float): Time spent measuring the bare forward (1 s in
            a dry run).
        amp (str): Precision, one of ``AMP_CHOICES``.

    Returns:
        dict: What ``wsi.json`` holds.

    Raises:
        RuntimeError: No CUDA device, and not a dry run.
    """
    setup = DRY_RUN if dry_run else GPU
    if not dry_run and not torch.cuda.is_available():
        raise RuntimeError('no CUDA device here; use --dry-run on CPU')
    os.makedirs(out, exist_ok=True)
    height = setup['side'] or setup['height']
    width = setup['side'] or setup['width']
    slide = osp.join(out, 'synthetic_slide.tif')
    start = time.perf_counter()
    write_synthetic_slide(slide, height, width)
    write_seconds = time.perf_counter() - start
    sampler = None if dry_run else GpuSampler()
    try:
        summary = run_infer_wsi(setup, slide, osp.join(out, 'wsi'), amp)
    finally:
        gpu = sampler.stop() if sampler else None
    bare = bare_tiles_per_second(setup, 1 if dry_run else bare_seconds, amp)
    ours = summary['tiles_per_second']
    result = dict(
        dry_run=dry_run,
        device=torch.cuda.get_device_name()
        if setup['device'] == 'cuda' else 'cpu',
        setup=setup,
        slide=dict(height=height, width=width,
                   write_seconds=round(write_seconds, 1)),
        tiles=summary['tiles'],
        seconds=summary['seconds'],
        precision=summary['precision'],
        tiles_per_second=dict(infer_wsi=ours, bare_forward=round(bare, 2)),
        share_of_bare=round(ours / bare, 3),
        gpu=gpu)
    write_json(osp.join(out, 'wsi.json'), result)
    return result
