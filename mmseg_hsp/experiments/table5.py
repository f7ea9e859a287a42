"""Table 5, produced: train HSP-Net and the baselines, test, tabulate, draw.

For each row (HSP-Net R101 AE, R101 CE, R34 CE, DeepLab v3+, FCN, U-Net;
``--ablations`` adds Table 3's) and each seed, under ``--work-dir``:

1. ``<row>/seed<k>.py``: the row's config with the preset applied;
   trained in ``<row>/seed<k>/`` with ``tools/train.py`` (skipped when its
   last checkpoint is there; resumed from ``last_checkpoint`` when it was
   interrupted);
2. tested with ``tools/test.py`` in the paper's two protocols (Section
   4.5): ``x``, patches stitched without overlap (the configs' default), and
   ``Post``, Gauss-like blending at a quarter-patch stride
   (``model.test_cfg.mode=gauss``); each into ``test_<mode>/`` with the
   predicted masks in ``pred_<mode>/`` (skipped when done);
3. then ``table5.md`` / ``table5.csv`` (mean +- sample std over seeds,
   via :mod:`mmseg_hsp.experiments.table5_report`), ``table5_miou.png``
   (bar chart) and
   ``table5_predictions.png`` (the same test regions predicted by every
   row's first seed, 'x' protocol).

Every run's console output (mmengine's config dump, per-iteration lines)
goes to its ``train.log`` / ``test_<mode>.log``; the console shows one line
per finished step.

Presets:

- ``cpu``: the synthetic MTCHI (``data/synthetic_mtchi/Task2``, written
  as ``make demo`` writes it if absent; 128 px patches), every network
  reduced the same way (:func:`reduce_width`: all channel widths / 4,
  depths kept, no pretrained weights) and trained with the demo's schedule
  (AdamW, total batch 8, warm-up and cosine; see
  ``configs/hspnet_r18_synthetic_demo.py``) stretched to 800 iterations,
  bfloat16 autocast where the CPU has it (``--amp auto``), 3 seeds: 71 min
  on 2 AMD EPYC cores with ``avx512_bf16``.
- ``paper``: the configs as they are (the paper's models, batch 16, 30
  epochs of SGD, pretrained encoders) on ``data/MTCHI/Task2`` (the real
  MTCHI, or a synthetic set cut into 400 px patches), float32 (``--amp
  fp32``), for a GPU.
- ``smoke``: the cpu preset on a tiny synthetic set written under the work
  dir, 2 iterations, one seed: a check that the whole pipeline runs.

Its flags: :mod:`mmseg_hsp.cli.reproduce_table5`.
"""
import os
import os.path as osp
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from ..engine.amp import enable_amp
from ..fileio import write_text
from ..visualization import draw_prediction_grid
from . import REPO_ROOT, table5_report
from .demo import DEMO_CONFIG
from .demo import prepare_data as write_demo_data


@dataclass(frozen=True)
class Row:
    """One row of the table: a config and how it is named."""
    key: str
    config: str
    title: str


ROWS = [
    Row('hspnet-r101-ae', 'hspnet_r101_mtchi', 'HSP-Net R101 AE'),
    Row('hspnet-r101-ce', 'hspnet_r101_ce_mtchi', 'HSP-Net R101 CE'),
    Row('hspnet-r34-ce', 'hspnet_r34_ce_mtchi', 'HSP-Net R34 CE'),
    Row('deeplabv3plus', 'deeplabv3plus_r101-os16_paper_mtchi', 'DeepLab v3+'),
    Row('fcn', 'fcn_r101_mtchi', 'FCN'),
    Row('unet', 'unet_original_mtchi', 'U-Net'),
]
# mmseg's zoo versions of the two baselines that have a paper-sized config.
ZOO_BASELINES = {
    'deeplabv3plus': 'deeplabv3plus_r101_mtchi',
    'unet': 'unet_s5-d16_mtchi',
}
ABLATIONS = [
    Row('hspnet-no-ds1-5', 'hspnet_r101_ce_no-ds1-5_mtchi',
        'HSP-Net R101 CE, no DS-Blocks'),
    Row('hspnet-no-ds5', 'hspnet_r101_ce_no-ds5_mtchi',
        'HSP-Net R101 CE, no DS-Block 5'),
    Row('hspnet-no-ds1-4', 'hspnet_r101_ce_no-ds1-4_mtchi',
        'HSP-Net R101 CE, no DS-Blocks 1-4'),
]
# Protocol -> test_cfg.mode (Section 4.5).
MODES = {'x': 'none', 'post': 'gauss'}
# Channel settings that make a network's width (reduce_width): mmseg's
# ResNets widen from stem and base (default 64 each), its UNet from base.
BACKBONE_WIDTHS = {
    'UNet': dict(base_channels=64),
    'ResNet': dict(stem_channels=64, base_channels=64),
    'ResNetV1c': dict(stem_channels=64, base_channels=64),
}
HEAD_WIDTHS = ('in_channels', 'channels', 'c1_in_channels', 'c1_channels',
               'ds_channels')


@dataclass(frozen=True)
class Preset:
    """Data, sizes and schedule of a table.

    Args:
        data_root (str): Task 2 folder.
        patch (int): Training patch side; the protocols' tile.
        seeds (tuple[int]): Default seeds.
        synthetic (dict, optional): ``write_synthetic_mtchi`` sizes to write
            ``data_root`` when absent (``num_train``, ``num_test``,
            ``size``); ``None``: the folder must exist.
        small (bool): Reduce every network (:func:`reduce_width`) and
            train with the demo's schedule.
        max_iters (int, optional): Iterations of the demo's schedule
            (default: the demo's).
        amp (str): Training precision, ``--amp``'s default: ``'auto'``
            (bfloat16 autocast on a CPU with native bfloat16, float16 on
            CUDA) or ``'fp32'`` (float32, as the paper).
    """
    data_root: str
    patch: int
    seeds: Tuple[int, ...]
    synthetic: Optional[dict] = None
    small: bool = False
    max_iters: Optional[int] = None
    amp: str = 'fp32'
    rows: Tuple[str, ...] = field(default=tuple(r.key for r in ROWS))


PRESETS = {
    # 800 of the demo's 1000 iterations and bfloat16: 18 runs in 90 min.
    'cpu':
    Preset('data/synthetic_mtchi/Task2',
           128, (0, 1, 2),
           dict(num_train=96, num_test=16, size=256),
           small=True,
           max_iters=800,
           amp='auto'),
    'paper':
    Preset('data/MTCHI/Task2', 400, (0, 1, 2)),
    'smoke':
    Preset('{work_dir}/data/Task2',
           64, (0, ),
           dict(num_train=8, num_test=2, size=128),
           small=True,
           max_iters=2,
           amp='auto'),
}


def reduce_width(model: dict, factor: int = 4) -> None:
    """Divide every channel width of a model config by ``factor``.

    The one reduction of every network in the cpu preset: the encoder's
    stem and base widths (so every stage), and the head's input, inner,
    low-level and DS-Block widths; depths, dilations and output strides are
    kept, and nothing is pretrained (no such weights exist).

    Args:
        model (dict): ``cfg.model``, modified in place.
        factor (int): The divisor.
    """
    backbone, head = model['backbone'], model['decode_head']
    for key, default in BACKBONE_WIDTHS[backbone['type']].items():
        backbone[key] = backbone.get(key, default) // factor
    for key in HEAD_WIDTHS:
        value = head.get(key)
        if isinstance(value, (list, tuple)):
            head[key] = type(value)(v // factor for v in value)
        elif value is not None:
            head[key] = value // factor
    model['pretrained'] = None
    model['backbone']['init_cfg'] = None


def demo_schedule(cfg, max_iters: Optional[int]) -> None:
    """Give ``cfg`` the demo's schedule, stretched to ``max_iters``."""
    from mmengine.config import Config
    demo = Config.fromfile(DEMO_CONFIG)
    for key in ('optim_wrapper', 'train_cfg', 'default_hooks', 'log_processor',
                'total_batch_size'):
        cfg[key] = demo[key]
    cfg.train_dataloader.batch_size = demo.train_dataloader.batch_size
    demo_iters = demo.train_cfg.max_iters
    max_iters = max_iters or demo_iters

    def stretch(iters):
        return round(iters * max_iters / demo_iters)

    schedulers = []
    for scheduler in demo.param_scheduler:
        begin = stretch(scheduler['begin'])
        scheduler = dict(scheduler,
                         begin=begin,
                         end=max(begin + 1, stretch(scheduler['end'])))
        if 'T_max' in scheduler:
            scheduler['T_max'] = scheduler['end'] - begin
        schedulers.append(scheduler)
    cfg.param_scheduler = schedulers
    cfg.train_cfg.max_iters = cfg.train_cfg.val_interval = max_iters
    # A checkpoint every quarter: an interrupted run resumes from it.
    cfg.default_hooks.checkpoint.interval = max(1, max_iters // 4)
    cfg.default_hooks.logger.interval = min(cfg.default_hooks.logger.interval,
                                            max_iters)


def row_config(row: Row, preset: Preset, data_root: str, seed: int,
               max_iters: Optional[int], amp: str):
    """The row's config with the preset, data, seed and precision applied
    (``amp`` as ``tools/train.py --amp``, in the config: a run dir's config
    records how it was trained), and the training precision's name."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', f'{row.config}.py'))
    patch = (preset.patch, preset.patch)
    cfg.model.data_preprocessor.size = patch
    cfg.model.test_cfg = dict(mode='none',
                              crop_size=patch,
                              stride=(preset.patch // 4, preset.patch // 4))
    for loader in ('train_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
        if preset.small:  # the demo's: no worker processes on 2 cores
            cfg[loader].num_workers = 0
            cfg[loader].persistent_workers = False
    if preset.small:
        reduce_width(cfg.model)
        demo_schedule(cfg, max_iters)
    # Tested after training, in both protocols: no validation in between.
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.pop('val_interval', None)
    cfg.randomness = dict(seed=seed)
    precision = enable_amp(cfg, amp) if amp != 'fp32' else 'fp32'
    return cfg, precision


class Step:
    """Runs the tools in subprocesses, logs to files, one console line each.

    Args:
        total (int): Steps in all, for the ``[i/n]`` counter.
    """

    def __init__(self, total: int):
        self.total = total
        self.done = 0
        self.start = time.time()

    def say(self, text: str) -> None:
        self.done += 1
        elapsed = (time.time() - self.start) / 60
        print(
            f'[table5] {self.done}/{self.total} {text} '
            f'({elapsed:.1f} min so far)',
            flush=True)

    def run(self, args: List[str], log: str) -> float:
        """Run ``python args`` with its output appended to ``log``."""
        start = time.time()
        with open(log, 'a') as out:
            code = subprocess.call([sys.executable, *args],
                                   cwd=REPO_ROOT,
                                   stdout=out,
                                   stderr=subprocess.STDOUT)
        if code:
            with open(log) as f:
                print(f.read()[-2000:], file=sys.stderr)
            raise RuntimeError(f'{" ".join(args[:2])} failed (exit {code}); '
                               f'its log: {log}')
        return time.time() - start


def final_checkpoint(cfg, run_dir: str) -> str:
    loop = cfg.train_cfg
    if 'max_iters' in loop:
        return osp.join(run_dir, f'iter_{loop.max_iters}.pth')
    return osp.join(run_dir, f'epoch_{loop.max_epochs}.pth')


def has_test_result(test_dir: str) -> bool:
    """Whether a tools/test.py run in ``test_dir`` wrote its scores."""
    return osp.isdir(test_dir) and any(
        (table5_report.run_results(osp.join(test_dir, name)) or {}
         ).get('split') == 'test' for name in os.listdir(test_dir))


def train_and_test(row: Row, seed: int, cfg, run_dir: str, step: Step) -> None:
    """Train (or resume, or skip) one seed of a row, test both protocols."""
    os.makedirs(run_dir, exist_ok=True)
    # Beside the run dir: mmengine dumps its own copy, with the work dir and
    # launcher added, into the run dir under the config's file name.
    config = f'{run_dir}.py'
    text = cfg.pretty_text
    if osp.isfile(config):
        with open(config) as f:
            if f.read() != text:
                raise ValueError(
                    f'{run_dir} holds a run of another config (other '
                    'preset, data or iterations); remove it or pass another '
                    '--work-dir')
    else:
        with open(config, 'w') as f:
            f.write(text)
    name = f'{row.title} seed {seed}'
    checkpoint = final_checkpoint(cfg, run_dir)
    if osp.isfile(checkpoint):
        step.say(f'{name}: trained already ({osp.basename(checkpoint)})')
    else:
        resume = osp.isfile(osp.join(run_dir, 'last_checkpoint'))
        seconds = step.run([
            'tools/train.py', config, '--work-dir', run_dir,
            *(['--resume'] if resume else [])
        ], osp.join(run_dir, 'train.log'))
        step.say(f'{name}: {"resumed and " if resume else ""}trained in '
                 f'{seconds / 60:.1f} min')
    for protocol, mode in MODES.items():
        test_dir = osp.join(run_dir, f'test_{protocol}')
        if has_test_result(test_dir):
            step.say(f'{name}: tested {protocol} already')
            continue
        seconds = step.run([
            'tools/test.py', config, checkpoint, '--work-dir', test_dir,
            '--cfg-options', f'model.test_cfg.mode={mode}',
            f'test_evaluator.output_dir={run_dir}/pred_{protocol}'
        ], osp.join(run_dir, f'test_{protocol}.log'))
        step.say(f'{name}: tested {protocol} in {seconds:.0f} s')


def table_rows(rows: List[Row], seeds, work_dir: str) -> List[dict]:
    """Mean +- std over seeds per row and protocol, in row order."""
    out = []
    for row in rows:
        for protocol in MODES:
            runs = []
            for seed in seeds:
                runs += table5_report.read_runs(
                    osp.join(work_dir, row.key, f'seed{seed}',
                             f'test_{protocol}'))
            (mean, ) = table5_report.fold_means(runs, over='seed')
            out.append(dict(mean, row=row.title, seeds=list(seeds)))
    return out


def ranking(means: List[dict]) -> List[str]:
    """Per protocol, the rows by mean mIoU, and which neighbours stand apart.

    Two rows are apart when their mean mIoUs differ by more than the sum of
    their seed standard deviations (so a row cannot be moved past the other
    by one std of noise on each side); with one seed nothing is apart.

    Args:
        means (list[dict]): Rows of :func:`table_rows`.

    Returns:
        list[str]: One Markdown line per protocol, e.g. ``'x': A 0.70 > B
        0.62 ~ C 0.61`` (``>`` apart, ``~`` within the seed spread).
    """
    import numpy as np
    lines = []
    for post in dict.fromkeys(r['post'] for r in means):
        rows = sorted((r for r in means if r['post'] == post),
                      key=lambda r: -r['mIoU'][0])
        text = ''
        for i, row in enumerate(rows):
            mean, std = row['mIoU']
            if i:
                above_mean, above_std = rows[i - 1]['mIoU']
                spread = np.nan_to_num(above_std + std, nan=np.inf)
                text += ' > ' if above_mean - mean > spread else ' ~ '
            text += f'{row["row"]} {mean:.4f}'
        lines.append(f'- Post {post}: {text}')
    return lines


def write_table(means: List[dict], work_dir: str, note: str) -> None:
    """``table5.md`` (with the mIoU ranking) and ``table5.csv``."""
    header = [
        'Row', 'Network', 'Variant', 'Parameters', 'Loss', 'Post',
        *table5_report.METRICS, 'Seeds'
    ]
    lines = []
    for r in means:
        scores = [
            f'{r[m][0]:.4f} ± {r[m][1]:.4f}'
            if r['folds'] > 1 else f'{r[m][0]:.4f}'
            for m in table5_report.METRICS
        ]
        lines.append([
            r['row'], r['network'], r['variant'], f'{r["params"]:.2f}M',
            r['loss'], r['post'], *scores, ' '.join(map(str, r['seeds']))
        ])
    order = '\n'.join(ranking(means))
    write_text(
        osp.join(work_dir, 'table5.md'),
        f'{table5_report.markdown(header, lines)}\n{note}\n\nmIoU order ("'
        '>": apart by more than the two seed stds together; "~": within '
        f'them):\n\n{order}\n')
    write_text(osp.join(work_dir, 'table5.csv'),
               table5_report.to_csv(header, lines))


def draw_bars(means: List[dict], out_path: str) -> None:
    """mIoU per row, 'x' and 'Post' side by side, seed std as error bars."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    titles = list(dict.fromkeys(r['row'] for r in means))
    fig, ax = plt.subplots(figsize=(1.4 * len(titles) + 2, 4))
    width = 0.38
    for i, post in enumerate(dict.fromkeys(r['post'] for r in means)):
        values = {r['row']: r['mIoU'] for r in means if r['post'] == post}
        mean = [values[t][0] for t in titles]
        std = [np.nan_to_num(values[t][1]) for t in titles]
        ax.bar(np.arange(len(titles)) + (i - 0.5) * width,
               mean,
               width,
               yerr=std,
               capsize=3,
               label=f'Post: {post}')
    ax.set_xticks(np.arange(len(titles)), titles, rotation=20, ha='right')
    ax.set_ylabel('mIoU (normal, CIN1-3)')
    ax.set_ylim(0, 1)
    seeds = len(means[0]['seeds'])
    ax.set_title(f'Table 5: mean ± std over {seeds} seed(s)')
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_path, dpi=100)
    plt.close(fig)


def prepare_data(preset: Preset, data_root: str) -> None:
    """Write the preset's synthetic set and its patches if absent.

    Raises:
        FileNotFoundError: The preset has no synthetic set and
            ``<data_root>/TrainingPatches`` is absent.
    """
    if osp.isdir(osp.join(data_root, 'TrainingPatches')):
        return
    if preset.synthetic is None:
        raise FileNotFoundError(
            f'{data_root}/TrainingPatches not found; convert MTCHI first '
            '(tools/dataset_converters/mtchi.py) or pass --data-root')
    write_demo_data(data_root,
                    patch_size=preset.patch,
                    stride=preset.patch // 2,
                    **preset.synthetic)


def select_rows(keys: List[str], ablations: bool, zoo: bool) -> List[Row]:
    """The rows to run, in table order.

    Args:
        keys (list[str]): Row keys.
        ablations (bool): Add Table 3's rows.
        zoo (bool): mmseg's zoo DeepLab v3+ and U-Net instead of the
            paper-sized.
    """
    if ablations:
        keys = keys + [r.key for r in ABLATIONS if r.key not in keys]
    rows = [r for r in ROWS + ABLATIONS if r.key in keys]
    if zoo:
        rows = [
            Row(r.key, ZOO_BASELINES.get(r.key, r.config), r.title)
            for r in rows
        ]
    return rows


def reproduce_table5(preset_name: str, work_dir: str, data_root: str,
                     seeds: Tuple[int, ...], rows: List[Row],
                     max_iters: Optional[int], amp: str, show: int) -> None:
    """Train, test, tabulate and draw (see the module doc).

    Args:
        preset_name (str): A key of :data:`PRESETS`.
        work_dir (str): Absolute folder of the runs and the table.
        data_root (str): Absolute Task 2 folder.
        seeds (tuple[int]): Seeds.
        rows (list[Row]): Rows, from :func:`select_rows`.
        max_iters (int, optional): Iterations of a small preset's schedule.
        amp (str): Training precision, one of ``AMP_CHOICES``.
        show (int): Test regions in ``table5_predictions.png``.

    Raises:
        FileNotFoundError: No data.
        ValueError: A run dir of another config; a config whose wrapper
            ``--amp`` cannot switch.
        RuntimeError: A training or test run failed.
    """
    preset = PRESETS[preset_name]
    prepare_data(preset, data_root)
    print(f'[table5] preset {preset_name}: {len(rows)} rows x {len(seeds)} '
          f'seeds on {data_root}; runs and logs under {work_dir}/')
    step = Step(len(rows) * len(seeds) * (1 + len(MODES)))
    for row in rows:
        for seed in seeds:
            cfg, precision = row_config(row, preset, data_root, seed, max_iters
                                        or preset.max_iters, amp)
            train_and_test(row, seed, cfg,
                           osp.join(work_dir, row.key, f'seed{seed}'), step)
    with warnings.catch_warnings():
        # Counting each row's parameters builds its model, and mmseg's
        # builders warn of their own deprecations: not the user's concern.
        warnings.simplefilter('ignore', UserWarning)
        means = table_rows(rows, seeds, work_dir)
    write_table(
        means, work_dir, f'Preset {preset_name}, {cfg.train_cfg.max_iters} '
        f'training iterations ({precision}), seeds '
        f'{" ".join(map(str, seeds))}; mean ± sample std over seeds.')
    draw_bars(means, osp.join(work_dir, 'table5_miou.png'))
    draw_prediction_grid(
        data_root,
        [(r.title, osp.join(work_dir, r.key, f'seed{seeds[0]}', 'pred_x'))
         for r in rows], show, osp.join(work_dir, 'table5_predictions.png'))
    with open(osp.join(work_dir, 'table5.md')) as f:
        print(f.read(), end='')
    print(f'[table5] written: {work_dir}/table5.md, table5.csv, '
          f'table5_miou.png, table5_predictions.png '
          f'({(time.time() - step.start) / 60:.1f} min)')
