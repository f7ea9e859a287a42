"""The Table 5 report (tools/analysis/table5.py) on hand-made runs: Post
marks and fold means."""
import json
import os

import pytest

from mmseg_hsp.experiments import table5_report as table5

# A tiny model: a narrow ResNet-18 with an FCN head and an auxiliary head.
HEAD = dict(
    type='FCNHead',
    in_channels=64,
    in_index=1,
    channels=8,
    num_convs=1,
    num_classes=5,
    loss_decode=dict(type='CrossEntropyLoss'))
MODEL = dict(
    type='EncoderDecoder',
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=8,
        base_channels=8,
        out_indices=(2, 3)),
    decode_head=HEAD,
    auxiliary_head=dict(HEAD, in_channels=32, in_index=0),
    test_cfg=dict(mode='whole'))


def write_run(work_dir, stamp, scores, test_cfg=None, ann_file=''):
    """A test run as mmengine records it: config and <stamp>.json."""
    run_dir = os.path.join(work_dir, stamp)
    os.makedirs(os.path.join(run_dir, 'vis_data'))
    model = dict(MODEL, test_cfg=test_cfg or dict(mode='whole'))
    with open(os.path.join(run_dir, 'vis_data', 'config.py'), 'w') as f:
        f.write(f'default_scope = "mmseg"\nmodel = {model!r}\n'
                f'test_dataloader = dict(dataset=dict(ann_file={ann_file!r}))'
                '\n')
    with open(os.path.join(run_dir, f'{stamp}.json'), 'w') as f:
        json.dump(dict(scores, time=1.0), f)


def scores(dice, miou, ap):
    return {'Dice': dice, 'mIoU': miou, 'AP': ap}


def test_post_marks():
    assert table5.post_mark(dict(mode='whole')) == 'x (whole region)'
    assert table5.post_mark(dict(mode='none', crop_size=400)) == 'x'
    assert table5.post_mark(dict(mode='gauss')) == '✓ (gauss)'
    assert table5.post_mark(dict(mode='mean')) == '✓ (mean)'
    assert table5.post_mark(
        dict(mode='slide', crop_size=(400, 400), stride=(400, 400))) == 'x'
    assert table5.post_mark(
        dict(mode='slide', crop_size=(400, 400), stride=(96, 96))) == \
        '✓ (mean)'
    assert table5.post_mark(dict(mode='new')) == '? (new)'


def test_rows_per_post_mode_and_latest_run(tmp_path):
    work_dir = str(tmp_path / 'fcn')
    write_run(work_dir, '20260101_000000', scores(0.1, 0.1, 0.1))
    write_run(work_dir, '20260102_000000', scores(0.2, 0.3, 0.4))
    write_run(work_dir, '20260103_000000', scores(0.5, 0.6, 0.7),
              dict(mode='gauss', crop_size=(400, 400), stride=(100, 100)))
    rows = {r['post']: r for r in table5.read_runs(work_dir)}
    assert sorted(rows) == ['x (whole region)', '✓ (gauss)']
    whole = rows['x (whole region)']
    # the later of the two whole-image runs
    assert (whole['Dice'], whole['mIoU'], whole['AP']) == (0.2, 0.3, 0.4)
    assert whole['network'] == 'FCN (R-18)'
    assert whole['variant'] == 'zoo'
    assert whole['loss'] == 'CE-Loss'
    # Parameters without the auxiliary head.
    import mmseg_hsp  # noqa: F401
    from mmengine.registry import init_default_scope

    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    model = MODELS.build(MODEL)
    inference = sum(p.numel() for n, p in model.named_parameters()
                    if not n.startswith('auxiliary_head'))
    assert whole['params'] == pytest.approx(inference / 1e6)


def test_fold_mean_and_sample_std(tmp_path):
    values = [(0.4, 0.3, 0.5), (0.6, 0.5, 0.7), (0.5, 0.4, 0.9)]
    rows = []
    for k, v in enumerate(values):
        work_dir = str(tmp_path / f'fold{k}')
        write_run(
            work_dir,
            '20260101_000000',
            scores(*v),
            ann_file=f'CrossVal/splits/fold{k}_test.txt')
        rows += table5.read_runs(work_dir)
    assert [r['fold'] for r in rows] == [0, 1, 2]
    (mean, ) = table5.fold_means(rows)
    assert mean['folds'] == 3
    assert mean['Dice'] == pytest.approx((0.5, 0.1))
    assert mean['mIoU'] == pytest.approx((0.4, 0.1))
    assert mean['AP'] == pytest.approx((0.7, 0.2))
    header, lines = table5.table2([mean], with_paper=True)
    assert lines[0][4:8] == [
        '0.5000 ± 0.1000', '0.4000 ± 0.1000', '0.7000 ± 0.2000', '3'
    ]
    assert lines[-1][0] == 'HSP-Net' and lines[-1][-1] == 'paper (Table 2)'
    # The same fold twice is an error, not a silently skewed mean.
    with pytest.raises(ValueError, match='evaluated twice'):
        table5.fold_means(rows + rows[:1])


def test_variants():
    unet = dict(backbone=dict(type='UNet', norm_cfg=None),
                decode_head=dict(type='FCNHead'))
    assert table5.variant(unet) == 'paper-sized'
    unet['backbone']['norm_cfg'] = dict(type='BN')
    assert table5.variant(unet) == 'zoo'
    resnet = dict(type='ResNet')
    assert table5.variant(
        dict(backbone=resnet,
             decode_head=dict(type='DeepLabV3PlusHead'))) == 'paper-sized'
    assert table5.variant(
        dict(backbone=resnet,
             decode_head=dict(type='DepthwiseSeparableASPPHead'))) == 'zoo'
    assert table5.variant(
        dict(backbone=resnet, decode_head=dict(type='HSPHead'))) == ''


def test_seed_mean_and_sample_std(tmp_path):
    rows = [
        dict(network='FCN', params=1.0, loss='CE-Loss', post='x', seed=seed,
             **scores(dice, 0.5, 0.5))
        for seed, dice in enumerate((0.2, 0.4, 0.6))
    ]
    (mean, ) = table5.fold_means(rows, over='seed')
    assert mean['folds'] == 3
    assert mean['Dice'] == pytest.approx((0.4, 0.2))
    with pytest.raises(ValueError, match='seed'):
        table5.fold_means(rows + rows[:1], over='seed')


def test_work_dir_without_results(tmp_path):
    (tmp_path / '20260101_000000').mkdir()
    with pytest.raises(FileNotFoundError, match='no run with MTCHIMetric'):
        table5.read_runs(str(tmp_path))


def test_tta_run_is_the_segmentors_row_marked(tmp_path):
    """tools/test.py --tta records SegTTAModel(module=segmentor)."""
    work_dir = str(tmp_path / 'fcn')
    write_run(work_dir, '20260101_000000', scores(0.1, 0.2, 0.3))
    write_run(work_dir, '20260102_000000', scores(0.4, 0.5, 0.6))
    tta_config = os.path.join(work_dir, '20260102_000000', 'vis_data',
                              'config.py')
    with open(tta_config) as f:
        text = f.read()
    with open(tta_config, 'w') as f:
        f.write(text.replace('model = ', 'model = dict(type="SegTTAModel", '
                             'module=', 1).replace('\ntest_dataloader',
                                                   ')\ntest_dataloader', 1))
    plain, tta = table5.read_runs(work_dir)
    assert (plain['post'], tta['post']) == ('x (whole region)',
                                           'x (whole region) + TTA')
    for key in ('network', 'variant', 'loss', 'params'):
        assert tta[key] == plain[key]
    assert (tta['Dice'], tta['mIoU'], tta['AP']) == (0.4, 0.5, 0.6)


def test_scores_without_config_say_what_is_needed(tmp_path):
    """A run of mmseg's own test.py --show-dir: config in the show dir."""
    write_run(str(tmp_path), '20260101_000000', scores(0.1, 0.2, 0.3))
    os.remove(tmp_path / '20260101_000000' / 'vis_data' / 'config.py')
    with pytest.raises(FileNotFoundError,
                       match=r'runs 20260101_000000 have scores but no '
                       r'vis_data/config.py .*copy '
                       r'<show_dir>/vis_data/config.py there'):
        table5.read_runs(str(tmp_path))


def test_paper_x_miou_of_tables_4_and_5():
    from mmseg_hsp.experiments.table5 import ROWS
    assert table5.paper_x_miou('DeepLab v3+', 'AE-Loss') == 0.5569
    assert table5.paper_x_miou('HSP-Net (R-34)', 'CE-Loss',
                               table5.PAPER_TABLE4) == 0.5421
    with pytest.raises(KeyError, match='FCN32s AE-Loss x'):
        table5.paper_x_miou('FCN32s', 'AE-Loss')
    # The paper's 'x' order of the rows the runner trains.
    assert [r.title for r in sorted(ROWS, key=lambda r: -r.paper_miou)] == [
        'HSP-Net R101 AE', 'HSP-Net R101 CE', 'DeepLab v3+ AE',
        'HSP-Net R34 CE', 'DeepLab v3+ CE', 'FCN16s', 'U-Net', 'FCN32s'
    ]


def test_report_tool_names_a_work_dir_without_runs(tmp_path, capsys):
    from mmseg_hsp.cli.table5 import main
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / 'none'), '--out-dir', str(tmp_path)])
    assert exit_info.value.code == 2
    assert f'{tmp_path}/none: no such work dir' in capsys.readouterr().err
