"""Stain robustness of the demo HSP-Net: augmentation and normalisation.

1. Writes the synthetic MTCHI with its Test regions also rendered under
   each held-out stain (``HELD_OUT_STAINS``: other dyes, another scanner)
   and cuts the training patches, as the demo does.
2. Trains the demo model twice (``tools/train.py``'s code, each in a
   process of its own), same data, seed and schedule: (a)
   ``configs/hspnet_r18_synthetic_demo.py`` as it is, (b)
   ``configs/hspnet_r18_stain-aug_synthetic_demo.py`` (+
   ``RandomHEDJitter``); both at once, one thread each.
3. Estimates a Macenko reference stain on the training regions.
4. Tests both models on the Test regions under the original stain and each
   held-out stain, (c) also with ``StainNormalize`` to that reference in
   the test pipeline.
5. Writes ``stain_table.md`` / ``.csv`` (mIoU, Dice per stain and their
   drop from the original stain), ``stain_results.json`` and
   ``stain_predictions.png`` (one region under every stain, with each
   variant's prediction).

Every run logs to a file under the work dir; the console gets one line a
step.

Its flags: :mod:`mmseg_hsp.cli.benchmark_stain`
(``tools/benchmarks/stain.py``); every step takes them as ``args``.
"""
import csv
import json
import os
import os.path as osp
import subprocess
import sys
import time
from contextlib import contextmanager

import cv2
import numpy as np
import torch

from ..apis.test import test_model
from ..datasets import MTCHI_PALETTE, mtchi_mask_name
from ..datasets.mtchi_patches import task2_regions
from ..datasets.synthetic import HELD_OUT_STAINS, write_synthetic_mtchi
from ..experiments import REPO_ROOT
from ..experiments.demo import cut_patches
from ..fileio import write_png
from ..stain import MacenkoNormalizer

CONFIGS = {
    'a': osp.join(REPO_ROOT, 'configs', 'hspnet_r18_synthetic_demo.py'),
    'b': osp.join(REPO_ROOT, 'configs',
                  'hspnet_r18_stain-aug_synthetic_demo.py'),
}
# Table rows: (name, trained model, stain normalisation at inference).
VARIANTS = (
    ('(a) as today', 'a', False),
    ('(b) stain augmentation', 'b', False),
    ('(c) (a) + normalisation', 'a', True),
    ('(c) (b) + normalisation', 'b', True),
)
ORIGINAL = 'original'


def say(message: str) -> None:
    print(f'[stain] {message}', flush=True)


@contextmanager
def output_to(path: str):
    """Send this process's stdout and stderr (fds 1, 2) to ``path``."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(path, 'a') as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def prepare_data(args, stains) -> None:
    """Write the synthetic set under its held-out stains and cut patches.

    Raises:
        FileNotFoundError: ``args.data_root`` exists without a split.
    """
    if not osp.isdir(args.data_root):
        write_synthetic_mtchi(args.data_root,
                              args.num_train,
                              args.num_test, (args.size, args.size),
                              test_stains=stains)
    missing = [
        name for name in ('Training', 'Test', *(f'Test-{s}' for s in stains))
        if not osp.isdir(osp.join(args.data_root, name))
    ]
    if missing:
        raise FileNotFoundError(
            f'{args.data_root} lacks {", ".join(missing)}: remove it (it is '
            'written anew) or pass another --data-root')
    summary = cut_patches(args.data_root, args.patch_size, args.stride)
    if summary:
        say(f'cut {summary}')


def schedule_options(config: str, max_iters: int) -> list:
    """``--cfg-options`` moving the config's iteration schedule to
    ``max_iters``: the loop, its validation, the checkpoint and every
    scheduler that ends with training (its ``T_max`` shifted alike)."""
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    old = cfg.train_cfg.max_iters
    options = [
        f'train_cfg.max_iters={max_iters}',
        f'train_cfg.val_interval={max_iters}',
        f'default_hooks.checkpoint.interval={max_iters}'
    ]
    for i, scheduler in enumerate(cfg.param_scheduler):
        if scheduler.get('end') == old:
            options.append(f'param_scheduler.{i}.end={max_iters}')
            if 'T_max' in scheduler:
                options.append(f'param_scheduler.{i}.T_max='
                               f'{scheduler.T_max + max_iters - old}')
    return options


def config_iterations() -> int:
    """Training iterations of the benchmark's configs, as written."""
    from mmengine.config import Config
    return Config.fromfile(CONFIGS['a']).train_cfg.max_iters


def train_command(args, model: str, work_dir: str) -> list:
    """The training tool (``tools/train.py``, as a module) on the model's
    config and the benchmark's data."""
    command = [
        sys.executable, '-m', 'mmseg_hsp.cli.train', CONFIGS[model],
        '--work-dir', work_dir, '--cfg-options'
    ] + [
        f'{loader}.dataset.data_root={args.data_root}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]
    if args.max_iters:
        with output_to(args.log):
            command += schedule_options(CONFIGS[model], args.max_iters)
    return command


def train_both(args) -> dict:
    """Train (a) and (b) at once, each in a process; their checkpoints.

    One thread each: two single-threaded runs use two cores fully, while
    two-threaded runs one after the other lose much of their time to
    thread synchronisation, ten-fold on a busy machine.
    """
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    runs = {}
    for model in ('a', 'b'):
        work_dir = osp.join(args.work_dir, f'train_{model}')
        os.makedirs(work_dir, exist_ok=True)
        log_path = osp.join(work_dir, 'train.log')
        log = open(log_path, 'w')
        runs[model] = (subprocess.Popen(train_command(args, model, work_dir),
                                        stdout=log,
                                        stderr=subprocess.STDOUT,
                                        env=env), log, log_path, work_dir)
        say(f'({model}) training {osp.relpath(CONFIGS[model], REPO_ROOT)}, log '
            f'{log_path}')
    checkpoints = {}
    for model, (process, log, log_path, work_dir) in runs.items():
        status = process.wait()
        log.close()
        if status:
            for other, _, _, _ in runs.values():
                other.kill()
            raise RuntimeError(f'training ({model}) failed with exit code '
                               f'{status}; see {log_path}')
        with open(osp.join(work_dir, 'last_checkpoint')) as f:
            checkpoints[model] = f.read().strip()
    return checkpoints


def reference_stain(args) -> dict:
    """Macenko stain of the first training regions, stacked as one image."""
    regions = task2_regions(osp.join(args.data_root, 'Training'))
    images = [
        cv2.imread(image)[..., ::-1]
        for image, _ in regions[:args.reference_regions]
    ]
    return MacenkoNormalizer().estimate(np.ascontiguousarray(
        np.vstack(images)))


def test(args, model: str, checkpoint: str, stain: str, reference) -> dict:
    """Scores of a checkpoint on one stain's Test regions
    (:func:`~mmseg_hsp.apis.test_model`, in this process); predictions
    kept."""
    from mmengine.config import Config
    split = 'Test' if stain == ORIGINAL else f'Test-{stain}'
    name = f"{model}{'_norm' if reference else ''}_{stain}"
    cfg = Config.fromfile(CONFIGS[model])
    cfg.experiment_name = name
    dataset = cfg.test_dataloader.dataset
    dataset.data_root = args.data_root
    dataset.data_prefix = dict(img_path=f'{split}/Img',
                               seg_map_path=f'{split}/Truth')
    if reference:
        dataset.pipeline.insert(
            1, dict(type='StainNormalize', reference=reference))
    cfg.train_dataloader = cfg.train_cfg = cfg.optim_wrapper = None
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.param_scheduler = None
    work_dir = osp.join(args.work_dir, 'test', name)
    predictions = osp.join(work_dir, 'predictions')
    scores = test_model(cfg, checkpoint, work_dir=work_dir, out=predictions)
    return dict(mIoU=scores['mIoU'],
                Dice=scores['Dice'],
                predictions=predictions)


def table_rows(results: dict, stains) -> list:
    """One row per variant and stain, with the drop from the original."""
    rows = []
    for variant, _, _ in VARIANTS:
        base = results[variant][ORIGINAL]
        for stain in (ORIGINAL, *stains):
            scores = results[variant][stain]
            rows.append(
                dict(variant=variant,
                     stain=stain,
                     mIoU=scores['mIoU'],
                     Dice=scores['Dice'],
                     mIoU_drop=base['mIoU'] - scores['mIoU'],
                     Dice_drop=base['Dice'] - scores['Dice']))
    return rows


def mean_drops(rows: list) -> dict:
    """Mean held-out mIoU and Dice drop per variant."""
    drops = {}
    for variant, _, _ in VARIANTS:
        held_out = [
            r for r in rows
            if r['variant'] == variant and r['stain'] != ORIGINAL
        ]
        drops[variant] = dict(
            mIoU=float(np.mean([r['mIoU_drop'] for r in held_out])),
            Dice=float(np.mean([r['Dice_drop'] for r in held_out])))
    return drops


def write_tables(rows: list, drops: dict, out_dir: str, note: str) -> None:
    with open(osp.join(out_dir, 'stain_table.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = [
        '| variant | stain | mIoU | Dice | mIoU drop | Dice drop |',
        '| --- | --- | ---: | ---: | ---: | ---: |'
    ]
    lines += [
        f"| {r['variant']} | {r['stain']} | {r['mIoU']:.4f} | "
        f"{r['Dice']:.4f} | {r['mIoU_drop']:+.4f} | {r['Dice_drop']:+.4f} |"
        for r in rows
    ]
    baseline = drops[VARIANTS[0][0]]['mIoU']
    lines += [
        '', '| variant | mean held-out mIoU drop | mean held-out Dice drop '
        '| mIoU drop / (a)\'s |', '| --- | ---: | ---: | ---: |'
    ]
    lines += [
        f"| {variant} | {d['mIoU']:+.4f} | {d['Dice']:+.4f} | "
        f"{d['mIoU'] / baseline if baseline else float('nan'):.2f} |"
        for variant, d in drops.items()
    ]
    lines += ['', note]
    with open(osp.join(out_dir, 'stain_table.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


def acceptance_note(drops: dict) -> str:
    """Whether (b)'s mean held-out mIoU drop is at most half of (a)'s."""
    a = drops[VARIANTS[0][0]]['mIoU']
    b = drops[VARIANTS[1][0]]['mIoU']
    met = b <= a / 2
    return (f"Mean held-out mIoU drop: (a) {a:+.4f}, (b) {b:+.4f}: (b)'s "
            f"drop is {'at most' if met else 'MORE than'} half of (a)'s.")


def draw(args,
         results: dict,
         reference: dict,
         stains,
         out_path: str,
         side: int = 128) -> None:
    """Rows: the shown region under each stain; columns: image, image
    normalised, truth, and each variant's prediction."""
    palette = np.array(MTCHI_PALETTE, np.uint8)[:, ::-1]  # BGR
    titles = ['image', 'normalised', 'truth'] + [v for v, _, _ in VARIANTS]
    label_width, gap = 70, 4

    def cell(image, labels=False):
        interpolation = cv2.INTER_NEAREST if labels else cv2.INTER_AREA
        return cv2.resize(image, (side, side), interpolation=interpolation)

    rows = []
    for stain in (ORIGINAL, *stains):
        split = 'Test' if stain == ORIGINAL else f'Test-{stain}'
        image_path, mask_path = task2_regions(osp.join(args.data_root,
                                                       split))[args.show]
        image = cv2.imread(image_path)
        normalizer = MacenkoNormalizer(reference)
        normalizer.fit(np.ascontiguousarray(image[..., ::-1]))
        normalised = normalizer.apply(np.ascontiguousarray(
            image[..., ::-1]))[..., ::-1]
        name = osp.splitext(osp.basename(image_path))[0]
        cells = [
            cell(image),
            cell(np.ascontiguousarray(normalised)),
            cell(palette[cv2.imread(mask_path, cv2.IMREAD_UNCHANGED)], True)
        ]
        for variant, _, _ in VARIANTS:
            pred_dir = results[variant][stain]['predictions']
            pred = cv2.imread(osp.join(pred_dir, mtchi_mask_name(name)),
                              cv2.IMREAD_UNCHANGED)
            cells.append(cell(palette[pred], True))
        label = np.full((side, label_width, 3), 255, np.uint8)
        cv2.putText(label, stain, (4, side // 2), cv2.FONT_HERSHEY_SIMPLEX,
                    0.42, (0, 0, 0), 1, cv2.LINE_AA)
        row = [label]
        for c in cells:
            row += [np.full((side, gap, 3), 255, np.uint8), c]
        rows += [np.hstack(row), np.full((gap, 1, 3), 255, np.uint8)]
    width = rows[0].shape[1]
    rows = [np.broadcast_to(r, (r.shape[0], width, 3)) for r in rows]
    header = np.full((36, width, 3), 255, np.uint8)
    for i, title in enumerate(titles):
        x = label_width + gap + i * (side + gap)
        words = title.split(' ', 1) if len(title) > 18 else [title]
        for j, text in enumerate(words):
            cv2.putText(header, text, (x + 2, 14 + 14 * j),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 1,
                        cv2.LINE_AA)
    write_png(out_path, np.vstack([header, *rows])[..., ::-1])  # to RGB


def benchmark_stain(args) -> None:
    """The benchmark, end to end (see the module doc).

    Args:
        args (Namespace): The flags of :mod:`mmseg_hsp.cli.benchmark_stain`.

    Raises:
        FileNotFoundError: A data root without a split.
        RuntimeError: A training run failed.
    """
    start = time.time()
    os.makedirs(args.work_dir, exist_ok=True)
    torch.set_num_threads(1)  # as the training runs, see train_both
    stains = list(HELD_OUT_STAINS)
    with output_to(args.log):
        prepare_data(args, HELD_OUT_STAINS)
    seconds = dict(data=time.time() - start)
    say(f'data: {args.num_train} training regions, {args.num_test} test '
        f'regions under {ORIGINAL} and {", ".join(stains)} in '
        f'{args.data_root} ({seconds["data"]:.0f} s)')
    step = time.time()
    checkpoints = train_both(args)
    seconds['train'] = time.time() - step
    say(f'(a) and (b) trained in {seconds["train"] / 60:.1f} min')
    step = time.time()
    with output_to(args.log):
        reference = reference_stain(args)
    with open(osp.join(args.work_dir, 'reference_stain.json'), 'w') as f:
        json.dump(reference, f, indent=1)
    results = {}
    for variant, model, normalise in VARIANTS:
        results[variant] = {}
        for stain in (ORIGINAL, *stains):
            with output_to(args.log):
                scores = test(args, model, checkpoints[model], stain,
                              reference if normalise else None)
            results[variant][stain] = scores
            say(f'{variant} on {stain}: mIoU {scores["mIoU"]:.4f}, Dice '
                f'{scores["Dice"]:.4f}')
    seconds['test'] = time.time() - step
    rows = table_rows(results, stains)
    drops = mean_drops(rows)
    note = acceptance_note(drops)
    write_tables(rows, drops, args.work_dir, note)
    picture = osp.join(args.work_dir, 'stain_predictions.png')
    draw(args, results, reference, stains, picture)
    seconds['total'] = time.time() - start
    with open(osp.join(args.work_dir, 'stain_results.json'), 'w') as f:
        json.dump(dict(results=results,
                       mean_held_out_drop=drops,
                       reference_stain=reference,
                       iterations=args.max_iters or config_iterations(),
                       seconds={
                           k: round(v, 1)
                           for k, v in seconds.items()
                       }),
                  f,
                  indent=1)
    say(note)
    say(f'written: {args.work_dir}/stain_table.md, stain_table.csv, '
        f'stain_results.json, {osp.basename(picture)}; total '
        f'{seconds["total"] / 60:.1f} min')
