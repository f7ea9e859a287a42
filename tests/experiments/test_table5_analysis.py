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
    # the pairs within noise are all the others, named by count
    assert x[0].endswith('. Within noise: the other 3 pairs.')
    (paper, ) = [line for line in lines
                 if line.startswith("- The paper's order") and "in 'x'" in
                 line]
    assert paper.endswith("in 'x': reproduced: A > B, A > C; reversed: "
                          'D > A; not resolved: the other 3 pairs.')
    alike = summary()
    alike['rows'][0] = row('A', 0.6, [50, 52, 48], {100: 0.333})
    lines = analysis.conclusions(analysis.row_means(alike),
                                 'main').splitlines()
    assert "- 'x': apart: no pair. Within noise: all 6 pairs." in lines
    assert ("- The paper's order ('x' mIoU, Tables 4-5) in 'x': not "
            'resolved: all 6 pairs.') in lines
    assert analysis.quoted_block(f'intro\n{text}outro', 'main') == text
    assert analysis.quoted_block(text, 'ablations') is None


def test_readme_table_has_one_line_per_row_with_both_readings():
    s = summary()
    lines = analysis.readme_table(s, analysis.row_means(s)).splitlines()
    assert lines[0] == '<!-- table5-table:main -->'
    assert lines[-1] == '<!-- /table5-table:main -->'
    assert lines[1] == ("| Row | Params | 'x' mIoU | 95 % CI | 'Post' mIoU "
                        "| 95 % CI | 'x' Dice | Paper 'x' mIoU |")
    assert len(lines) == 2 + 2 + 4
    a = [80 / 120, 81 / 119, 79 / 121]
    cells = lines[3].split(' | ')
    assert cells[:2] == ['| A', '1.00M']
    # both protocols carry the same scores here
    assert cells[2] == cells[4] == (f'{np.mean(a):.4f} ± '
                                    f'{np.std(a, ddof=1):.4f}')
    assert cells[6:] == ['0.5000 ± 0.0000', '0.6000 |']


def test_order_at_each_curve_point():
    header, lines = analysis.order_at_points(summary())
    assert header == ['Iteration', "Rows by mean 'x' mIoU"]
    assert [line[0] for line in lines] == ['25', '50', '75', '100']
    assert lines[0][1] == 'A 0.3000, C 0.2500, B 0.2000, D 0.1000'


def test_settled_names_rows_that_move_and_pairs_that_swap():
    ok, line = analysis.settled(summary())
    assert not ok
    # B and C swap, but no test tells them apart: named, not counted
    assert line == (
        'Not settled over the last quarter (iterations 75-100 of 100): rows '
        "moving by more than 0.01 in mean 'x' mIoU: D (0.0330); pairs of "
        "the paper's rows apart in 'x' that change order: none (B / C: "
        "within noise in 'x', swaps, not counted). A longer --max-iters "
        'may change the order.')
    steady = summary()
    for r in steady['rows']:
        for run_ in r['runs']:
            run_['curve']['75'] = run_['curve']['100']
    assert analysis.settled(steady) == (True, (
        'Settled over the last quarter (iterations 75-100 of 100): no row '
        "moves by more than 0.01 in mean 'x' mIoU and no pair of the "
        "paper's rows apart in 'x' changes order."))
    # C still moves a little, and so crosses B and D (all three within
    # noise): settled
    tied = summary()
    for r in tied['rows']:
        for run_ in r['runs']:
            if r['title'] != 'C':
                run_['curve']['75'] = run_['curve']['100']
    ok, line = analysis.settled(tied)
    assert ok and line.endswith("changes order (D / C, B / C: within noise "
                                "in 'x', swap, not counted).")
    # A, apart from B in 'x', falls below it: not settled, whatever moves
    crossing = summary()
    for r in crossing['rows']:
        for run_ in r['runs']:
            run_['curve']['75'] = run_['curve']['100']
            if r['title'] == 'A':
                run_['curve']['75'] = 0.30
    ok, line = analysis.settled(crossing)
    assert not ok
    assert "apart in 'x' that change order: D / A, A / B, A / C." in line
    short = summary()
    for r in short['rows']:
        for run_ in r['runs']:
            del run_['curve']['75']
    ok, line = analysis.settled(short)
    assert not ok and line.startswith('Settled: cannot tell, fewer than two')


def test_one_row_has_no_pair_to_test():
    one = summary()
    one['rows'] = one['rows'][:1]
    lines = analysis.summary_conclusions(one).splitlines()
    assert lines[1] == ('One row: no pair to test. Merge the parts of a table '
                        'with `python tools/analysis/table5.py --summary PART '
                        '...`.')
    assert lines[2].startswith('- Learning curves: ') and len(lines) == 4


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
    summary_ = analysis.load_summary(COMMITTED)
    means = analysis.row_means(summary_)
    assert analysis.quoted_block(readme, 'main') == \
        analysis.summary_conclusions(summary_, means)
    assert analysis.quoted_block(readme, 'main', 'table') == \
        analysis.readme_table(summary_, means)


def test_readme_quotes_what_training_longer_changed():
    # the same rows and seeds trained for half the preset's length, kept
    # beside the committed summary under the name of its length
    committed = analysis.load_summary(COMMITTED)
    shorter = osp.join(osp.dirname(COMMITTED),
                       f'cpu_main_{committed["max_iters"] // 2}.json')
    with open(osp.join(REPO_ROOT, 'README.md')) as f:
        readme = f.read()
    block = analysis.lengths_block(analysis.load_summary(shorter), committed)
    assert analysis.quoted_block(readme, 'main', 'lengths') == block


def test_report_tool_writes_a_table_again_from_its_summary(tmp_path, capsys):
    import json

    from mmseg_hsp.cli.table5 import main
    path = tmp_path / 'table5_summary.json'
    path.write_text(json.dumps(summary()))
    main(['--summary', str(path), '--out-dir', str(tmp_path / 'out')])
    text = (tmp_path / 'out' / 'table5.md').read_text()
    means = analysis.row_means(summary())
    assert text == analysis.table_markdown(summary(), means)[0]
    block = analysis.summary_conclusions(summary())
    assert block in capsys.readouterr().out
    # the curves' verdict is the block's last sentence, not prose beside it
    assert block.splitlines()[-2].startswith(
        '- Learning curves: Not settled over the last quarter')
    with pytest.raises(SystemExit) as exit_info:
        main(['--summary', str(path), str(tmp_path)])
    assert exit_info.value.code == 2


def test_length_changes_name_the_pairs_whose_verdict_changed(tmp_path):
    before, after = summary(), summary()
    after['max_iters'] = 200
    after['rows'][3] = row('D', 0.7, [95, 96, 94], {100: 0.5, 200: 0.9})
    lines = analysis.length_changes(before, after)
    d_gain = np.mean([c / (200 - c) for c in (95, 96, 94)]) - np.mean(
        [c / (200 - c) for c in (50, 49, 51)])
    assert lines[0] == ("Mean 'x' mIoU, 100 -> 200 iterations: A +0.0000, "
                        f'B +0.0000, C +0.0000, D +{d_gain:.4f}.')
    assert lines[1] == ("'x', 100 -> 200 iterations: 3 of 6 pairs change "
                        'verdict: A > D -> D > A; B ~ D -> D > B; '
                        'C ~ D -> D > C.')
    assert lines[2].startswith("'Post' (✓ (gauss)), 100 -> 200 iterations: "
                               '3 of 6 pairs change verdict: ')
    assert lines[3] == ('The conclusions change from 100 to 200 '
                        'iterations (6 verdicts): a longer schedule may '
                        'change them again.')
    same = analysis.length_changes(before, summary())
    assert same[1] == (
        "'x', 100 -> 100 iterations: no pair of 6 changes verdict.")
    assert same[3] == ('The conclusions hold from 100 to 100 iterations: '
                       'no pair of either reading changes verdict.')
    fewer = summary()
    del fewer['rows'][3]
    with pytest.raises(ValueError, match='different rows'):
        analysis.length_changes(before, fewer)
    reseeded = summary()
    reseeded['rows'][1]['runs'][0]['seed'] = 7
    with pytest.raises(ValueError, match=r'different seeds: .*\[1, 2, 7\]'):
        analysis.length_changes(before, reseeded)
    # only the length may differ: bfloat16 against float32 is not a length
    for key, value in (('precision', 'bf16'), ('regions', REGIONS - 1),
                       ('preset', 'cpu')):
        other = dict(after, **{key: value})
        with pytest.raises(ValueError,
                           match=f'differ in more than their length: {key} '):
            analysis.length_changes(before, other)


def test_report_tool_compares_two_lengths(tmp_path, capsys):
    import json

    from mmseg_hsp.cli.table5 import main
    before, after = summary(), summary()
    after['max_iters'] = 200
    paths = [tmp_path / 'short.json', tmp_path / 'long.json']
    for path, s in zip(paths, (before, after)):
        path.write_text(json.dumps(s))
    # either order: the shorter schedule is the one compared from
    main(['--summary', str(paths[0]), '--against', str(paths[1]),
          '--out-dir', str(tmp_path / 'out')])
    text = (tmp_path / 'out' / 'table5_lengths.md').read_text()
    assert text == analysis.lengths_block(before, after)
    lines = text.splitlines()
    assert lines[0] == '<!-- table5-lengths:main -->'
    assert lines[2] == (
        "- 'x', 100 -> 200 iterations: no pair of 6 changes verdict.")
    assert analysis.quoted_block(f'a\n{text}b', 'main', 'lengths') == text
    assert not (tmp_path / 'out' / 'table5_lengths.csv').exists()
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path), '--against', str(paths[1])])
    assert exit_info.value.code == 2
    assert '--against goes with --summary' in capsys.readouterr().err


def test_report_tool_brings_a_readme_up_to_a_new_measurement(
        tmp_path, capsys):
    import json

    from mmseg_hsp.cli.table5 import main
    before, after = summary(), summary()
    after['max_iters'] = 200
    paths = [tmp_path / 'short.json', tmp_path / 'long.json']
    for path, s in zip(paths, (before, after)):
        path.write_text(json.dumps(s))
    stale = analysis.marked_block(['old words'], 'conclusions', 'main')
    readme = tmp_path / 'README.md'
    readme.write_text(f'# Title\n\n{stale}\nprose\n\n'
                      f'{analysis.marked_block(["old"], "lengths", "main")}'
                      f'{analysis.marked_block(["kept"], "table", "other")}')
    main(['--summary', str(paths[1]), '--against', str(paths[0]),
          '--readme', str(readme), '--out-dir', str(tmp_path / 'out')])
    text = readme.read_text()
    assert analysis.quoted_block(text, 'main') == \
        analysis.summary_conclusions(after)
    assert analysis.quoted_block(text, 'main', 'lengths') == \
        analysis.lengths_block(before, after)
    # blocks the new tables do not write, and the prose, stay as they were
    assert text.startswith('# Title\n\n<!-- table5-conclusions:main -->')
    assert '\nprose\n' in text and '\nkept\n' in text
    assert 'old words' not in text and '\nold\n' not in text
    assert f'{readme}: replaced conclusions:main, lengths:main\n' \
        in capsys.readouterr().out
    # a file that quotes none of them is an error, and is left as it was
    other = tmp_path / 'OTHER.md'
    other.write_text('no blocks\n')
    with pytest.raises(SystemExit) as exit_info:
        main(['--summary', str(paths[1]), '--readme', str(other),
              '--out-dir', str(tmp_path / 'out2')])
    assert exit_info.value.code == 2
    assert 'quotes none of the generated blocks' in capsys.readouterr().err
    assert other.read_text() == 'no blocks\n'
    assert not (tmp_path / 'out2').exists()
    # a block that lost its end marker is named, not left stale
    broken = tmp_path / 'BROKEN.md'
    broken.write_text(stale.replace('<!-- /table5-conclusions:main -->', ''))
    with pytest.raises(SystemExit) as exit_info:
        main(['--summary', str(paths[1]), '--readme', str(broken),
              '--out-dir', str(tmp_path / 'out3')])
    assert exit_info.value.code == 2
    assert ('<!-- table5-conclusions:main --> and <!-- /table5-conclusions:'
            'main --> are not both there') in capsys.readouterr().err
    assert 'old words' in broken.read_text()
    # the end marker may close the file without a newline
    assert analysis.quote_blocks(
        stale.rstrip('\n'), analysis.summary_conclusions(after))[0] == \
        analysis.summary_conclusions(after).rstrip('\n')


def test_parts_merge_in_table_order_and_only_alike():
    """Parts of rows, or of a row's seeds, merge into the whole table:
    rows in the table's order (the bootstrap draws follow it), runs in
    seed order, predictions from the lowest seed's part. Parts of another
    length, precision or curve, a run twice and a row short of a seed are
    refused."""
    from mmseg_hsp.experiments.table5 import ROWS, merge_parts
    whole = summary()
    for line, key in zip(whole['rows'], [r.key for r in ROWS]):
        line.update(key=key, shown={'Mask_a.png': key})
    first, second = (dict(whole, rows=whole['rows'][:2]),
                     dict(whole, rows=whole['rows'][2:]))
    merged = merge_parts([second, first])
    assert merged == whole
    assert (analysis.table_markdown(merged, analysis.row_means(merged)) ==
            analysis.table_markdown(whole, analysis.row_means(whole)))

    def seeds(part, keep, shown):
        return dict(part, seeds=keep, rows=[
            dict(line, shown=shown, runs=[r for r in line['runs']
                                          if r['seed'] in keep])
            for line in part['rows']])

    late = seeds(whole, [2, 1], 'seed 2')
    assert merge_parts([late, seeds(whole, [0], None)])['seeds'] == [0, 1, 2]
    by_seed = merge_parts([late, seeds(first, [0], 'seed 0'),
                           seeds(second, [0], 'seed 0')])
    assert by_seed['rows'][0]['shown'] == 'seed 0'
    assert by_seed == dict(whole, rows=[dict(line, shown='seed 0')
                                        for line in whole['rows']])
    with pytest.raises(ValueError, match='max_iters 100 against 200'):
        merge_parts([first, dict(second, max_iters=200)])
    with pytest.raises(ValueError, match='precision fp32 against bf16'):
        merge_parts([first, dict(second, precision='bf16')])
    with pytest.raises(ValueError, match='seed 1 is in two parts'):
        merge_parts([late, seeds(whole, [0, 1], None)])
    with pytest.raises(ValueError, match=r'has seeds \[1, 2\], the table '):
        merge_parts([late, seeds(first, [0], None)])
    other = dict(second, rows=[row('E', None, [50, 50, 50], {50: 0.2,
                                                             100: 0.3})])
    with pytest.raises(ValueError, match='different curve points'):
        merge_parts([first, other])


def test_an_ablation_table_takes_its_references_from_main_table_parts(
        tmp_path, capsys):
    """``--ablations`` makes the ablation table from parts of both tables:
    of the main table's parts it keeps the reference rows (HSP-Net R101
    CE, DeepLab v3+ CE), so they need not be trained again. Without it the
    two tables are refused, and so are parts holding no ablation row."""
    import json

    from mmseg_hsp.cli.table5 import main
    from mmseg_hsp.experiments.table5 import merge_parts
    whole = summary()
    keys = ('hspnet-r101-ce', 'hspnet-r34-ce', 'deeplabv3plus', 'hspnet-os8')
    for line, key in zip(whole['rows'], keys):
        line.update(key=key, shown=None)
    main_part = dict(whole, rows=whole['rows'][:3])
    ablation_part = dict(whole, table='ablations', rows=whole['rows'][3:])
    merged = merge_parts([ablation_part, main_part], 'ablations')
    assert merged == dict(whole, table='ablations',
                          rows=[whole['rows'][i] for i in (0, 2, 3)])
    with pytest.raises(ValueError,
                       match='table table5 against ablations;.*--ablations'):
        merge_parts([main_part, ablation_part])
    with pytest.raises(ValueError, match='no row of the ablations table'):
        merge_parts([dict(main_part, rows=whole['rows'][1:2])], 'ablations')
    paths = []
    for name, part in (('main', main_part), ('ablation', ablation_part)):
        paths.append(str(tmp_path / f'{name}.json'))
        with open(paths[-1], 'w') as f:
            json.dump(part, f)
    out = tmp_path / 'out'
    main(['--summary', *paths, '--ablations', '--out-dir', str(out)])
    with open(out / 'ablations_summary.json') as f:
        assert json.load(f) == json.loads(json.dumps(merged))
    assert '<!-- table5-conclusions:ablations -->' in (
        out / 'ablations.md').read_text()
    assert not (out / 'table5.md').exists()
    with pytest.raises(SystemExit) as exit_info:
        main(['--summary', *paths, '--out-dir', str(tmp_path / 'none')])
    assert exit_info.value.code == 2
    assert 'table table5 against ablations' in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path), '--ablations'])
    assert exit_info.value.code == 2
    assert '--ablations goes with --summary' in capsys.readouterr().err
