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

1. ``<row>/seed<k>.py``: the row's config with the preset applied, saving
   a checkpoint at each of :data:`CURVE_POINTS` points of its schedule
   (``--curve-points``; :func:`curve_points`); trained in
   ``<row>/seed<k>/`` by ``python -m mmseg_hsp.cli.train`` in a fresh
   process (skipped when its final checkpoint is there; resumed from
   ``last_checkpoint`` when it was interrupted);
2. tested, all in one fresh process (``python -m
   mmseg_hsp.cli.table5_eval``, :func:`evaluate_run`): each curve
   checkpoint in 'x', the final one in the paper's two protocols (Section
   4.5): ``x``, patches stitched without overlap (the configs' default),
   and ``Post``, Gauss-like blending at a quarter-patch stride
   (``model.test_cfg.mode=gauss``), with the predicted masks in
   ``pred_<protocol>/``; the scores, the curve and one confusion matrix
   per test region go to ``results.json`` (a run with it is skipped), and
   the curve's checkpoints but the final one are removed;
3. then ``<table>_summary.json`` (every run's results, the table's only
   input: :mod:`mmseg_hsp.experiments.table5_analysis`), ``<table>.md`` /
   ``<table>.csv`` (mean +- sample std over seeds, a 95 % bootstrap
   interval over test regions, the mIoU order, every pair of rows tested
   for being apart, the conclusions, the order at each curve point and
   whether it settled), ``<table>_miou.png`` (bar chart),
   ``<table>_curves.png`` (learning curves) and ``<table>_predictions.png``
   (the same test regions predicted by every row's first seed, 'x').

A table can be made in parts (``--rows``, the same ``--work-dir``): what
is done is skipped.

Every run's console output (mmengine's config dump, per-iteration lines)
goes to its ``train.log`` / ``test.log``; the console shows one line per
finished step.

Presets (:data:`PRESETS`; their numbers are meant to be changed there):

- ``cpu``: a synthetic MTCHI of the demo's generator with more test regions
  (``data/synthetic_mtchi_table5/Task2``, written if absent; 128 px
  patches), every network made a miniature the same way
  (:func:`~mmseg_hsp.models.miniature.miniature`: channel widths / 4,
  depths and output strides kept, the heads' atrous rates scaled with the
  patch, no pretrained weights) and trained with the demo's schedule
  (AdamW, total batch 8, warm-up and cosine; see
  ``configs/hspnet_r18_synthetic_demo.py``) stretched to
  :data:`CPU_ITERATIONS` iterations, bfloat16 autocast where the CPU has
  it (``--amp auto``),
  3 seeds.
- ``paper``: the configs as they are (the paper's models, batch 16, 30
  epochs of SGD, pretrained encoders, 400 px: no dilation to scale) on
  ``data/MTCHI/Task2`` (the real MTCHI, or a synthetic set cut into 400 px
  patches), float32 (``--amp fp32``), for a GPU.
- ``smoke``: the cpu preset on a tiny synthetic set written under the work
  dir, 2 iterations, one seed: a check that the whole pipeline runs.

Its flags: :mod:`mmseg_hsp.cli.reproduce_table5`.
"""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from ..engine.amp import enable_amp
from ..evaluation.bootstrap import region_confusions
from ..fileio import write_text
from ..models.miniature import miniature
from . import REPO_ROOT, table5_analysis, table5_report
from .table5_report import PAPER_TABLE4, paper_x_miou
from .table5_analysis import MODES
from .demo import DEMO_CONFIG
from .demo import prepare_data as write_demo_data


@dataclass(frozen=True)
class Row:
    """One row of the table: a config, how it is named, and the paper's
    'x' mIoU of it (Table 5, or Table 4 for HSP-Net's CE rows; None where
    the paper has no such row)."""
    key: str
    config: str
    title: str
    paper_miou: Optional[float] = None


# The paper's Table 5 rows (those a ResNet or U-Net can be: not HookNet,
# the ensembles, TriUpSegNet).
ROWS = [
    Row('hspnet-r101-ae', 'hspnet_r101_mtchi', 'HSP-Net R101 AE',
        paper_x_miou('HSP-Net', 'AE-Loss')),
    Row('hspnet-r101-ce', 'hspnet_r101_ce_mtchi', 'HSP-Net R101 CE',
        paper_x_miou('HSP-Net (R-101)', 'CE-Loss', PAPER_TABLE4)),
    Row('hspnet-r34-ce', 'hspnet_r34_ce_mtchi', 'HSP-Net R34 CE',
        paper_x_miou('HSP-Net (R-34)', 'CE-Loss', PAPER_TABLE4)),
    Row('deeplabv3plus', 'deeplabv3plus_r101-os16_paper_mtchi',
        'DeepLab v3+ CE', paper_x_miou('DeepLab v3+', 'CE-Loss')),
    Row('deeplabv3plus-ae', 'deeplabv3plus_r101-os16_paper_ae_mtchi',
        'DeepLab v3+ AE', paper_x_miou('DeepLab v3+', 'AE-Loss')),
    Row('fcn32s', 'fcn32s_r101_mtchi', 'FCN32s',
        paper_x_miou('FCN32s', 'CE-Loss')),
    Row('fcn16s', 'fcn16s_r101_mtchi', 'FCN16s',
        paper_x_miou('FCN16s', 'CE-Loss')),
    Row('unet', 'unet_original_mtchi', 'U-Net',
        paper_x_miou('U-Net', 'CE-Loss')),
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
# The rows each table holds (the zoo's are extra rows of either): what a
# table merged from parts of both keeps.
TABLE_ROWS = {
    'table5': {r.key for r in ROWS + ZOO},
    'ablations': set(ABLATION_REFERENCES) | {r.key for r in ABLATIONS + ZOO},
}
# Checkpoints saved and tested along a run's schedule (its learning
# curve), the last the final one.
CURVE_POINTS = 8
# The cpu preset's training length (iterations of the demo's schedule,
# stretched), from measured learning curves: 200 had ranked how fast each
# network starts to learn; from 800 to 1600 six verdicts of the one test
# changed, from 1600 to 3200 five (all in 'Post'), and over 2400-3200
# HSP-Net R101 CE still gains 0.012 'x' mIoU and swaps with R34 CE
# (docs/benchmarks.md). So 3200 is the longest length measured, not yet a
# settled one: settled() and length_changes() say so with the table.
CPU_ITERATIONS = 3200
# Seconds a stopped runner gives its step to stop by itself (Ctrl-C in a
# terminal reaches both) before it passes the signal on.
STEP_STOP_GRACE = 10


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
           max_iters=CPU_ITERATIONS,
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
    cfg.default_hooks.logger.interval = min(cfg.default_hooks.logger.interval,
                                            max_iters)


def row_config(row: Row, preset: Preset, data_root: str, seed: int,
               max_iters: Optional[int], amp: str):
    """The row's config with the preset, data, seed and precision applied
    (``amp`` as the training tool's ``--amp``, in the config: a run dir's
    config records how it was trained), and the training precision's
    name."""
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


def schedule(cfg) -> Tuple[str, int]:
    """The unit of the config's training loop and its length, e.g.
    ``('iter', 200)`` or ``('epoch', 30)``."""
    loop = cfg.train_cfg
    if 'max_iters' in loop:
        return 'iter', loop.max_iters
    return 'epoch', loop.max_epochs


def curve_points(length: int, points: int) -> List[int]:
    """Where a run's learning curve is read: every ``length // points``
    (at least 1) and at the end.

    Args:
        length (int): Iterations (or epochs) of the schedule.
        points (int): Points wanted (more where ``length`` is not a
            multiple of them: the end is always one).

    Returns:
        list[int]: Increasing, the last ``length``.
    """
    step = max(1, length // points)
    out = list(range(step, length + 1, step))
    return out if out[-1] == length else out + [length]


def save_curve_checkpoints(cfg, points: int) -> List[int]:
    """Have ``cfg`` save (and keep) a checkpoint at each curve point; an
    interrupted run resumes from the last one.

    Returns:
        list[int]: The curve points (:func:`curve_points`).
    """
    _, length = schedule(cfg)
    at = curve_points(length, points)
    hook = cfg.default_hooks.checkpoint
    hook.interval = at[0]
    hook.max_keep_ckpts = -1
    hook.save_last = True
    return at


def checkpoint_path(run_dir: str, unit: str, point: int) -> str:
    return osp.join(run_dir, f'{unit}_{point}.pth')


def results_path(run_dir: str) -> str:
    """A run's scores: its curve and both protocols' scores and per-region
    confusions (:func:`evaluate_run`); written last, so its presence marks
    the run done."""
    return osp.join(run_dir, 'results.json')


def evaluate_run(config: str, run_dir: str, points: List[int],
                 test_dir: str) -> dict:
    """Test every curve checkpoint of a run in 'x', and the final one in
    both protocols, in this process (one start of torch and mmseg).

    Writes :func:`results_path` and returns it: ``curve`` (point -> 'x'
    mIoU), and per protocol (:data:`MODES`) the metric's scores and
    ``regions``, one confusion matrix per test region (from the masks
    written into ``<run_dir>/pred_<protocol>``). Each curve point's score
    goes to ``curve.json`` as soon as it is known: a test interrupted, or
    done again once the curve's checkpoints are removed, keeps them.

    Args:
        config (str): The run's config file.
        run_dir (str): Its work dir, with the checkpoints.
        points (list[int]): The curve points (the last is the final
            checkpoint).
        test_dir (str): The Task 2 test split (``Img``, ``Truth``).

    Raises:
        FileNotFoundError: A checkpoint or a predicted mask is missing.
    """
    from mmengine.config import Config

    from ..apis import test_model
    unit, _ = schedule(Config.fromfile(config))
    curve_file = osp.join(run_dir, 'curve.json')
    curve = {}
    if osp.isfile(curve_file):
        with open(curve_file) as f:
            curve = json.load(f)
    for point in points[:-1]:
        if str(point) in curve:
            continue
        scores = test_model(config,
                            checkpoint_path(run_dir, unit, point),
                            work_dir=osp.join(run_dir, 'test',
                                              f'{unit}_{point}_x'),
                            mode=MODES['x'])
        curve[str(point)] = float(scores['mIoU'])
        write_text(curve_file, json.dumps(curve))
    results = dict(curve=curve)
    final = checkpoint_path(run_dir, unit, points[-1])
    for protocol, mode in MODES.items():
        pred_dir = osp.join(run_dir, f'pred_{protocol}')
        scores = test_model(
            config,
            final,
            work_dir=osp.join(run_dir, 'test', f'{unit}_{points[-1]}_'
                              f'{protocol}'),
            mode=mode,
            out=pred_dir)
        results[protocol] = dict(
            {m: float(scores[m])
             for m in table5_report.METRICS},
            regions=region_confusions(test_dir, pred_dir).tolist())
    curve[str(points[-1])] = results['x']['mIoU']
    write_text(results_path(run_dir), json.dumps(results))
    return results


class Step:
    """Runs the steps in fresh processes, logs to files, one console line
    each.

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
        """Run ``python -m args`` with its output appended to ``log``.

        Stopped (Ctrl-C, or SIGTERM made an interrupt by the tool), it lets
        the step stop as its own tool does on Ctrl-C before it stops too:
        see :func:`stop_step`.
        """
        start = time.time()
        with open(log, 'a') as out, subprocess.Popen(
                [sys.executable, '-m', *args],
                cwd=REPO_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=hear_sigint) as child:
            try:
                code = child.wait()
            except KeyboardInterrupt:
                stop_step(child)
                raise
        if code:
            with open(log) as f:
                print(f.read()[-2000:], file=sys.stderr)
            raise RuntimeError(f'{args[0]} failed (exit {code}); its log: '
                               f'{log}')
        return time.time() - start


def hear_sigint() -> None:
    """Give a step Python's Ctrl-C handler, whatever the runner had.

    A shell starts a background job (``nohup ... &``) with SIGINT ignored,
    its children inherit that, and Python then installs no handler: the one
    SIGINT :func:`stop_step` sends would go unheard and a stopped runner
    would wait for the whole step.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop_step(child: subprocess.Popen) -> None:
    """Stop a step the way its tool stops on Ctrl-C, once.

    Ctrl-C in a terminal reaches the step with the runner, and the step is
    given :data:`STEP_STOP_GRACE` seconds to stop by itself; a signal sent
    to the runner alone (``kill -INT``, SIGTERM) does not reach it, and
    ``subprocess.call`` would SIGKILL it mid-checkpoint. So a step still
    running after the grace gets one SIGINT (the tools turn SIGINT, not
    SIGTERM, into a clean stop) and is waited for; a second Ctrl-C kills
    it.
    """
    try:
        try:
            child.wait(timeout=STEP_STOP_GRACE)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGINT)
            child.wait()
    except KeyboardInterrupt:
        child.kill()
        raise


def write_config(cfg, run_dir: str) -> str:
    """The run's config, beside its run dir (mmengine dumps its own copy,
    with the work dir and launcher added, into the run dir under the
    config's file name).

    Raises:
        ValueError: The run dir holds a run of another config.
    """
    os.makedirs(run_dir, exist_ok=True)
    config = f'{run_dir}.py'
    text = cfg.pretty_text
    if osp.isfile(config):
        with open(config) as f:
            if f.read() != text:
                raise ValueError(
                    f'{run_dir} holds a run of another config (other '
                    'preset, data, iterations or curve points); remove it or '
                    'pass another --work-dir')
    else:
        with open(config, 'w') as f:
            f.write(text)
    return config


def train_and_test(row: Row, seed: int, cfg, points: List[int],
                   run_dir: str, test_dir: str, step: Step) -> None:
    """Train (or resume, or skip) one seed of a row, then test its curve
    and both protocols in one process (or skip: its results are there).

    Once tested, the curve's checkpoints but the final one are removed (a
    few tens of MB each; their scores are in the results)."""
    config = write_config(cfg, run_dir)
    name = f'{row.title} seed {seed}'
    unit, length = schedule(cfg)
    if osp.isfile(results_path(run_dir)):
        step.say(f'{name}: trained already')
        step.say(f'{name}: tested already')
        return
    final = checkpoint_path(run_dir, unit, length)
    if osp.isfile(final):
        step.say(f'{name}: trained already ({osp.basename(final)})')
    else:
        resume = osp.isfile(osp.join(run_dir, 'last_checkpoint'))
        seconds = step.run([
            'mmseg_hsp.cli.train', config, '--work-dir', run_dir,
            *(['--resume'] if resume else [])
        ], osp.join(run_dir, 'train.log'))
        step.say(f'{name}: {"resumed and " if resume else ""}trained in '
                 f'{seconds / 60:.1f} min')
    seconds = step.run([
        'mmseg_hsp.cli.table5_eval', config, run_dir, '--points',
        *map(str, points), '--test-dir', test_dir
    ], osp.join(run_dir, 'test.log'))
    for point in points[:-1]:
        path = checkpoint_path(run_dir, unit, point)
        if osp.isfile(path):
            os.remove(path)
    step.say(f'{name}: tested {len(points)} curve points and both '
             f'protocols in {seconds:.0f} s')


def table_summary(rows: List[Row], seeds, work_dir: str, cfgs: dict,
                  meta: dict, test_dir: str, show: int) -> dict:
    """The table's summary (:mod:`.table5_analysis`) from its runs.

    Args:
        rows (list[Row]): The rows.
        seeds (tuple[int]): Seeds.
        work_dir (str): Folder of the runs.
        cfgs (dict): Row key -> one of its seeds' configs (for the Network,
            Variant, Parameters and Loss columns).
        meta (dict): ``table``, ``preset``, ``max_iters``, ``unit``,
            ``precision``.
        test_dir (str): The Task 2 test split the runs were scored on.
        show (int): Test regions whose first-seed 'x' predictions each row
            keeps (``shown``) for the predictions picture.

    Raises:
        FileNotFoundError: A run without results.
        ValueError: Runs scored on different numbers of test regions.
    """
    out_rows, regions = [], set()
    for row in rows:
        runs = []
        for seed in seeds:
            path = results_path(osp.join(work_dir, row.key, f'seed{seed}'))
            if not osp.isfile(path):
                raise FileNotFoundError(f'{path}: run not tested')
            with open(path) as f:
                runs.append(dict(json.load(f), seed=seed))
            regions |= {len(runs[-1][p]['regions']) for p in MODES}
        cfg = cfgs[row.key]
        out_rows.append(
            dict(
                key=row.key,
                title=row.title,
                network=table5_report.network_name(cfg.model),
                variant=table5_report.variant(cfg.model),
                params=table5_report.count_parameters(cfg, cfg.model),
                loss=table5_report.loss_name(cfg.model),
                paper_miou=row.paper_miou,
                runs=runs,
                shown=table5_analysis.shown_predictions(
                    osp.join(work_dir, row.key, f'seed{seeds[0]}', 'pred_x'),
                    test_dir, show)))
    if len(regions) != 1:
        raise ValueError(f'runs scored {sorted(regions)} test regions; score '
                         'every run on the same test set')
    return dict(meta, seeds=list(seeds), regions=regions.pop(), rows=out_rows)


# What the parts of one table share: schedule, precision and test set.
PART_KEYS = table5_analysis.TABLE_KEYS + ('max_iters', )


def merge_parts(parts: List[dict], table: Optional[str] = None) -> dict:
    """One table's summary from those of its parts (made with ``--rows``
    and ``--seeds``, in one work dir or on several machines): rows in
    table order, runs in seed order, each row's predictions from the part
    that ran the lowest first seed; as one run of everything writes it.

    Args:
        parts (list[dict]): Summaries (:func:`table_summary`).
        table (str, optional): The table to make, a key of
            :data:`TABLE_ROWS`, from parts of either table: the ablations
            take their references' runs from the main table's parts, and
            rows the table does not hold are left out. Defaults to the
            parts' own table, which they must share.

    Raises:
        ValueError: Parts of other tables, schedules, precisions, test sets
            or curve points; no row of ``table``; a run in two parts; a row
            without every seed of the table.
    """
    first = parts[0]
    # Given a table, parts of the other may supply its rows.
    keys = [k for k in PART_KEYS if table is None or k != 'table']
    rows, points, shown_seed = {}, set(), {}
    for part in parts:
        differ = [k for k in keys if part.get(k) != first.get(k)]
        if differ:
            raise ValueError(
                'parts of different tables: ' + ', '.join(
                    f'{k} {first.get(k)} against {part.get(k)}'
                    for k in differ) + '; merge only parts run with the same '
                'preset, --max-iters, --amp and test set' +
                (' (--ablations: an ablation table from parts of both)'
                 if differ == ['table'] else ''))
        for row in part['rows']:
            if table is not None and row['key'] not in TABLE_ROWS[table]:
                continue
            merged = rows.setdefault(row['key'], dict(row, runs=[]))
            twice = ({run['seed'] for run in merged['runs']}
                     & {run['seed'] for run in row['runs']})
            if twice:
                raise ValueError(f'row {row["key"]} seed {min(twice)} is in '
                                 'two parts; give each run once')
            merged['runs'] = merged['runs'] + row['runs']
            if part['seeds'][0] < shown_seed.get(row['key'], float('inf')):
                shown_seed[row['key']] = part['seeds'][0]
                merged['shown'] = row.get('shown')
            points |= {tuple(sorted(run['curve'], key=int))
                       for run in row['runs']}
    if not rows:
        raise ValueError(f'no row of the {table} table in the parts; give '
                         'the parts of its rows')
    if len(points) > 1:
        raise ValueError('parts tested at different curve points '
                         f'({sorted(points)}); merge parts run with the same '
                         '--curve-points')
    seeds = sorted({run['seed'] for row in rows.values()
                    for run in row['runs']})
    for row in rows.values():
        row['runs'].sort(key=lambda run: run['seed'])
        have = [run['seed'] for run in row['runs']]
        if have != seeds:
            raise ValueError(
                f'row {row["key"]} has seeds {have}, the table {seeds}; run '
                f'the others (--rows {row["key"]} --seeds ...) and give '
                'their summary too')
    order = {r.key: i for i, r in enumerate(ALL_ROWS)}
    return dict(first,
                table=table or first['table'],
                seeds=seeds,
                rows=sorted(rows.values(),
                            key=lambda r: order.get(r['key'], len(order))))


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
            '(mmseg-hsp-convert-mtchi) or pass --data-root')
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
                     max_iters: Optional[int], amp: str, show: int,
                     points: int = CURVE_POINTS) -> None:
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
        points (int): Learning-curve points a run (:func:`curve_points`).

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
    step = Step(len(rows) * len(seeds) * 2)
    cfgs = {}
    for row in rows:
        for seed in seeds:
            cfg, precision = row_config(row, preset, data_root, seed, max_iters
                                        or preset.max_iters, amp)
            at = save_curve_checkpoints(cfg, points)
            cfgs.setdefault(row.key, cfg)
            train_and_test(row, seed, cfg, at,
                           osp.join(work_dir, row.key, f'seed{seed}'),
                           osp.join(data_root, 'Test'), step)
    unit, length = schedule(cfg)
    with warnings.catch_warnings():
        # Counting each row's parameters builds its model, and mmseg's
        # builders warn of their own deprecations: not the user's concern.
        warnings.simplefilter('ignore', UserWarning)
        summary = table_summary(
            rows, seeds, work_dir, cfgs,
            dict(table=table,
                 preset=preset_name,
                 max_iters=length,
                 unit=unit,
                 precision=precision), osp.join(data_root, 'Test'), show)
    text, written = write_table(summary, work_dir, data_root)
    print(text, end='')
    print(f'[table5] written: {work_dir}/{", ".join(written)} '
          f'({(time.time() - step.start) / 60:.1f} min)')


def write_table(summary: dict, out_dir: str,
                data_root: Optional[str]) -> Tuple[str, List[str]]:
    """Write a table from its summary: ``<table>_summary.json``,
    ``<table>.md`` / ``.csv``, ``<table>_miou.png``, ``<table>_curves.png``
    and, where its rows carry predictions, ``<table>_predictions.png``
    (drawn first: the one step that needs files beside the summary).

    Args:
        summary (dict): The table's summary (:func:`table_summary`, or
            :func:`merge_parts` of its parts').
        out_dir (str): Folder written.
        data_root (str, optional): Task 2 folder of the regions the
            predictions show.

    Returns:
        tuple[str, list[str]]: The table's Markdown, the files written.

    Raises:
        FileNotFoundError: The predictions' test regions are not in
            ``data_root`` (or none is given).
    """
    table = summary['table']
    title = 'Table 5' if table == 'table5' else 'Ablations'
    os.makedirs(out_dir, exist_ok=True)
    written = []
    if any(row.get('shown') for row in summary['rows']):
        if not data_root or not osp.isdir(osp.join(data_root, 'Test')):
            raise FileNotFoundError(
                f'{data_root}/Test not found: the predictions picture needs '
                "the test regions the runs were scored on; pass --data-root "
                '(reproduce_table5.py writes the presets\' synthetic sets)')
        written.append(f'{table}_predictions.png')
        table5_analysis.draw_predictions(summary, data_root,
                                         osp.join(out_dir, written[-1]))
    write_text(osp.join(out_dir, f'{table}_summary.json'),
               json.dumps(summary))
    means = table5_analysis.row_means(summary)
    text, csv_text = table5_analysis.table_markdown(summary, means)
    write_text(osp.join(out_dir, f'{table}.md'), text)
    write_text(osp.join(out_dir, f'{table}.csv'), csv_text)
    table5_analysis.draw_bars(means, title,
                              osp.join(out_dir, f'{table}_miou.png'))
    table5_analysis.draw_curves(summary, title,
                                osp.join(out_dir, f'{table}_curves.png'))
    return text, [
        f'{table}_summary.json', f'{table}.md', f'{table}.csv',
        f'{table}_miou.png', f'{table}_curves.png', *written
    ]
