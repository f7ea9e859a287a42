"""Tables like the paper's Table 5 (and Table 2) from training/test runs.

Every run that mmengine records in a work dir (``<work_dir>/<timestamp>/``)
carries its own config (``vis_data/config.py``) and results: a test run
(the test tool, ``mmseg_hsp.apis.test_model``) writes
``<timestamp>.json``, a training run the validation scores in
``vis_data/scalars.json`` (the last, i.e. the final epoch's, is used, as
the paper keeps the 30th epoch). Each row is read from
one run:

- Network, Parameters: from the run's model config, the model built and
  its parameters counted without the training-only auxiliary head;
- Variant: ``zoo`` (mmseg's model), ``paper-sized`` (the configs sized to
  the paper's Table 5), ``paper design`` (the paper's kind of network at
  another size) or empty (HSP-Net), see :func:`variant`;
- Loss: the decode head's loss;
- Post: the run's ``model.test_cfg`` through :data:`POST_MARKS`: ``x`` is
  the paper's protocol (patches stitched without overlap), ``x (whole
  region)`` one pass over a whole region, which is not;
- Dice, mIoU, AP: :class:`mmseg_hsp.evaluation.MTCHIMetric`'s scores.

Per work dir and Post mark the latest run is kept. Runs whose evaluated
split file names a fold (``.../fold<k>_test.txt``, written by
``mmseg-hsp-convert-mtchi --folds``) go to a cross-validation
table instead, as mean +- sample standard deviation over folds (Table 2).
The paper's numbers are added as reference rows, marked as such.

Its flags: :mod:`mmseg_hsp.cli.table5` (``mmseg-hsp-table5``).
"""
import csv
import io
import json
import os
import os.path as osp
import re
from collections import defaultdict
from typing import List, Optional, Tuple

import numpy as np

METRICS = ('Dice', 'mIoU', 'AP')
# test_cfg mode -> Post mark. Non-overlapping stitching of patches is the
# paper's "x" (Section 4.5); whole-region inference has no post-processing
# either but is not the paper's protocol (the global pooling of DS-Blocks
# and ASPP sees a context training never showed), so it is labelled.
# Blending overlapping windows is post-processing. New test modes register
# their mark here.
POST_MARKS = {
    'whole': 'x (whole region)',
    'none': 'x',
    'gauss': '✓ (gauss)',
    'mean': '✓ (mean)',
}
HEAD_NAMES = {
    'HSPHead': 'HSP-Net',
    'DepthwiseSeparableASPPHead': 'DeepLab v3+',
    'DeepLabV3PlusHead': 'DeepLab v3+',
    'ASPPHead': 'DeepLab v3',
    'FCNHead': 'FCN',
    'PSPHead': 'PSPNet',
    'UPerHead': 'UPerNet',
}
LOSS_NAMES = {
    'CrossEntropyLoss': 'CE-Loss',
    'AdaptiveElasticLoss': 'AE-Loss',
    'DiceLoss': 'Dice-Loss',
    'FocalLoss': 'Focal-Loss',
    'LovaszLoss': 'Lovasz-Loss',
}
# Paper, Table 5: network, parameters (M), loss, post, Dice, mIoU, AP.
PAPER_TABLE5 = [
    ('FCN32s', 18.64, 'CE-Loss', 'x', 0.3882, 0.2749, 0.4231),
    ('U-Net', 31.03, 'CE-Loss', 'x', 0.4015, 0.2820, 0.4739),
    ('ENS-UNet', 34.18, 'CE-Loss', 'x', 0.4195, 0.3039, 0.4811),
    ('FCN16s', 18.64, 'CE-Loss', 'x', 0.4308, 0.3214, 0.4508),
    ('HookNet', 48.97, 'CE-Loss', 'x', 0.4652, 0.3218, 0.4382),
    ('Res-UNet', 65.45, 'CE-Loss', 'x', 0.5059, 0.3770, 0.5690),
    ('SegNet', 28.44, 'CE-Loss', 'x', 0.5260, 0.4016, 0.6118),
    ('UNET 3+', 26.98, 'CE-Loss', 'x', 0.5600, 0.4122, 0.5721),
    ('DeepLab v3+', 59.34, 'CE-Loss', 'x', 0.6445, 0.5091, 0.6921),
    ('DeepLab v3+', 59.34, 'AE-Loss', 'x', 0.7002, 0.5569, 0.7233),
    ('Ensemble-A', 59.35, 'CE-Loss', 'x', 0.7060, 0.5626, 0.7362),
    ('Ensemble-B', 84.13, 'CE-Loss', 'x', 0.7261, 0.5829, 0.7492),
    ('Ensemble-C', 84.13, 'CE-Loss', 'x', 0.7321, 0.5910, 0.7477),
    ('HSP-Net', 69.70, 'AE-Loss', 'x', 0.7517, 0.6150, 0.7646),
    ('TriUpSegNet-A', 60.06, 'DC-Loss', '✓ (gauss)', 0.7395, 0.6030, 0.7628),
    ('TriUpSegNet-A', 59.47, 'DC-Loss', '✓ (gauss)', 0.7413, 0.6043, 0.7620),
    ('Ensemble-A', 59.35, 'CE-Loss', '✓ (mean)', 0.7559, 0.6255, 0.7930),
    ('Ensemble-B', 84.13, 'CE-Loss', '✓ (mean)', 0.7699, 0.6404, 0.8004),
    ('Ensemble-C', 84.13, 'CE-Loss', '✓ (mean)', 0.7700, 0.6403, 0.7930),
    ('HSP-Net', 69.70, 'AE-Loss', '✓ (gauss)', 0.7822, 0.6549, 0.7976),
]
# Paper, Table 4 (HSP-Net's encoder and loss), as Table 5's rows.
PAPER_TABLE4 = [
    ('HSP-Net (R-34)', None, 'CE-Loss', 'x', 0.6845, 0.5421, 0.7004),
    ('HSP-Net (R-101)', None, 'CE-Loss', 'x', 0.7390, 0.5998, 0.7533),
    ('HSP-Net (R-101)', None, 'AE-Loss', 'x', 0.7517, 0.6150, 0.7646),
]
# Paper, Table 2 (4-fold cross-validation): network, loss, post, then
# (mean, std) of Dice, mIoU, AP.
PAPER_TABLE2 = [
    ('DeepLab v3+', 'CE-Loss', 'x', (0.5033, 0.1218), (0.3678, 0.1098),
     (0.5611, 0.0984)),
    ('HSP-Net', 'CE-Loss', 'x', (0.5125, 0.1551), (0.3856, 0.1457), (0.5693,
                                                                     0.1306)),
    ('TriUpSegNet-A', 'DC-Loss', '✓ (gauss)', (0.5321, 0.1473),
     (0.4065, 0.1399), (0.5913, 0.1363)),
    ('TriUpSegNet-B', 'DC-Loss', '✓ (gauss)', (0.5343, 0.1458),
     (0.4048, 0.1389), (0.5967, 0.1261)),
    ('HSP-Net', 'AE-Loss', '✓ (gauss)', (0.5416, 0.1681), (0.4186, 0.1624),
     (0.6086, 0.1353)),
]
TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')
FOLD = re.compile(r'fold(\d+)')


def paper_x_miou(network: str, loss: str, table=PAPER_TABLE5) -> float:
    """The paper's 'x' mIoU of a network and loss in one of its tables.

    Raises:
        KeyError: The table has no such row.
    """
    for name, _, row_loss, post, _, miou, _ in table:
        if (name, row_loss, post) == (network, loss, 'x'):
            return miou
    raise KeyError(f'{network} {loss} x')


def post_mark(test_cfg: dict) -> str:
    """The Post column for a model's ``test_cfg``.

    Args:
        test_cfg (dict): ``model.test_cfg`` of the run.

    Returns:
        str: ``x`` without post-processing, ``✓ (<kind>)`` with it.
    """
    mode = test_cfg.get('mode', 'whole')
    if mode == 'slide':
        # mmseg's slide mode averages overlapping windows, i.e. 'mean'.
        overlap = any(s < c for s, c in zip(
            np.broadcast_to(test_cfg['stride'], 2),
            np.broadcast_to(test_cfg['crop_size'], 2)))
        mode = 'mean' if overlap else 'none'
    return POST_MARKS.get(mode, f'? ({mode})')


def network_name(model: dict) -> str:
    """e.g. ``HSP-Net (R-101)``, ``U-Net`` from a model config."""
    backbone = model['backbone']
    if backbone['type'] == 'UNet':
        return 'U-Net'
    head = model['decode_head']
    if head['type'] == 'FCNSkipHead':
        # Long et al.'s names: the stride of the finest scored output.
        name = f'FCN-{32 // 2**(len(head["in_index"]) - 1)}s'
    else:
        name = HEAD_NAMES.get(head['type'], head['type'])
    if 'ResNet' in backbone['type']:
        name += f' (R-{backbone["depth"]})'
    return name


def variant(model: dict) -> str:
    """Which version of a baseline a model config is.

    Returns:
        str: ``paper-sized`` for the configs sized to the paper's Table 5
        (``DeepLabV3PlusHead``; a U-Net without norm layers, the original),
        ``paper design`` for the paper's kind of network at another size
        (FCN-32s/16s of Long et al. on HSP-Net's ResNet, ``FCNSkipHead``:
        no FCN comes to the paper's 18.64M), ``zoo`` for mmseg's own
        models, ``''`` for HSP-Net.
    """
    head = model['decode_head']['type']
    if head == 'HSPHead':
        return ''
    if head == 'FCNSkipHead':
        return 'paper design'
    if head == 'DeepLabV3PlusHead' or (model['backbone']['type'] == 'UNet' and
                                       model['backbone'].get('norm_cfg')
                                       is None):
        return 'paper-sized'
    return 'zoo'


def loss_name(model: dict) -> str:
    """The decode head's loss(es), e.g. ``AE-Loss``."""
    losses = model['decode_head']['loss_decode']
    losses = losses if isinstance(losses, (list, tuple)) else [losses]
    return '+'.join(
        LOSS_NAMES.get(loss['type'], loss['type']) for loss in losses)


def count_parameters(cfg, model: dict) -> float:
    """Parameters (M) of ``model`` (a config dict of ``cfg``'s scope) used
    at inference (no auxiliary head)."""
    from mmengine.registry import init_default_scope

    from mmseg.registry import MODELS
    from ..models.utils import count_params
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    return count_params(MODELS.build(model)) / 1e6


def tested_segmentor(model: dict) -> Tuple[dict, bool]:
    """The segmentor of a run's model config, and whether it ran with TTA.

    The test tool's ``--tta`` records mmseg's ``SegTTAModel`` with the
    segmentor as its ``module``; its rows are the segmentor's, marked.
    """
    if 'module' in model:
        return model['module'], True
    return model, False


def run_results(run_dir: str) -> Optional[dict]:
    """The scores of one run: its test json, else its last validation."""
    name = osp.basename(run_dir)
    test_json = osp.join(run_dir, f'{name}.json')
    if osp.isfile(test_json):
        with open(test_json) as f:
            scores = json.load(f)
        if 'mIoU' in scores:
            return dict(scores, split='test')
    scalars = osp.join(run_dir, 'vis_data', 'scalars.json')
    if osp.isfile(scalars):
        with open(scalars) as f:
            validations = [json.loads(line) for line in f if '"mIoU"' in line]
        if validations:
            return dict(validations[-1], split='val')
    return None


def read_runs(work_dir: str) -> List[dict]:
    """One row per (work dir, Post mark): the latest run with results."""
    from mmengine.config import Config
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'{work_dir}: no such work dir')
    rows, unexplained = {}, []
    for name in sorted(os.listdir(work_dir)):
        run_dir = osp.join(work_dir, name)
        config = osp.join(run_dir, 'vis_data', 'config.py')
        if not TIMESTAMP.match(name):
            continue
        results = run_results(run_dir)
        if results and not osp.isfile(config):
            unexplained.append(name)
        if not (osp.isfile(config) and results):
            continue
        cfg = Config.fromfile(config)
        loader = cfg.get(f'{results["split"]}_dataloader')
        fold = FOLD.search(str(loader['dataset'].get('ann_file', '')))
        model, tta = tested_segmentor(cfg.model)
        post = post_mark(model.get('test_cfg', {}))
        row = dict(
            network=network_name(model),
            variant=variant(model),
            params=count_parameters(cfg, model),
            loss=loss_name(model),
            post=f'{post} + TTA' if tta else post,
            fold=int(fold.group(1)) if fold else None,
            seed=cfg.get('randomness', {}).get('seed'),
            source=f'{osp.normpath(work_dir)} ({name}, {results["split"]})',
            **{m: float(results[m])
               for m in METRICS})
        rows[row['post']] = row  # later runs replace earlier ones
    if not rows and unexplained:
        raise FileNotFoundError(
            f'{work_dir}: runs {", ".join(unexplained)} have scores but no '
            'vis_data/config.py (mmseg\'s own test tool with --show-dir '
            'writes it into the show dir: copy <show_dir>/vis_data/config.py '
            'there, '
            'or test with this package\'s test tool, which keeps it)')
    if not rows:
        raise FileNotFoundError(
            f'{work_dir}: no run with MTCHIMetric results (a <timestamp>/ '
            'folder with vis_data/config.py and scores)')
    return list(rows.values())


def fold_means(rows: List[dict], over: str = 'fold') -> List[dict]:
    """Mean and sample std over folds (or seeds), per network/loss/post.

    Args:
        rows (list[dict]): Rows of :func:`read_runs`.
        over (str): ``'fold'`` or ``'seed'``: the key that tells the runs
            of one model apart.

    Returns:
        list[dict]: One row per network/variant/loss/post, with ``(mean,
        std)`` scores and the count of folds (seeds) in ``folds``.
    """
    groups = defaultdict(list)
    for row in rows:
        groups[(row['network'], row.get('variant', ''), row['params'],
                row['loss'], row['post'])].append(row)
    means = []
    for (network, variant_name, params, loss, post), members in groups.items():
        folds = sorted(r[over] for r in members)
        if len(set(folds)) != len(folds):
            raise ValueError(f'{network} {loss} {post}: {over} {folds} '
                             f'evaluated twice; give one work dir per {over}')
        stats = {}
        for m in METRICS:
            values = np.array([r[m] for r in members])
            std = values.std(ddof=1) if len(values) > 1 else float('nan')
            stats[m] = (values.mean(), std)
        means.append(
            dict(
                network=network,
                variant=variant_name,
                params=params,
                loss=loss,
                post=post,
                folds=len(folds),
                source='ours',
                **stats))
    return means


def markdown(header: List[str], lines: List[List[str]]) -> str:
    """A Markdown table."""
    out = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join('---' for _ in header) + '|'
    ]
    out += ['| ' + ' | '.join(line) + ' |' for line in lines]
    return '\n'.join(out) + '\n'


def table5(rows: List[dict], with_paper: bool):
    """Header and lines of the Table 5 comparison."""
    header = [
        'Network', 'Variant', 'Parameters', 'Loss', 'Post', *METRICS, 'Source'
    ]
    lines = [[
        r['network'], r['variant'], f'{r["params"]:.2f}M', r['loss'],
        r['post'], *(f'{r[m]:.4f}' for m in METRICS), r['source']
    ] for r in rows]
    if with_paper:
        lines += [[
            network, 'paper', f'{params:.2f}M', loss, post,
            *(f'{v:.4f}' for v in scores), 'paper (Table 5)'
        ] for network, params, loss, post, *scores in PAPER_TABLE5]
    return header, lines


def table2(means: List[dict], with_paper: bool):
    """Header and lines of the cross-validation comparison."""
    header = [
        'Network', 'Parameters', 'Loss', 'Post', *METRICS, 'Folds', 'Source'
    ]
    lines = [[
        r['network'], f'{r["params"]:.2f}M', r['loss'], r['post'],
        *(f'{r[m][0]:.4f} ± {r[m][1]:.4f}' for m in METRICS),
        str(r['folds']), r['source']
    ] for r in means]
    if with_paper:
        lines += [[
            network, '', loss, post, *(f'{mean:.4f} ± {std:.4f}'
                                       for mean, std in scores), '4',
            'paper (Table 2)'
        ] for network, loss, post, *scores in PAPER_TABLE2]
    return header, lines


def to_csv(header: List[str], lines: List[List[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(lines)
    return out.getvalue()


def report_tables(work_dirs: List[str], with_paper: bool) -> dict:
    """The tables of a set of work dirs.

    Args:
        work_dirs (list[str]): Work dirs of runs.
        with_paper (bool): Add the paper's rows.

    Returns:
        dict: ``'table5'`` (runs without a fold) and ``'crossval'`` (runs
        on folds, :func:`fold_means`), those that have rows, each a
        ``(header, lines)`` pair.

    Raises:
        FileNotFoundError: A work dir without runs with results.
        ValueError: A fold evaluated twice.
    """
    rows = [row for wd in work_dirs for row in read_runs(wd)]
    single = [r for r in rows if r['fold'] is None]
    tables = {}
    if single:
        tables['table5'] = table5(single, with_paper)
    folded = [r for r in rows if r['fold'] is not None]
    if folded:
        tables['crossval'] = table2(fold_means(folded), with_paper)
    return tables
