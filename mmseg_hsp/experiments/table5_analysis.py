"""Table 5 read from its results: means, the test of rows apart, the
conclusions, and the learning curves.

Everything here works from a table's *summary* (``<table>_summary.json``,
written by :mod:`mmseg_hsp.experiments.table5` beside the table): per row,
per seed, its learning curve ('x' mIoU at each saved checkpoint) and, for
the final checkpoint in both protocols, the metric's scores and one
confusion matrix per test region. A committed summary (``docs/table5/``)
thus regenerates the table's numbers and its conclusions without the runs.

Rows apart: :func:`mmseg_hsp.evaluation.bootstrap.compare_rows` on every
pair of rows, one family per reading ('x' and 'Post' are two readings of
the same models, each corrected for its own pairs by Bonferroni; a pair
apart in both is not confirmed twice).
"""
import base64
import json
import os.path as osp
import re
from itertools import combinations
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..evaluation.bootstrap import (bonferroni, bootstrap_miou, compare_rows,
                                    interval, resample_seeds,
                                    resample_weights, seed_region_scores,
                                    two_level_samples)
from ..datasets import mtchi_mask_name
from ..datasets.mtchi_patches import task2_regions
from ..visualization import draw_prediction_grid
from . import table5_report

# Protocol -> test_cfg.mode (Section 4.5).
MODES = {'x': 'none', 'post': 'gauss'}
# Bootstrap samples over test regions (the same draws for every row).
BOOTSTRAP_DRAWS = 2000
# Family-wise error of the test of rows apart, per reading.
ALPHA = 0.05
FAMILY_LEVEL = f'{(1 - ALPHA) * 100:.0f} %'
# The order has settled when, over the last quarter of the schedule, no
# row's mean 'x' mIoU moves by more than this, and no pair of the paper's
# rows that the test finds apart in 'x' at the end changes its order: rows
# within noise have no order to keep (two equal rows swap at any length).
SETTLED_MOVE = 0.01
SETTLED_SHARE = 0.25
# A schedule's unit (mmengine's checkpoint names) -> how a line names it.
UNIT_NAMES = {'iter': 'iteration', 'epoch': 'epoch'}
# A table's name -> its conclusions block.
CONCLUSION_NAMES = {'table5': 'main', 'ablations': 'ablations'}
# Markers around a generated block (``conclusions``, ``lengths``): the
# README quotes the block, a test checks it.
BLOCK_MARKERS = ('<!-- table5-{kind}:{name} -->',
                 '<!-- /table5-{kind}:{name} -->')


def load_summary(path: str) -> dict:
    """A table's summary (see the module doc)."""
    with open(path) as f:
        return json.load(f)


def reading(protocol: str) -> str:
    """The Post column's mark of a protocol (``'x'``, ``'✓ (gauss)'``)."""
    return table5_report.POST_MARKS[MODES[protocol]]


def row_means(summary: dict) -> List[dict]:
    """Per row and protocol, in row order: mean +- sample std over seeds,
    the region interval of the mean, and what the test of rows apart needs.

    Returns:
        list[dict]: ``row``, ``network``, ``variant``, ``params``,
        ``loss``, ``post``, ``folds`` (seeds), ``seeds``, ``Dice`` /
        ``mIoU`` / ``AP`` as ``(mean, std)``, ``ci`` (95 % over test
        regions, seed mean), ``paper`` (the paper's 'x' mIoU or None),
        ``full`` (per-seed mIoU) and ``samples`` (the row's two-level
        bootstrap draws, :func:`two_level_samples`).

    Raises:
        ValueError: Runs scored on different numbers of test regions.
    """
    weights = resample_weights(summary['regions'], BOOTSTRAP_DRAWS)
    out = []
    for index, row in enumerate(summary['rows']):
        runs = row['runs']
        picks = resample_seeds(len(runs), BOOTSTRAP_DRAWS, seed=index + 1)
        for protocol in MODES:
            confusions = np.array([run[protocol]['regions'] for run in runs],
                                  dtype=np.int64)
            scores = {
                m: np.array([run[protocol][m] for run in runs])
                for m in table5_report.METRICS
            }
            stats = {
                m: (v.mean(), v.std(ddof=1) if len(v) > 1 else float('nan'))
                for m, v in scores.items()
            }
            out.append(
                dict(
                    stats,
                    row=row['title'],
                    network=row['network'],
                    variant=row['variant'],
                    params=row['params'],
                    loss=row['loss'],
                    post=reading(protocol),
                    folds=len(runs),
                    seeds=[run['seed'] for run in runs],
                    paper=row.get('paper_miou'),
                    ci=interval(bootstrap_miou(confusions, weights)),
                    full=scores['mIoU'],
                    samples=two_level_samples(
                        seed_region_scores(confusions, weights), picks)))
    return out


def ordered(means: List[dict]) -> Dict[str, List[dict]]:
    """Per reading (Post mark), its rows by mean mIoU, highest first."""
    return {
        post: sorted((r for r in means if r['post'] == post),
                     key=lambda r: -r['mIoU'][0])
        for post in dict.fromkeys(r['post'] for r in means)
    }


def pair_verdicts(rows: List[dict]) -> Dict[Tuple[str, str], object]:
    """The test of every pair of one reading's rows, as one family.

    Args:
        rows (list[dict]): One reading's rows, highest mean first
            (:func:`ordered`).

    Returns:
        dict: ``(higher, lower)`` titles -> its
        :class:`~mmseg_hsp.evaluation.bootstrap.Verdict`, in order.
    """
    pairs = list(combinations(rows, 2))
    verdicts = bonferroni([
        compare_rows(a['full'], b['full'], a['samples'], b['samples'])
        for a, b in pairs
    ], ALPHA)
    return {(a['row'], b['row']): v for (a, b), v in zip(pairs, verdicts)}


def ranking(means: List[dict]) -> List[str]:
    """Per reading, the rows by mean mIoU, ``>`` between neighbours apart
    (:func:`pair_verdicts`), ``~`` between neighbours that are not."""
    lines = []
    for post, rows in ordered(means).items():
        verdicts = pair_verdicts(rows)
        text = ''
        for i, row in enumerate(rows):
            if i:
                apart = verdicts[(rows[i - 1]['row'], row['row'])].apart
                text += ' > ' if apart else ' ~ '
            text += f'{row["row"]} {row["mIoU"][0]:.4f}'
        lines.append(f'- Post {post}: {text}')
    return lines


def pair_table(means: List[dict]):
    """Header and lines: every pair of each reading, its difference, the
    corrected interval and p-value, and the verdict."""
    header = [
        'Post', 'Higher', 'Lower', 'Δ mIoU', 'Δ interval (family-wise 95 %)',
        'p (Bonferroni)', 'Apart'
    ]
    lines = []
    for post, rows in ordered(means).items():
        for (above, below), v in pair_verdicts(rows).items():
            if np.isnan(v.p):
                shown = ['n/a (one seed)', 'n/a']
            else:
                shown = [f'[{v.low:+.4f}, {v.high:+.4f}]', f'{v.p:.3f}']
            lines.append([
                post, above, below, f'{v.difference:+.4f}', *shown,
                'yes' if v.apart else 'no'
            ])
    return header, lines


def paper_order(rows: List[dict]) -> List[Tuple[str, str]]:
    """Pairs of rows the paper orders: ``(higher, lower)`` by its 'x'
    mIoU (Tables 4 and 5), higher-ranked pairs first."""
    ranked = sorted((r for r in rows if r['paper'] is not None),
                    key=lambda r: -r['paper'])
    return [(a['row'], b['row']) for a, b in combinations(ranked, 2)
            if a['paper'] != b['paper']]


def conclusions(means: List[dict], name: str,
                curves_verdict: Optional[str] = None) -> str:
    """The conclusions, as sentences generated from the test, between the
    README's markers (:data:`BLOCK_MARKERS`).

    Args:
        means (list[dict]): :func:`row_means`.
        name (str): The block's name (``main``, ``ablations``).
        curves_verdict (str, optional): :func:`settled`'s line, the last
            sentence: whether this order may still change with length.

    Returns:
        str: The marked Markdown block.
    """
    readings = ordered(means)
    pairs = len(next(iter(readings.values())))
    pairs = pairs * (pairs - 1) // 2
    if not pairs:
        # a part of a table (one row): its rows are tested once merged
        lines = ['One row: no pair to test. Merge the parts of a table with '
                 '`python tools/analysis/table5.py --summary PART ...`.']
        if curves_verdict:
            lines.append(f'- Learning curves: {curves_verdict}')
        return marked_block(lines, 'conclusions', name)
    pairs = f'{pairs} pair' + ('' if pairs == 1 else 's')
    lines = [
        "'x' and 'Post' are two readings of the same models, each one "
        f'family of {pairs} tested together (paired two-level '
        'bootstrap over seeds and test regions, t reference, Bonferroni: '
        f'{FAMILY_LEVEL} family-wise); a pair apart in both is not '
        'confirmed twice.', ''
    ]
    for post, rows in readings.items():
        name_of = "'x'" if post == 'x' else f"'Post' ({post})"
        verdicts = pair_verdicts(rows)
        apart = [f'{a} > {b} ({v.difference:+.4f}, [{v.low:+.4f}, '
                 f'{v.high:+.4f}])' for (a, b), v in verdicts.items()
                 if v.apart]
        # The pairs within noise are all the others: named by count, as
        # a list of 28 pairs hides the few apart (each pair is in the
        # table's pair list).
        lines.append(f"- {name_of}: apart: {'; '.join(apart) or 'no pair'}."
                     f' Within noise: {_the_others(apart, len(verdicts))}.')
        order = {'reproduced': [], 'reversed': [], 'not resolved': []}
        for high, low in paper_order(rows):
            if (high, low) in verdicts and verdicts[(high, low)].apart:
                order['reproduced'].append(f'{high} > {low}')
            elif (low, high) in verdicts and verdicts[(low, high)].apart:
                order['reversed'].append(f'{high} > {low}')
            else:
                order['not resolved'].append(f'{high} > {low}')
        if any(order.values()):
            resolved = order['reproduced'] + order['reversed']
            unresolved = len(order['not resolved'])
            order['not resolved'] = [
                _the_others(resolved, len(resolved) + unresolved)
            ] if unresolved else []
            lines.append(
                f"- The paper's order ('x' mIoU, Tables 4-5) in {name_of}: " +
                '; '.join(f'{verdict}: {", ".join(items)}'
                          for verdict, items in order.items() if items) +
                '.')
    if curves_verdict:
        lines.append(f'- Learning curves: {curves_verdict}')
    return marked_block(lines, 'conclusions', name)


def marked_block(lines: List[str], kind: str, name: str) -> str:
    """``lines`` between the markers of a generated block."""
    start, end = (m.format(kind=kind, name=name) for m in BLOCK_MARKERS)
    return '\n'.join([start, *lines, end]) + '\n'


def _the_others(named: List[str], total: int) -> str:
    """The pairs not named, by count: ``'the other 26 pairs'``."""
    rest = total - len(named)
    if rest == 0:
        return 'no pair'
    pairs = 'pair' if rest == 1 else 'pairs'
    if not named:
        return f'all {rest} {pairs}' if rest > 1 else f'the {pairs}'
    return f'the other {rest} {pairs}'


def summary_conclusions(summary: dict,
                        means: Optional[List[dict]] = None) -> str:
    """:func:`conclusions` of a table's summary, its learning curves'
    verdict (:func:`settled`) included: the block the README quotes."""
    means = row_means(summary) if means is None else means
    return conclusions(means, CONCLUSION_NAMES[summary['table']],
                       settled(summary, means)[1])


def quoted_block(text: str, name: str,
                 kind: str = 'conclusions') -> Optional[str]:
    """The block between the markers in ``text`` (markers included), or
    None where they are absent."""
    start, end = (m.format(kind=kind, name=name) for m in BLOCK_MARKERS)
    if start not in text or end not in text:
        return None
    return text[text.index(start):text.index(end) + len(end)] + '\n'


def quote_blocks(text: str, generated: str) -> Tuple[str, List[str]]:
    """``text`` with every block it quotes replaced by the block of the
    same kind and name in ``generated`` (a table's or a comparison's
    Markdown): how the README is brought up to a new measurement.

    Returns:
        tuple[str, list[str]]: The new text, and the ``kind:name`` of
        each block replaced, in ``generated``'s order.

    Raises:
        ValueError: A block of ``text`` has lost one of its markers.
    """
    start = BLOCK_MARKERS[0].format(kind=r'([\w-]+)', name=r'([\w-]+)')
    replaced = []
    for kind, name in re.findall(start, generated):
        first, last = (m.format(kind=kind, name=name) for m in BLOCK_MARKERS)
        if first not in text and last not in text:
            continue
        # a block with one marker lost would otherwise stay stale unseen
        if first not in text or last not in text or \
                text.index(last) < text.index(first):
            raise ValueError(f'{first} and {last} are not both there, in '
                             'that order; mend the markers, then run again')
        block = quoted_block(generated, name, kind).rstrip('\n')
        text = (text[:text.index(first)] + block +
                text[text.index(last) + len(last):])
        replaced.append(f'{kind}:{name}')
    return text, replaced


def curves(summary: dict) -> Dict[str, Dict[int, np.ndarray]]:
    """Per row title: checkpoint -> the seeds' 'x' mIoU there."""
    out = {}
    for row in summary['rows']:
        points = sorted({int(k) for run in row['runs'] for k in run['curve']})
        out[row['title']] = {
            k: np.array([run['curve'][str(k)] for run in row['runs']
                         if str(k) in run['curve']])
            for k in points
        }
    return out


def order_at_points(summary: dict):
    """Header and lines: at each checkpoint, the rows by mean 'x' mIoU."""
    per_row = curves(summary)
    points = sorted({k for c in per_row.values() for k in c})
    lines = []
    for k in points:
        means = sorted(((c[k].mean(), title) for title, c in per_row.items()
                        if k in c),
                       reverse=True)
        lines.append([
            str(k), ', '.join(f'{title} {mean:.4f}' for mean, title in means)
        ])
    return [UNIT_NAMES[summary['unit']].capitalize(),
            "Rows by mean 'x' mIoU"], lines


def settled(summary: dict,
            means: Optional[List[dict]] = None) -> Tuple[bool, str]:
    """Whether the order has settled by the end of the schedule.

    Over the last quarter of the schedule (checkpoints at or after 3/4 of
    its length): no row's mean 'x' mIoU may move by more than
    :data:`SETTLED_MOVE` (highest minus lowest), and no pair of the
    paper's rows that the test finds apart in 'x' at the end may change
    its order. Pairs within noise that swap are named, not counted: the
    table reports no order for them, and equal rows would swap at any
    length, so no schedule could settle them.

    Args:
        summary (dict): The table's summary.
        means (list[dict], optional): :func:`row_means` of it, where
            already computed.

    Returns:
        tuple[bool, str]: The verdict, and one line that says which rows
        and pairs have not settled (or why it cannot tell).
    """
    length = summary['max_iters']
    unit = UNIT_NAMES[summary['unit']]
    per_row = curves(summary)
    last = sorted({
        k
        for c in per_row.values() for k in c
        if k >= (1 - SETTLED_SHARE) * length
    })
    if len(last) < 2:
        return False, (f'Settled: cannot tell, fewer than two curve points '
                       f'in the last quarter of {length} {unit}s; pass '
                       '--curve-points 4 or more (or a longer schedule).')
    curve_means = {
        title: np.array([c[k].mean() for k in last])
        for title, c in per_row.items() if all(k in c for k in last)
    }
    moving = [f'{t} ({np.ptp(m):.4f})' for t, m in curve_means.items()
              if np.ptp(m) > SETTLED_MOVE]
    paper = {row['title']: row.get('paper_miou') for row in summary['rows']}
    ranked = sorted((t for t in curve_means if paper.get(t) is not None),
                    key=lambda t: -paper[t])
    signs = {(a, b): np.sign(curve_means[a] - curve_means[b])
            for a, b in combinations(ranked, 2)}
    swapping = [pair for pair, sign in signs.items()
                if len(set(sign) - {0}) > 1]
    means = row_means(summary) if means is None else means
    winners = _apart_winners(means)[reading('x')]
    swapped = [f'{a} / {b}' for a, b in swapping if winners[frozenset((a, b))]]
    tied = [f'{a} / {b}' for a, b in swapping
            if not winners[frozenset((a, b))]]
    ties = (f" ({', '.join(tied)}: within noise in 'x', "
            f"{'swaps' if len(tied) == 1 else 'swap'}, not counted)"
            if tied else '')
    span = f'{unit}s {last[0]}-{last[-1]} of {length}'
    if not moving and not swapped:
        return True, (f'Settled over the last quarter ({span}): no row '
                      f"moves by more than {SETTLED_MOVE} in mean 'x' "
                      "mIoU and no pair of the paper's rows apart in 'x' "
                      f'changes order{ties}.')
    return False, (
        f'Not settled over the last quarter ({span}): rows moving by more '
        f"than {SETTLED_MOVE} in mean 'x' mIoU: "
        f'{", ".join(moving) or "none"}; pairs of the paper\'s rows apart '
        f"in 'x' that change order: {', '.join(swapped) or 'none'}{ties}. "
        'A longer --max-iters may change the order.')


def _apart_winners(means: List[dict]) -> Dict[str, Dict[frozenset, str]]:
    """Per reading, every pair -> the row it finds higher, or '' where
    the pair is within noise (whichever mean happens to be higher)."""
    return {
        post: {
            frozenset(pair): pair[0] if v.apart else ''
            for pair, v in pair_verdicts(rows).items()
        }
        for post, rows in ordered(means).items()
    }


# What two summaries of one table share but their length: a verdict that
# changed between summaries differing in any of these (bfloat16 against
# float32, another test set) would not be the length's doing.
TABLE_KEYS = ('table', 'preset', 'unit', 'precision', 'regions')


def length_changes(before: dict, after: dict) -> List[str]:
    """What training longer changed: two summaries of the same rows and
    seeds at two lengths, read with the one test of rows apart.

    Args:
        before (dict): The shorter schedule's summary.
        after (dict): The longer one's.

    Returns:
        list[str]: One line on the rows' mean 'x' mIoU moves, then per
        reading the pairs whose verdict differs (apart one way, the other
        way, or within noise), each as ``<before> -> <after>``, or that
        none does, and whether the conclusions hold between the lengths
        (no verdict changes in either reading).

    Raises:
        ValueError: The summaries differ in more than their length
            (:data:`TABLE_KEYS`: table, preset, precision, test set), have
            different rows, or a row was measured on different seeds (a
            verdict would then change with the seeds, not with the length).
    """
    differ = [k for k in TABLE_KEYS if before.get(k) != after.get(k)]
    if differ:
        raise ValueError(
            'the two summaries differ in more than their length: ' +
            ', '.join(f'{k} {before.get(k)} and {after.get(k)}'
                      for k in differ) + '; compare tables run with the same '
            'preset, --amp and test set')
    titles = [[r['title'] for r in s['rows']] for s in (before, after)]
    if sorted(titles[0]) != sorted(titles[1]):
        raise ValueError(f'the two summaries have different rows: '
                         f'{titles[0]} and {titles[1]}')
    seeds = [{r['title']: sorted(run['seed'] for run in r['runs'])
              for r in s['rows']} for s in (before, after)]
    differ = [f'{t} (seeds {seeds[0][t]} and {seeds[1][t]})'
              for t in titles[1] if seeds[0][t] != seeds[1][t]]
    if differ:
        raise ValueError('the two summaries measured rows on different '
                         f'seeds: {", ".join(differ)}; compare runs of the '
                         'same seeds (--seeds)')
    unit = UNIT_NAMES[after['unit']]
    span = f'{before["max_iters"]} -> {after["max_iters"]} {unit}s'
    means = [row_means(before), row_means(after)]
    x = [{r['row']: r['mIoU'][0] for r in m if r['post'] == reading('x')}
         for m in means]
    lines = [f"Mean 'x' mIoU, {span}: " + ', '.join(
        f'{t} {x[1][t] - x[0][t]:+.4f}' for t in titles[1]) + '.']
    winners = [_apart_winners(m) for m in means]

    def words(pair: frozenset, winner: str) -> str:
        if not winner:
            return ' ~ '.join(sorted(pair))
        return f'{winner} > {next(iter(pair - {winner}))}'

    total = 0
    for post, after_pairs in winners[1].items():
        name_of = "'x'" if post == 'x' else f"'Post' ({post})"
        changed = [
            f'{words(pair, winners[0][post][pair])} -> '
            f'{words(pair, winner)}'
            for pair, winner in after_pairs.items()
            if winners[0][post][pair] != winner
        ]
        lines.append(
            f'{name_of}, {span}: ' +
            (f'{len(changed)} of {len(after_pairs)} pairs change verdict: '
             + '; '.join(changed) if changed else
             f'no pair of {len(after_pairs)} changes verdict') + '.')
        total += len(changed)
    lengths = f'from {before["max_iters"]} to {after["max_iters"]} {unit}s'
    if total:
        lines.append(f'The conclusions change {lengths} ({total} '
                     'verdicts): a longer schedule may change them again.')
    else:
        lines.append(f'The conclusions hold {lengths}: no pair of either '
                     'reading changes verdict.')
    return lines


def lengths_block(before: dict, after: dict) -> str:
    """:func:`length_changes` as the marked block the README quotes
    (``<!-- table5-lengths:main -->``)."""
    lines = [f'- {line}' for line in length_changes(before, after)]
    return marked_block(lines, 'lengths', CONCLUSION_NAMES[after['table']])


def draw_curves(summary: dict, title: str, out_path: str) -> None:
    """'x' mIoU against training length per row: seed mean and the band
    between the lowest and the highest seed."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, curve in curves(summary).items():
        points = sorted(curve)
        values = [curve[k] for k in points]
        line, = ax.plot(points, [v.mean() for v in values], marker='.',
                        label=name)
        ax.fill_between(points, [v.min() for v in values],
                        [v.max() for v in values],
                        color=line.get_color(),
                        alpha=0.15)
    ax.set_xlabel(f'training {UNIT_NAMES[summary["unit"]]}s')
    ax.set_ylabel("'x' mIoU (normal, CIN1-3)")
    seeds = max(len(row['runs']) for row in summary['rows'])
    ax.set_title(f'{title}: seed mean, band from lowest to highest of '
                 f'{seeds} seed(s)')
    ax.legend(fontsize=7, loc='lower right')
    fig.tight_layout()
    fig.savefig(out_path, dpi=100)
    plt.close(fig)


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


def shown_predictions(pred_dir: str, test_dir: str,
                      count: int) -> Dict[str, str]:
    """The label maps in ``pred_dir`` of the first ``count`` test regions
    of ``test_dir``, as base64 PNG: what a row of a summary carries to
    draw the predictions picture without its runs (a table made in parts).

    Raises:
        FileNotFoundError: A region's prediction is missing.
    """
    import cv2
    out = {}
    for image_path, _ in task2_regions(test_dir)[:count]:
        name = mtchi_mask_name(osp.splitext(osp.basename(image_path))[0])
        with open(osp.join(pred_dir, name), 'rb') as f:
            out[name] = base64.b64encode(f.read()).decode('ascii')
    return out


def draw_predictions(summary: dict, data_root: str, out_path: str) -> None:
    """The test regions every row's summary carries (``shown``: its first
    seed's 'x' predictions), with their image and truth from
    ``data_root``, one column per row.

    Raises:
        ValueError: A row without predictions (a summary written before
            they were kept), or rows showing different regions.
        FileNotFoundError: ``data_root`` lacks a region shown.
    """
    import cv2
    shown = [row.get('shown') for row in summary['rows']]
    if not all(shown) or len({tuple(s) for s in shown}) > 1:
        raise ValueError('the summary does not carry the same predicted '
                         'test regions for every row; make its rows again '
                         'with reproduce_table5.py to draw them')
    predictions = [(row['title'], {
        name: cv2.imdecode(np.frombuffer(base64.b64decode(png), np.uint8),
                           cv2.IMREAD_UNCHANGED)
        for name, png in row['shown'].items()
    }) for row in summary['rows']]
    draw_prediction_grid(data_root, predictions, len(shown[0]), out_path)


def readme_table(summary: dict, means: List[dict]) -> str:
    """The table at a glance, one line per row with both readings: the
    marked block the README quotes (``<!-- table5-table:main -->``)."""
    by_row = {}
    for r in means:
        by_row.setdefault(r['row'], {})[r['post']] = r

    def score(r: dict, metric: str) -> str:
        mean, std = r[metric]
        return f'{mean:.4f} ± {std:.4f}' if r['folds'] > 1 else f'{mean:.4f}'

    x, post = reading('x'), reading('post')
    lines = []
    for title, r in by_row.items():
        paper = r[x]['paper']
        lines.append([
            title, f'{r[x]["params"]:.2f}M',
            score(r[x], 'mIoU'), '[{:.4f}, {:.4f}]'.format(*r[x]['ci']),
            score(r[post], 'mIoU'), '[{:.4f}, {:.4f}]'.format(*r[post]['ci']),
            score(r[x], 'Dice'), '' if paper is None else f'{paper:.4f}'
        ])
    header = ['Row', 'Params', "'x' mIoU", '95 % CI', "'Post' mIoU",
              '95 % CI', "'x' Dice", "Paper 'x' mIoU"]
    text = table5_report.markdown(header, lines).rstrip('\n')
    return marked_block([text], 'table', CONCLUSION_NAMES[summary['table']])


def table_markdown(summary: dict, means: List[dict]) -> Tuple[str, str]:
    """The table's Markdown (the table, the test, the conclusions, the
    curves' order and whether it settled) and its CSV.

    Args:
        summary (dict): The table's summary.
        means (list[dict]): :func:`row_means` of it.
    """
    table = summary['table']
    note = (f'Preset {summary["preset"]}, {summary["max_iters"]} training '
            f'{UNIT_NAMES[summary["unit"]]}s ({summary["precision"]}), seeds '
            f'{" ".join(map(str, summary["seeds"]))}; mean ± sample std over '
            'seeds.')
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
    text = (
        f'{readme_table(summary, means)}\n'
        f'{table5_report.markdown(header, lines)}\n{note}\n\n'
        'mIoU 95 % CI: the seed-mean mIoU on '
        f'{BOOTSTRAP_DRAWS} bootstrap samples of the test regions (the '
        "evaluation's own uncertainty, beside the seed spread).\n\n"
        'mIoU order (">": neighbours apart, "~": not; the test: every '
        'pair of a reading, paired two-level bootstrap over seeds and test '
        'regions, t reference, Bonferroni over the pairs of that reading, '
        f'{FAMILY_LEVEL} family-wise):\n\n' + '\n'.join(ranking(means)) +
        f'\n\n{table5_report.markdown(*pair_table(means))}\n'
        f'{summary_conclusions(summary, means)}\n'
        "Learning curves ('x' mIoU of every saved checkpoint; "
        f'{table}_curves.png):\n\n'
        f'{table5_report.markdown(*order_at_points(summary))}')
    return text, table5_report.to_csv(header, lines)
