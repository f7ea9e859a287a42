"""Table 5, produced: train HSP-Net and the baselines, test, tabulate, draw.

Two tables, each its own command:

- ``table5``: the paper's rows (:data:`ROWS`): HSP-Net R101 AE, R101 CE,
  R34 CE; DeepLab v3+ with CE and with AE-loss (paper-sized); FCN32s and
  FCN16s (Long et al., on HSP-Net's encoder); the original U-Net.
  ``--zoo`` adds mmseg's zoo FCN-D8, DeepLab v3+ and U-Net as extra rows,
  labelled ``zoo``, never in place of the paper's;
- ``ablations`` (``--ablations``): what explains the order
  (:data:`ABLATIONS`): HSP-Net R101 CE on a stride-16 and a stride-8
  encoder, and Table 3's DS-Block rows, beside the main table's HSP-Net
  R101 CE and DeepLab v3+ CE (:data:`ABLATION_REFERENCES`, whose runs are
  shared with it).

For each row and each seed, under ``--work-dir``:

1. ``<row>/seed<k>.py``: the row's config with the preset applied;
   trained in ``<row>/seed<k>/`` with ``tools/train.py`` (skipped when its
   last checkpoint is there; resumed from ``last_checkpoint`` when it was
   interrupted);
2. tested with ``tools/test.py`` in the paper's two protocols (Section
   4.5): ``x``, patches stitched without overlap (the configs' default), and
   ``Post``, Gauss-like blending at a quarter-patch stride
   (``model.test_cfg.mode=gauss``); each into ``test_<mode>/`` with the
   predicted masks in ``pred_<mode>/`` (skipped when done);
3. then ``<table>.md`` / ``<table>.csv`` (mean +- sample std over seeds,
   via :mod:`mmseg_hsp.experiments.table5_report`, and a 95 % bootstrap
   interval over test regions, :mod:`mmseg_hsp.evaluation.bootstrap`),
   the mIoU order (:func:`ranking`), ``<table>_miou.png`` (bar chart) and
   ``<table>_predictions.png`` (the same test regions predicted by every
   row's first seed, 'x' protocol).

Every run's console output (mmengine's config dump, per-iteration lines)
goes to its ``train.log`` / ``test_<mode>.log``; the console shows one line
per finished step.

Presets (:data:`PRESETS`; their numbers are meant to be changed there):

- ``cpu``: a synthetic MTCHI of the demo's generator with more test regions
  (``data/synthetic_mtchi_table5/Task2``, written if absent; 128 px
  patches), every network made a miniature the same way
  (:func:`~mmseg_hsp.models.miniature.miniature`: channel widths / 4,
  depths and output strides kept, the heads' atrous rates scaled with the
  patch, no pretrained weights) and trained with the demo's schedule
  (AdamW, total batch 8, warm-up and cosine; see
  ``configs/hspnet_r18_synthetic_demo.py``) stretched to 200
  iterations, bfloat16 autocast where the CPU has it (``--amp auto``),
  3 seeds.
- ``paper``: the configs as they are (the paper's models, batch 16, 30
  epochs of SGD, pretrained encoders, 400 px: no dilation to scale) on
  ``data/MTCHI/Task2`` (the real MTCHI, or a synthetic set cut into 400 px
  patches), float32 (``--amp fp32``), for a GPU.
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

import numpy as np

from ..engine.amp import enable_amp
from ..evaluation.bootstrap import (bootstrap_miou, interval,
                                    paired_difference, region_confusions,
                                    resample_weights, stack_runs)
from ..fileio import write_text
from ..models.miniature import miniature
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


# The paper's Table 5 rows (those a ResNet or U-Net can be: not HookNet,
# the ensembles, TriUpSegNet).
ROWS = [
    Row('hspnet-r101-ae', 'hspnet_r101_mtchi', 'HSP-Net R101 AE'),
    Row('hspnet-r101-ce', 'hspnet_r101_ce_mtchi', 'HSP-Net R101 CE'),
    Row('hspnet-r34-ce', 'hspnet_r34_ce_mtchi', 'HSP-Net R34 CE'),
    Row('deeplabv3plus', 'deeplabv3plus_r101-os16_paper_mtchi',
        'DeepLab v3+ CE'),
    Row('deeplabv3plus-ae', 'deeplabv3plus_r101-os16_paper_ae_mtchi',
        'DeepLab v3+ AE'),
    Row('fcn32s', 'fcn32s_r101_mtchi', 'FCN32s'),
    Row('fcn16s', 'fcn16s_r101_mtchi', 'FCN16s'),
    Row('unet', 'unet_original_mtchi', 'U-Net'),
]
# mmseg's own models (--zoo): extra rows, never the paper's.
ZOO = [
    Row('fcn-d8-zoo', 'fcn_r101_mtchi', 'FCN-D8 (mmseg zoo)'),
    Row('deeplabv3plus-zoo', 'deeplabv3plus_r101_mtchi',
        'DeepLab v3+ (mmseg zoo)'),
    Row('unet-zoo', 'unet_s5-d16_mtchi', 'U-Net (mmseg zoo)'),
]
# What explains the order (--ablations): the encoder's output stride, and
# Table 3's DS-Block rows.
ABLATIONS = [
    Row('hspnet-os16', 'hspnet_r101_ce_os16_mtchi',
        'HSP-Net R101 CE, stride-16 encoder'),
    Row('hspnet-os8', 'hspnet_r101_ce_os8_mtchi',
        'HSP-Net R101 CE, stride-8 encoder'),
    Row('hspnet-no-ds1-5', 'hspnet_r101_ce_no-ds1-5_mtchi',
        'HSP-Net R101 CE, no DS-Blocks'),
    Row('hspnet-no-ds5', 'hspnet_r101_ce_no-ds5_mtchi',
        'HSP-Net R101 CE, no DS-Block 5'),
    Row('hspnet-no-ds1-4', 'hspnet_r101_ce_no-ds1-4_mtchi',
        'HSP-Net R101 CE, no DS-Blocks 1-4'),
]
# The main table's rows the ablations are read against (stride 32, full
# head; DeepLab v3+'s stride-16 encoder); their runs are the main table's.
ABLATION_REFERENCES = ('hspnet-r101-ce', 'deeplabv3plus')
ALL_ROWS = ROWS + ZOO + ABLATIONS
# Protocol -> test_cfg.mode (Section 4.5).
MODES = {'x': 'none', 'post': 'gauss'}
# Bootstrap samples over test regions (the same draws for every row).
BOOTSTRAP_DRAWS = 2000


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
        small (bool): Make every network a miniature for ``patch``
            (:func:`~mmseg_hsp.models.miniature.miniature`) and train with
            the demo's schedule.
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
    # 8 rows x 3 seeds in about 65 min on 2 cores without bfloat16: 200
    # iterations a run (about 41 min of training, 21 of start-up and tests)
    # and 48 test regions, three times the demo's 16 (same generator: the
    # demo's are the first 16), for a bootstrap interval below the
    # differences between rows. How they were sized: docs/mtchi.md.
    'cpu':
    Preset('data/synthetic_mtchi_table5/Task2',
           128, (0, 1, 2),
           dict(num_train=96, num_test=48, size=256),
           small=True,
           max_iters=200,
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
        miniature(cfg.model, preset.patch)
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


def table_rows(rows: List[Row], seeds, work_dir: str,
               data_root: str) -> List[dict]:
    """Mean +- std over seeds per row and protocol, in row order.

    Each row also carries its mIoU on :data:`BOOTSTRAP_DRAWS` bootstrap
    samples of the test regions (``boot``, the mean over seeds on each
    sample; the same draws for every row, so rows compare paired) and their
    95 % interval (``ci``).

    Raises:
        FileNotFoundError: A run without test scores or predicted masks.
        ValueError: Runs scored on different numbers of test regions.
    """
    weights = None
    out = []
    for row in rows:
        for protocol in MODES:
            runs, confusions = [], []
            for seed in seeds:
                run_dir = osp.join(work_dir, row.key, f'seed{seed}')
                runs += table5_report.read_runs(
                    osp.join(run_dir, f'test_{protocol}'))
                confusions.append(
                    region_confusions(
                        osp.join(data_root, 'Test'),
                        osp.join(run_dir, f'pred_{protocol}')))
            confusions = stack_runs(confusions)
            if weights is None:
                weights = resample_weights(confusions.shape[1],
                                           BOOTSTRAP_DRAWS)
            boot = bootstrap_miou(confusions, weights)
            (mean, ) = table5_report.fold_means(runs, over='seed')
            out.append(
                dict(mean,
                     row=row.title,
                     seeds=list(seeds),
                     boot=boot,
                     ci=interval(boot)))
    return out


def apart(above: dict,
          below: dict) -> Tuple[bool, Optional[Tuple[float, float]]]:
    """Whether a row stands apart from the next lower one in mIoU.

    Both must allow it: the means differ by more than the two seed
    standard deviations together (so a row cannot be moved past the other
    by one std of noise on each side; with one seed nothing is apart), and,
    where the rows carry bootstrap samples (``boot``, :func:`table_rows`),
    the paired 95 % interval of the difference over test regions lies
    above 0.

    Args:
        above (dict): The row with the higher mean mIoU.
        below (dict): The other.

    Returns:
        tuple: Whether apart, and the difference's interval (``None``
        without bootstrap samples).
    """
    (above_mean, above_std), (mean, std) = above['mIoU'], below['mIoU']
    spread = np.nan_to_num(above_std + std, nan=np.inf)
    by_seeds = bool(above_mean - mean > spread)
    if 'boot' not in above or 'boot' not in below:
        return by_seeds, None
    low, high = paired_difference(above['boot'], below['boot'])
    return by_seeds and low > 0, (low, high)


def ordered(means: List[dict]) -> dict:
    """Per Post mark, its rows by mean mIoU, highest first."""
    return {
        post: sorted((r for r in means if r['post'] == post),
                     key=lambda r: -r['mIoU'][0])
        for post in dict.fromkeys(r['post'] for r in means)
    }


def ranking(means: List[dict]) -> List[str]:
    """Per protocol, the rows by mean mIoU, and which neighbours stand apart.

    Args:
        means (list[dict]): Rows of :func:`table_rows`.

    Returns:
        list[str]: One Markdown line per protocol, e.g. ``'x': A 0.70 > B
        0.62 ~ C 0.61`` (``>`` apart, ``~`` not: see :func:`apart`).
    """
    lines = []
    for post, rows in ordered(means).items():
        text = ''
        for i, row in enumerate(rows):
            if i:
                text += ' > ' if apart(rows[i - 1], row)[0] else ' ~ '
            text += f'{row["row"]} {row["mIoU"][0]:.4f}'
        lines.append(f'- Post {post}: {text}')
    return lines


def pairs_apart(means: List[dict]) -> List[str]:
    """Per protocol, every pair of rows that stands apart (:func:`apart`),
    neighbours or not: a chain of ``~`` can still hold rows far apart.

    Args:
        means (list[dict]): Rows of :func:`table_rows`.

    Returns:
        list[str]: One Markdown line per protocol, e.g. ``- Apart in Post
        x: A > C; B > C``, higher rows first; ``none`` where no pair is.
    """
    lines = []
    for post, rows in ordered(means).items():
        pairs = [
            f'{above["row"]} > {below["row"]}'
            for i, above in enumerate(rows) for below in rows[i + 1:]
            if apart(above, below)[0]
        ]
        lines.append(f'- Apart in Post {post}: {"; ".join(pairs) or "none"}')
    return lines


def seed_spread(above: dict, below: dict) -> str:
    """The two rows' seed stds together; ``'n/a'`` with one seed."""
    spread = above['mIoU'][1] + below['mIoU'][1]
    return 'n/a' if np.isnan(spread) else f'{spread:.4f}'


def neighbour_differences(means: List[dict]):
    """Header and lines: each pair of neighbours in the mIoU order, the
    difference, the seed spread, the bootstrap interval and the verdict."""
    header = [
        'Post', 'Higher', 'Lower', 'Δ mIoU', 'Seed stds (sum)',
        'Δ 95 % interval (regions)', 'Apart'
    ]
    lines = []
    for post, rows in ordered(means).items():
        for above, below in zip(rows, rows[1:]):
            verdict, (low, high) = apart(above, below)
            lines.append([
                post, above['row'], below['row'],
                f'{above["mIoU"][0] - below["mIoU"][0]:+.4f}',
                seed_spread(above, below),
                f'[{low:+.4f}, {high:+.4f}]', 'yes' if verdict else 'no'
            ])
    return header, lines


def write_table(means: List[dict], work_dir: str, name: str,
                note: str) -> None:
    """``<name>.md`` (with the mIoU order and its evidence) and
    ``<name>.csv``."""
    header = [
        'Row', 'Network', 'Variant', 'Parameters', 'Loss', 'Post', 'Dice',
        'mIoU', 'mIoU 95 % CI (regions)', 'AP', 'Seeds'
    ]
    lines = []
    for r in means:
        scores = {
            m: f'{r[m][0]:.4f} ± {r[m][1]:.4f}'
            if r['folds'] > 1 else f'{r[m][0]:.4f}'
            for m in table5_report.METRICS
        }
        lines.append([
            r['row'], r['network'], r['variant'], f'{r["params"]:.2f}M',
            r['loss'], r['post'], scores['Dice'], scores['mIoU'],
            '[{:.4f}, {:.4f}]'.format(*r['ci']), scores['AP'],
            ' '.join(map(str, r['seeds']))
        ])
    order = '\n'.join(ranking(means))
    regions = f'{len(means[0]["boot"])} bootstrap samples of the test regions'
    write_text(
        osp.join(work_dir, f'{name}.md'),
        f'{table5_report.markdown(header, lines)}\n{note}\n\nmIoU 95 % CI: '
        f'the seed-mean mIoU on {regions} (the evaluation\'s own '
        'uncertainty, beside the seed spread).\n\nmIoU order (">": apart, '
        'by more than the two seed stds together and with a paired 95 % '
        'bootstrap interval of the difference above 0; "~": not both):\n\n'
        f'{order}\n\n'
        f'{table5_report.markdown(*neighbour_differences(means))}\n'
        'Every pair apart, neighbours or not (the same two conditions):\n\n'
        f'{chr(10).join(pairs_apart(means))}')
    write_text(osp.join(work_dir, f'{name}.csv'),
               table5_report.to_csv(header, lines))


def draw_bars(means: List[dict], title: str, out_path: str) -> None:
    """mIoU per row, 'x' and 'Post' side by side, seed std as error bars."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
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
    ax.set_title(f'{title}: mean ± std over {seeds} seed(s)')
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_path, dpi=100)
    plt.close(fig)


def prepare_data(preset: Preset, data_root: str, own: bool) -> None:
    """Write the preset's synthetic set and its patches if absent.

    Args:
        preset (Preset): The preset.
        data_root (str): Its Task 2 folder, or the one given instead.
        own (bool): ``data_root`` is the preset's: a synthetic set there
            must have the preset's test regions.

    Raises:
        FileNotFoundError: The preset has no synthetic set and
            ``<data_root>/TrainingPatches`` is absent.
        ValueError: The preset's folder holds another number of test
            regions (written by an older preset).
    """
    if osp.isdir(osp.join(data_root, 'TrainingPatches')):
        test_dir = osp.join(data_root, 'Test', 'Img')
        wanted = (preset.synthetic or {}).get('num_test')
        if own and wanted and len(os.listdir(test_dir)) != wanted:
            raise ValueError(
                f'{data_root} holds {len(os.listdir(test_dir))} test '
                f'regions, the preset {wanted}; remove {data_root} to have '
                'the preset\'s set written, or pass --data-root')
        return
    if preset.synthetic is None:
        raise FileNotFoundError(
            f'{data_root}/TrainingPatches not found; convert MTCHI first '
            '(tools/dataset_converters/mtchi.py) or pass --data-root')
    write_demo_data(data_root,
                    patch_size=preset.patch,
                    stride=preset.patch // 2,
                    **preset.synthetic)


def select_rows(keys: Optional[List[str]], ablations: bool, zoo: bool,
                preset: Preset) -> Tuple[str, List[Row]]:
    """The table to make and its rows, in table order.

    Args:
        keys (list[str], optional): Row keys; ``None``: the table's own
            (the preset's rows, or the ablations and their references).
        ablations (bool): The ablation table instead of Table 5.
        zoo (bool): Add mmseg's zoo FCN-D8, DeepLab v3+ and U-Net.
        preset (Preset): The preset, for its default rows.

    Returns:
        tuple[str, list[Row]]: ``'table5'`` or ``'ablations'``, the rows.
    """
    name = 'ablations' if ablations else 'table5'
    if keys is None:
        keys = list(ABLATION_REFERENCES) + [
            r.key for r in ABLATIONS
        ] if ablations else list(preset.rows)
    if zoo:
        keys = list(keys) + [r.key for r in ZOO]
    return name, [r for r in ALL_ROWS if r.key in keys]


def reproduce_table5(preset_name: str, work_dir: str, data_root: str,
                     seeds: Tuple[int, ...], table: str, rows: List[Row],
                     max_iters: Optional[int], amp: str, show: int) -> None:
    """Train, test, tabulate and draw (see the module doc).

    Args:
        preset_name (str): A key of :data:`PRESETS`.
        work_dir (str): Absolute folder of the runs and the table.
        data_root (str): Absolute Task 2 folder.
        seeds (tuple[int]): Seeds.
        table (str): ``'table5'`` or ``'ablations'``: the files' name.
        rows (list[Row]): Rows, from :func:`select_rows`.
        max_iters (int, optional): Iterations of a small preset's schedule.
        amp (str): Training precision, one of ``AMP_CHOICES``.
        show (int): Test regions in ``<table>_predictions.png``.

    Raises:
        FileNotFoundError: No data, or a run without its test outputs.
        ValueError: A run dir of another config; a config whose wrapper
            ``--amp`` cannot switch; the preset's data folder of another
            preset.
        RuntimeError: A training or test run failed.
    """
    preset = PRESETS[preset_name]
    own_root = osp.abspath(preset.data_root.format(work_dir=work_dir))
    prepare_data(preset, data_root, data_root == own_root)
    print(f'[table5] preset {preset_name}, {table}: {len(rows)} rows x '
          f'{len(seeds)} seeds on {data_root}; runs and logs under '
          f'{work_dir}/')
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
        means = table_rows(rows, seeds, work_dir, data_root)
    write_table(
        means, work_dir, table,
        f'Preset {preset_name}, {cfg.train_cfg.max_iters} '
        f'training iterations ({precision}), seeds '
        f'{" ".join(map(str, seeds))}; mean ± sample std over seeds.')
    title = 'Table 5' if table == 'table5' else 'Ablations'
    draw_bars(means, title, osp.join(work_dir, f'{table}_miou.png'))
    draw_prediction_grid(
        data_root,
        [(r.title, osp.join(work_dir, r.key, f'seed{seeds[0]}', 'pred_x'))
         for r in rows], show, osp.join(work_dir, f'{table}_predictions.png'))
    with open(osp.join(work_dir, f'{table}.md')) as f:
        print(f.read(), end='')
    print(f'[table5] written: {work_dir}/{table}.md, {table}.csv, '
          f'{table}_miou.png, {table}_predictions.png '
          f'({(time.time() - step.start) / 60:.1f} min)')
