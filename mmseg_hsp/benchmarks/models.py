"""Parameters, FLOPs and speed of HSP-Net beside mmseg's baselines, one run.

Every model is built from its config (HSP-Net from ``configs/``, the
baselines from mmseg's own zoo through ``mmseg::`` paths) with 5 classes, no
pretrained weights and plain BN, then measured on the same random 400x400
batches in the same process:

- parameters of the inference network (auxiliary heads left out);
- FLOPs of one 3x400x400 image (mmengine's fvcore-style counter, which
  counts one multiply-add as one FLOP);
- forward time (eval mode, logits up-sampled to the input size) and
  train-step time (forward, decode loss, backward, SGD step) per batch size.

Times are medians over ``--iters`` rounds after ``--warmup`` rounds, every
model timed in each round; the ratio columns divide by the baseline's
(``--baseline``, DeepLab v3+) time. Its flags:
:mod:`mmseg_hsp.cli.benchmark_models` (``tools/benchmarks/models.py``).
"""
import os.path as osp
import statistics
import time
from typing import Callable, Dict, List

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.config import Config, ConfigDict
from mmengine.hub import get_config
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from ..experiments import REPO_ROOT
from ..models.utils import count_params
from ..tiling.precision import Precision
NUM_CLASSES = 5
SIZE = 400
# Display name -> config. mmseg's DeepLab v3+ and FCN are its ResNet-101
# V1c at output stride 8 (the zoo's standard); HSP-Net stays at stride 32.
MODEL_CONFIGS = {
    'HSP-Net R34': osp.join(REPO_ROOT, 'configs', 'hspnet_r34_ce_mtchi.py'),
    'HSP-Net R101': osp.join(REPO_ROOT, 'configs', 'hspnet_r101_mtchi.py'),
    'DeepLab v3+ R101-D8':
    'mmseg::deeplabv3plus/deeplabv3plus_r101-d8_4xb2-40k_'
    'cityscapes-512x1024.py',
    'FCN R101-D8': 'mmseg::fcn/fcn_r101-d8_4xb2-40k_cityscapes-512x1024.py',
    'UNet S5-D16':
    'mmseg::unet/unet-s5-d16_fcn_4xb4-160k_cityscapes-512x1024.py',
}


def to_plain_bn(cfg):
    """Replace SyncBN by BN in a config tree (one process, as the paper)."""
    if isinstance(cfg, dict):
        if cfg.get('type') == 'SyncBN':
            cfg['type'] = 'BN'
        for value in cfg.values():
            to_plain_bn(value)
    elif isinstance(cfg, list):
        for value in cfg:
            to_plain_bn(value)


def model_config(config: str) -> ConfigDict:
    """The model of ``config`` with 5 classes, BN and no pretrained weights.

    Args:
        config (str): Config path, or ``mmseg::`` path of mmseg's zoo.
    """
    cfg = get_config(config) if '::' in config else Config.fromfile(config)
    model = cfg.model
    model.pretrained = None
    model.backbone.init_cfg = None
    aux = model.get('auxiliary_head') or []
    aux = aux if isinstance(aux, list) else [aux]
    for head in [model.decode_head, *aux]:
        head.num_classes = NUM_CLASSES
    to_plain_bn(model)
    return model


def count_flops(model: torch.nn.Module) -> int:
    """FLOPs (multiply-adds) of one 3x400x400 image, in eval mode."""
    model.eval()
    inputs = torch.rand(
        1, 3, SIZE, SIZE, device=next(model.parameters()).device)
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return analyzer.total()


def batch_samples(batch: int, device) -> List[SegDataSample]:
    """Random 5-class labels at the input size."""
    samples = []
    for _ in range(batch):
        sample = SegDataSample(
            metainfo=dict(img_shape=(SIZE, SIZE), pad_shape=(SIZE, SIZE)))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, NUM_CLASSES, (1, SIZE, SIZE), device=device))
        samples.append(sample)
    return samples


def make_steps(model: torch.nn.Module, batch: int,
               precision: Precision) -> Dict[str, Callable[[], None]]:
    """A forward and a train step of ``model`` on one random batch.

    Args:
        model (nn.Module): The model, on the precision's device.
        batch (int): Images per step.
        precision (Precision): Autocast dtype and memory format.

    Returns:
        dict: ``forward`` and ``train``, callables of no argument.
    """
    device = next(model.parameters()).device
    inputs = precision.inputs(torch.randn(batch, 3, SIZE, SIZE,
                                          device=device))
    samples = batch_samples(batch, device)
    metas = [s.metainfo for s in samples]
    scaler = torch.amp.GradScaler(
        device.type, enabled=precision.dtype == torch.float16)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def forward():
        model.eval()
        with torch.inference_mode(), precision.autocast():
            model.encode_decode(inputs, metas)

    def train():
        model.train()
        with precision.autocast():
            loss, _ = model.parse_losses(model.loss(inputs, samples))
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)

    return dict(forward=forward, train=train)


def time_in_turns(steps: Dict[tuple, Callable[[], None]], device: torch.device,
                  warmup: int, iters: int) -> Dict[tuple, float]:
    """Median seconds of every step, the steps taking turns.

    Timing all models in each round, rather than one model after another,
    makes load changes on a shared machine hit them alike.
    """

    def sync():
        if device.type == 'cuda':
            torch.cuda.synchronize(device)

    for _ in range(warmup):
        for step in steps.values():
            step()
    times = {key: [] for key in steps}
    for _ in range(iters):
        for key, step in steps.items():
            sync()
            start = time.perf_counter()
            step()
            sync()
            times[key].append(time.perf_counter() - start)
    return {key: statistics.median(t) for key, t in times.items()}


def markdown_table(rows: List[dict], baseline: str) -> str:
    """One line per model and batch size, with ratios to the baseline."""
    base = {r['batch']: r for r in rows if r['model'] == baseline}
    lines = [
        '| Model | Params (M) | GFLOPs 3x400x400 | Batch | Forward (ms) | '
        'Forward imgs/s | Train step (ms) | Train imgs/s | '
        f'Forward vs {baseline} | Train vs {baseline} |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ]
    for r in rows:
        b = base[r['batch']]
        lines.append(
            f"| {r['model']} | {r['params'] / 1e6:.2f} | "
            f"{r['flops'] / 1e9:.1f} | {r['batch']} | "
            f"{r['forward'] * 1e3:.0f} | {r['batch'] / r['forward']:.2f} | "
            f"{r['train'] * 1e3:.0f} | {r['batch'] / r['train']:.2f} | "
            f"{r['forward'] / b['forward']:.2f}x | "
            f"{r['train'] / b['train']:.2f}x |")
    return '\n'.join(lines)


def environment(device: torch.device, precision: Precision, iters: int,
                warmup: int) -> str:
    """One line saying what was measured on."""
    if device.type == 'cuda':
        where = torch.cuda.get_device_name(device)
    else:
        where = f'CPU, {torch.get_num_threads()} threads'
    layout = 'channels_last' if precision.channels_last else 'NCHW'
    return (f'{where}; torch {torch.__version__}; {precision.name}; '
            f'{layout}; median of {iters} after {warmup} warm-up')


def benchmark_models(names: List[str], baseline: str, batch_sizes: List[int],
                     device: torch.device, precision: Precision, iters: int,
                     warmup: int) -> str:
    """Measure the models; the environment line and the Markdown table.

    Args:
        names (list[str]): Keys of :data:`MODEL_CONFIGS`.
        baseline (str): The one the ratio columns divide by.
        batch_sizes (list[int]): Batch sizes to time (>= 2).
        device (torch.device): Where the models run.
        precision (Precision): Autocast dtype and memory format (of the
            device's type).
        iters (int): Timed rounds.
        warmup (int): Untimed rounds.

    Returns:
        str: The report.
    """
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = True
    init_default_scope('mmseg')
    models, sizes = {}, {}
    for name in names:
        # PyTorch's default initialisation: timing needs no init_weights.
        model = MODELS.build(model_config(MODEL_CONFIGS[name])).to(device)
        precision.prepare(model)
        models[name] = model
        sizes[name] = dict(
            params=count_params(model), flops=count_flops(model))
    rows = []
    for batch in batch_sizes:
        steps = {
            (name, kind): step
            for name, model in models.items()
            for kind, step in make_steps(model, batch, precision).items()
        }
        times = time_in_turns(steps, device, warmup, iters)
        for name in models:
            rows.append(
                dict(
                    model=name,
                    batch=batch,
                    **sizes[name],
                    forward=times[name, 'forward'],
                    train=times[name, 'train']))
    table = markdown_table(rows, baseline)
    return f'{environment(device, precision, iters, warmup)}\n\n{table}\n'
