"""A generated slide and its QuPath truth through infer_wsi and
evaluate_slides (the tiny FCN, random weights: the format, not accuracy)."""
import csv
import json

from fixtures.slide_truth import rectangle, write_geojson
from fixtures.wsi_slides import (DATASET_META, FCN_CONFIG, TINY_FCN_OPTIONS,
                                 painted_slide, tiny_checkpoint,
                                 write_pyramid)

from mmseg_hsp.cli import evaluate_slides, infer_wsi


def test_slide_truth_infer_evaluate(tmp_path):
    _, checkpoint = tiny_checkpoint(tmp_path, DATASET_META)
    # 256x320 level 0 at 0.25 um/px (x40), read at x10: 64x80 labels
    rgb = painted_slide(256, 320, [(32, 32, 128, 160, (230, 130, 200)),
                                   (64, 64, 32, 48, (200, 0, 0))])
    write_pyramid(tmp_path / 'slide.tif', rgb, mpp=0.25, levels=2)
    truth = write_geojson(tmp_path / 'slide.geojson',
                          [rectangle('Normal', 32, 32, 192, 160),
                           rectangle('CIN3', 64, 64, 112, 96)])
    out = tmp_path / 'wsi'
    assert infer_wsi.main(
        [FCN_CONFIG, checkpoint, str(tmp_path / 'slide.tif'), '--out-dir',
         str(out), '--tile', '64', '--stride', '32', '--no-tissue-mask',
         '--no-progress', '--device', 'cpu', '--amp', 'fp32',
         '--cfg-options'] +
        [f'{key}={value}' for key, value in TINY_FCN_OPTIONS.items()]) == 0
    # the CIN3 is 96 um2, below the default minimum of a grade
    assert evaluate_slides.main([str(out), truth, '--out',
                                 str(tmp_path / 'eval'), '--min-area-um2',
                                 '50']) == 0
    with open(tmp_path / 'eval' / 'slides_eval.csv') as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ['slide', 'class', 'dice', 'iou',
                             'truth_area_um2', 'pred_area_um2']
    assert [(r['slide'], r['class']) for r in rows] == [
        ('slide', name) for name in ('normal', 'CIN1', 'CIN2', 'CIN3')]
    # truth areas: level-0 rectangles at 0.25 um/px, the CIN3 on the normal
    areas = {r['class']: float(r['truth_area_um2']) for r in rows}
    assert areas['CIN3'] == 48 * 32 * 0.0625
    assert areas['normal'] == (160 * 128 - 48 * 32) * 0.0625
    with open(tmp_path / 'eval' / 'summary.json') as f:
        summary = json.load(f)
    assert summary['slides'][0]['truth_grade'] == 'CIN3'
    assert (tmp_path / 'eval' / 'grade_confusion.png').stat().st_size > 0

    # the same truth as the prediction, on the slide's own raster
    assert evaluate_slides.main([truth, truth, '--out',
                                 str(tmp_path / 'self'), '--slides',
                                 str(tmp_path / 'slide.tif')]) == 0
    with open(tmp_path / 'self' / 'summary.json') as f:
        itself = json.load(f)['slides'][0]['classes']
    assert itself['normal']['dice'] == itself['CIN3']['dice'] == 1.0
    assert itself['CIN3']['truth_area_um2'] == areas['CIN3']
    assert itself['CIN1']['dice'] is None
