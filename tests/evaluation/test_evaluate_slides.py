"""tools/analysis/evaluate_slides.py on hand-made label maps and truth:
exact Dice/IoU and areas, pooled arithmetic, grades, memory, refusals."""
import csv
import tracemalloc

import numpy as np
import pytest
from fixtures.slide_truth import rectangle, write_geojson, write_labels

from mmseg_hsp.cli.evaluate_slides import main
from mmseg_hsp.evaluation.slide_pairs import (EvaluationSettings,
                                              evaluate_slides)
from mmseg_hsp.evaluation.slides import CSV_COLUMNS


def one_slide(folder, name='s'):
    """64x64 at 0.5 um/px: CIN2 predicted in the top-left 32x32, normal
    elsewhere; truth CIN2 at x 16..48, y 0..32 and normal at x 0..16,
    y 32..64 (the rest unannotated)."""
    pred, truth = folder / 'pred', folder / 'truth'
    pred.mkdir(exist_ok=True)
    truth.mkdir(exist_ok=True)
    labels = np.ones((64, 64), np.uint8)
    labels[:32, :32] = 3
    write_labels(pred / f'{name}.labels.tif', labels)
    write_geojson(truth / f'{name}.geojson',
                  [rectangle('CIN2', 16, 0, 48, 32),
                   rectangle('Normal', 0, 32, 16, 64)])
    return str(pred), str(truth)


def by_class(result, slide=0):
    return result.summary()['slides'][slide]['classes']


def test_exact_dice_iou_and_areas_over_the_annotated_area(tmp_path):
    result = evaluate_slides(*one_slide(tmp_path))
    scores = by_class(result)
    # CIN2: truth 1024 px, predicted 512 of them; nothing else predicted
    # CIN2 inside the annotated area. Normal: truth 512 px all right, and
    # 512 truth-CIN2 px predicted normal.
    assert scores['CIN2'] == dict(dice=2 / 3, iou=0.5, truth_area_um2=256.0,
                                  pred_area_um2=128.0)
    assert scores['normal'] == dict(dice=2 / 3, iou=0.5,
                                    truth_area_um2=128.0,
                                    pred_area_um2=256.0)
    # absent from both: no value, neither 1 nor 0
    assert scores['CIN1'] == scores['CIN3'] == dict(
        dice=None, iou=None, truth_area_um2=0.0, pred_area_um2=0.0)
    assert result.summary()['slides'][0]['annotated_um2'] == 384.0


def test_truth_without_annotated_pixel_is_said(tmp_path):
    notes = []
    result = evaluate_slides(*one_slide(tmp_path),
                             EvaluationSettings(ignore=['CIN2', 'Normal']),
                             warn=notes.append)
    assert by_class(result)['CIN2']['dice'] is None
    assert notes == [f'{tmp_path}/truth/s.geojson: no annotated pixel on the '
                     'label map (no polygon of the classes, or all '
                     'ignored): its scores are empty']


def test_csv_columns_and_empty_values(tmp_path):
    pred, truth = one_slide(tmp_path)
    assert main([pred, truth, '--out', str(tmp_path / 'out')]) == 0
    with open(tmp_path / 'out' / 'slides_eval.csv') as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == CSV_COLUMNS == (
        'slide', 'class', 'dice', 'iou', 'truth_area_um2', 'pred_area_um2')
    assert rows[1:] == [['s', 'normal', str(2 / 3), '0.5', '128.0', '256.0'],
                        ['s', 'CIN1', '', '', '0.0', '0.0'],
                        ['s', 'CIN2', str(2 / 3), '0.5', '256.0', '128.0'],
                        ['s', 'CIN3', '', '', '0.0', '0.0']]
    assert (tmp_path / 'out' / 'grade_confusion.png').read_bytes()[:4] == \
        b'\x89PNG'


def test_truth_against_itself_is_one_for_every_class_present(tmp_path):
    _, truth = one_slide(tmp_path)
    result = evaluate_slides(
        truth, truth,
        EvaluationSettings(resolution=dict(mpp=0.5, input_mpp=0.25)))
    scores = by_class(result)
    for name in ('normal', 'CIN2'):
        assert scores[name]['dice'] == scores[name]['iou'] == 1.0
        assert scores[name]['truth_area_um2'] == \
            scores[name]['pred_area_um2']
    # 32x32 level-0 px of 0.25 um, read as 16x16 px of 0.5 um
    assert scores['CIN2']['truth_area_um2'] == 32 * 32 * 0.25**2
    assert scores['CIN1']['dice'] is None


def test_pooled_sums_intersections_not_ratios(tmp_path):
    pred, truth = one_slide(tmp_path, 'a')
    # slide b: 16x16 at 1 um/px, CIN2 everywhere, truth CIN2 on all of it
    write_labels(tmp_path / 'pred' / 'b.labels.tif',
                 np.full((16, 16), 3, np.uint8), mpp=1.0)
    write_geojson(tmp_path / 'truth' / 'b.geojson',
                  [rectangle('CIN2', 0, 0, 16, 16)])
    result = evaluate_slides(pred, truth)
    pooled = result.summary()['pooled']['classes']['CIN2']
    # um2: a: I 128, T 256, P 128; b: I = T = P = 256
    assert pooled['dice'] == 2 * (128 + 256) / (256 + 128 + 256 + 256)
    assert pooled['iou'] == (128 + 256) / (256 + 128 + 256 + 256 - 384)
    assert pooled['truth_area_um2'] == 512.0
    assert pooled['dice'] != (2 / 3 + 1) / 2  # not the mean of ratios
    assert result.summary()['pooled']['mean_dice'] == pytest.approx(
        (pooled['dice'] + 2 / 3) / 2)


def test_highest_grade_confusion_with_a_minimum_area(tmp_path):
    (tmp_path / 'pred').mkdir()
    (tmp_path / 'truth').mkdir()
    cases = dict(
        # truth CIN3, predicted CIN2 (a 2x2 CIN3 speck: 4 um2, too small)
        a=(3, 4, [rectangle('CIN3', 0, 0, 40, 40)]),
        b=(4, None, [rectangle('CIN3', 0, 0, 40, 40)]),  # agreed CIN3
        c=(1, None, [rectangle('Normal', 0, 0, 40, 40)]))  # Normal: agreed
    for name, (fill, speck, features) in cases.items():
        labels = np.full((40, 40), fill, np.uint8)
        if speck:
            labels[:2, :2] = speck
        write_labels(tmp_path / 'pred' / f'{name}.labels.tif', labels,
                     mpp=1.0)
        write_geojson(tmp_path / 'truth' / f'{name}.geojson', features)
    result = evaluate_slides(
        str(tmp_path / 'pred'), str(tmp_path / 'truth'),
        EvaluationSettings(min_area_um2=100))
    summary = result.summary()
    assert [(s['truth_grade'], s['pred_grade'])
            for s in summary['slides']] == [('CIN3', 'CIN2'),
                                            ('CIN3', 'CIN3'),
                                            ('normal', 'normal')]
    grades = summary['highest_grade']
    assert grades['labels'] == ['none', 'normal', 'CIN1', 'CIN2', 'CIN3']
    assert grades['confusion'] == [[0, 0, 0, 0, 0], [0, 1, 0, 0, 0],
                                   [0, 0, 0, 0, 0], [0, 0, 0, 0, 0],
                                   [0, 0, 0, 1, 1]]
    assert grades['agreement'] == 2 / 3
    low = evaluate_slides(str(tmp_path / 'pred'), str(tmp_path / 'truth'),
                          EvaluationSettings(min_area_um2=4))
    assert low.grades(low.slides[0]) == dict(truth='CIN3', pred='CIN3')


def peak_bytes(tmp_path, height):
    labels = np.ones((height, 256), np.uint8)
    pred = write_labels(tmp_path / f'h{height}.labels.tif', labels, tile=64)
    truth = write_geojson(tmp_path / f'h{height}.geojson',
                          [rectangle('Normal', 0, 0, 256, height)])
    tracemalloc.start()
    evaluate_slides(pred, truth)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_is_flat_in_the_slide_height(tmp_path):
    peak_bytes(tmp_path, 64)  # imports, caches
    small, large = peak_bytes(tmp_path, 1024), peak_bytes(tmp_path, 4096)
    assert large < 1.5 * small


def refusal(capsys, *argv):
    assert main([*map(str, argv)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_unpaired_slides_are_listed(tmp_path, capsys):
    pred, truth = one_slide(tmp_path, 'a')
    write_labels(tmp_path / 'pred' / 'b.labels.tif', np.ones((8, 8)))
    write_geojson(tmp_path / 'truth' / 'c.geojson',
                  [rectangle('Normal', 0, 0, 8, 8)])
    err = refusal(capsys, pred, truth, '--out', tmp_path / 'o')
    assert '1 predicted slide without truth: b;' in err
    assert '--skip-unmatched' in err
    assert main([pred, str(tmp_path / 'truth' / 'c.geojson'), '--out',
                 str(tmp_path / 'o'), '--skip-unmatched']) == 2
    assert main([pred, truth, '--out', str(tmp_path / 'o'),
                 '--skip-unmatched']) == 0
    err = capsys.readouterr().err
    assert 'evaluate_slides: 1 predicted slide without truth: b: left out' \
        in err and '1 truth slide without prediction: c: left out' in err


def test_different_class_sets_name_the_mapping(tmp_path, capsys):
    (tmp_path / 'p').mkdir()
    write_labels(tmp_path / 'p' / 's.labels.tif', np.ones((8, 8)),
                 classes=['background', 'normal', 'LSIL', 'HSIL'])
    truth = write_geojson(tmp_path / 's.geojson',
                          [rectangle('CIN3', 0, 0, 8, 8)])
    err = refusal(capsys, tmp_path / 'p', truth, '--out', tmp_path / 'o')
    assert 'different class sets' in err and "'CIN3' (1 polygon)" in err
    assert '--class-map CIN1=LSIL,CIN2=HSIL,CIN3=HSIL' in err
    assert main([str(tmp_path / 'p'), truth, '--out', str(tmp_path / 'o'),
                 '--class-map', 'CIN3=HSIL']) == 0


def test_resolution_mismatch(tmp_path, capsys):
    pred, truth = one_slide(tmp_path)
    err = refusal(capsys, pred, truth, '--out', tmp_path / 'o',
                  '--input-mpp', '0.25')
    assert 'resolution mismatch' in err and '0.5 um per level-0' in err
    # truth drawn at x40 on a label map of the slide at x10
    far = write_geojson(tmp_path / 'truth' / 's.geojson',
                        [rectangle('CIN2', 0, 0, 256, 256)])
    err = refusal(capsys, pred, far, '--out', tmp_path / 'o')
    assert 'resolution mismatch' in err and 'reach level-0 (256, 256)' in err
    # annotations against annotations: no slide, no resolution given
    err = refusal(capsys, far, far, '--out', tmp_path / 'o')
    assert 'no resolution metadata' in err and '--input-mpp' in err


def test_label_image_truth_at_another_resolution(tmp_path, capsys):
    import cv2
    pred, _ = one_slide(tmp_path)
    # MTCHI's truth format at half the label map's resolution: 32x32, 0 is
    # not annotated; CIN2 (3) on the left half of the top rows.
    mask = np.zeros((32, 32), np.uint8)
    mask[:16, :16] = 3
    mask[16:, :] = 1
    (tmp_path / 'masks').mkdir()
    cv2.imwrite(str(tmp_path / 'masks' / 'Mask_s.png'), mask)
    scores = by_class(evaluate_slides(pred, str(tmp_path / 'masks')))
    # label-map CIN2 (top-left 32x32) is exactly the truth's CIN2; the
    # bottom half is truth normal, predicted normal
    assert scores['CIN2'] == dict(dice=1.0, iou=1.0, truth_area_um2=256.0,
                                  pred_area_um2=256.0)
    assert scores['normal']['dice'] == 1.0
    cv2.imwrite(str(tmp_path / 'masks' / 'Mask_s.png'), mask[:, :20])
    err = refusal(capsys, pred, tmp_path / 'masks', '--out', tmp_path / 'o')
    assert 'resolution mismatch: the label image is 20 x 32' in err
