"""Table 5 from its summary: means, rows apart, the conclusions the README
quotes, the learning curves' order and whether it settled."""
import os.path as osp

import numpy as np
import pytest

from conftest import REPO_ROOT

from mmseg_hsp.evaluation.bootstrap import miou_of_confusions
from mmseg_hsp.experiments import table5_analysis as analysis

# Per-region offsets of the correct pixels: they sum to 0, so a run's
# summed confusion is exactly ``confusion(correct)`` six times.
OFFSETS = (-2, -1, 0, 0, 1, 2)
REGIONS = len(OFFSETS)


def confusion(correct):
    """Truth 100 px of each lesion class, ``correct`` of them right, the
    rest taken for the next class: IoU correct / (200 - correct)."""
    matrix = np.zeros((5, 5), np.int64)
    for c in range(1, 5):
        matrix[c, c] = correct
        matrix[c, c % 4 + 1] = 100 - correct
    return matrix


def run(seed, correct, curve):
    """A run's results: every region ``correct`` +- 2 px, both protocols
    alike, the metric's mIoU that of the summed confusion."""
    regions = np.stack([confusion(correct + d) for d in OFFSETS])
    miou = float(miou_of_confusions(regions.sum(0)))
    scores = dict(Dice=0.5, mIoU=miou, AP=0.5, regions=regions.tolist())
    return dict(seed=seed, curve={str(k): v for k, v in curve.items()},
                x=scores, post=scores)


def row(title, paper, corrects, curve):
    return dict(key=title.lower(), title=title, network=title, variant='',
                params=1.0, loss='CE-Loss', paper_miou=paper,
                runs=[run(s, c, curve) for s, c in enumerate(corrects)])


def summary():
    """A clearly above the others (mIoU 0.67 against 0.33); B, C, D alike;
    the paper puts D first, then A, B, C. Over the last quarter (75, 100)
    D moves by 0.033 and B and C swap."""
    return dict(
        table='table5', preset='test', max_iters=100, unit='iter', precision='fp32',
        seeds=[0, 1, 2], regions=REGIONS, rows=[
            row('A', 0.6, [80, 81, 79], {25: 0.3, 50: 0.5, 75: 0.662,
                                         100: 0.667}),
            row('B', 0.5, [50, 52, 48], {25: 0.2, 50: 0.3, 75: 0.34,
                                         100: 0.333}),
            row('C', 0.4, [51, 49, 50], {25: 0.25, 50: 0.3, 75: 0.33,
                                         100: 0.336}),
            row('D', 0.7, [50, 49, 51], {25: 0.1, 50: 0.2, 75: 0.30,
                                         100: 0.333}),
        ])


def test_means_and_the_order_of_rows_apart():
    means = analysis.row_means(summary())
    assert [(r['row'], r['post']) for r in means][:2] == [('A', 'x'),
                                                          ('A', '✓ (gauss)')]
    a = means[0]
    assert a['mIoU'][0] == pytest.approx(np.mean(
        [80 / 120, 81 / 119, 79 / 121]))
    order = analysis.ranking(means)
    assert order[0].startswith('- Post x: A 0.6667 > ')
    # B, C and D differ by less than their seeds: never apart.
    assert order[0].count(' > ') == 1 and order[0].count(' ~ ') == 2
    header, lines = analysis.pair_table(means)
    assert header[-1] == 'Apart' and len(lines) == 2 * 6
    assert [line[-1] for line in lines if line[0] == 'x'].count('yes') == 3


def test_conclusions_name_pairs_and_the_papers_order():
    text = analysis.conclusions(analysis.row_means(summary()), 'main')
    lines = text.splitlines()
    assert lines[0] == '<!-- table5-conclusions:main -->'
    assert lines[-1] == '<!-- /table5-conclusions:main -->'
    assert 'each one family of 6 pairs' in lines[1]
    assert "a pair apart in both is not confirmed twice" in lines[1]
    x = [line for line in lines if line.startswith("- 'x': apart: ")]
    assert len(x) == 1 and x[0].count(' > ') == 3
    assert sum(line.startswith("- 'Post' (✓ (gauss)): apart: A > B")
               for line in lines) == 1
    assert 'Within noise:' in x[0] and x[0].count(' ~ ') == 3
    (paper, ) = [line for line in lines
                 if line.startswith("- The paper's order") and "in 'x'" in
                 line]
    assert ("reproduced: A > B, A > C; reversed: D > A; not resolved: "
            "D > B, D > C, B > C." in paper)
    assert analysis.quoted_conclusions(f'intro\n{text}outro', 'main') == text
    assert analysis.quoted_conclusions(text, 'ablations') is None


def test_order_at_each_curve_point():
    header, lines = analysis.order_at_points(summary())
    assert header == ['Iteration', "Rows by mean 'x' mIoU"]
    assert [line[0] for line in lines] == ['25', '50', '75', '100']
    assert lines[0][1] == 'A 0.3000, C 0.2500, B 0.2000, D 0.1000'


def test_settled_names_rows_that_move_and_pairs_that_swap():
    ok, line = analysis.settled(summary())
    assert not ok
    assert line == (
        'Not settled over the last quarter (iterations 75-100 of 100): rows '
        "moving by more than 0.01 in mean 'x' mIoU: D (0.0330); pairs of "
        "the paper's rows that change order: B / C. A longer --max-iters "
        'may change the order.')
    steady = summary()
    for r in steady['rows']:
        for run_ in r['runs']:
            run_['curve']['75'] = run_['curve']['100']
    assert analysis.settled(steady)[0]
    short = summary()
    for r in short['rows']:
        for run_ in r['runs']:
            del run_['curve']['75']
    ok, line = analysis.settled(short)
    assert not ok and line.startswith('Settled: cannot tell, fewer than two')


def test_table_markdown_carries_every_part(tmp_path):
    s = summary()
    means = analysis.row_means(s)
    text, csv_text = analysis.table_markdown(s, means)
    for part in ('| Row | Network |', 'Preset test, 100 training iterations '
                 '(fp32), seeds 0 1 2; mean ± sample std over seeds.',
                 '- Post x: A', "mIoU of every saved checkpoint; "
                 'table5_curves.png)',
                 '| Post | Higher | Lower |',
                 '<!-- table5-conclusions:main -->', '| Iteration | Rows by',
                 'Not settled over the last quarter'):
        assert part in text
    assert csv_text.startswith('Row,Network,')
    analysis.draw_curves(s, 'Test', str(tmp_path / 'curves.png'))
    assert (tmp_path / 'curves.png').stat().st_size > 1000


COMMITTED = osp.join(REPO_ROOT, 'docs', 'table5', 'cpu_main.json')


@pytest.mark.skipif(
    not osp.isfile(COMMITTED),
    reason='docs/table5/cpu_main.json not committed yet: the README\'s '
    'conclusions are checked once the measured table\'s summary '
    '(work_dirs/table5_cpu/table5_summary.json) is')
def test_readme_quotes_the_conclusions_of_the_committed_results():
    with open(osp.join(REPO_ROOT, 'README.md')) as f:
        readme = f.read()
    means = analysis.row_means(analysis.load_summary(COMMITTED))
    assert analysis.quoted_conclusions(readme, 'main') == \
        analysis.conclusions(means, 'main')


def test_report_tool_writes_a_table_again_from_its_summary(tmp_path, capsys):
    import json

    from mmseg_hsp.cli.table5 import main
    path = tmp_path / 'table5_summary.json'
    path.write_text(json.dumps(summary()))
    main(['--summary', str(path), '--out-dir', str(tmp_path / 'out')])
    text = (tmp_path / 'out' / 'table5.md').read_text()
    means = analysis.row_means(summary())
    assert text == analysis.table_markdown(summary(), means)[0]
    assert analysis.conclusions(means, 'main') in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(['--summary', str(path), str(tmp_path)])
    assert exit_info.value.code == 2
