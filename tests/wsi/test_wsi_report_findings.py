"""The run report says what it found: "-" for a missing value, areas in a
unit that fits, and a slide without tissue is not a clean "none" grade.

Before, the HTML table showed ``None``, areas read "4.5e-05 mm²", and a
slide in which no tissue was found looked like one graded ``none``.
"""
import csv
import json

import pytest
from fixtures.wsi_slides import (ColourModel, ellipse_slide, painted_slide,
                                 write_pyramid)

from mmseg_hsp.wsi.report import _area, slide_row, write_run_report
from mmseg_hsp.wsi.runner import run_slides
from mmseg_hsp.wsi.segmenter import SlideSegmenter

NO_TISSUE = ('no tissue found (the tissue mask found none, or every pixel '
             'is glass or black): the slide is not graded; check the slide, '
             'or run it with --no-tissue-mask (tissue_mask=False)')


@pytest.fixture(scope='module')
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp('run')
    write_pyramid(folder / 'glass.tif', painted_slide(256, 256, []),
                  mpp=1.0, levels=1)
    write_pyramid(folder / 'tissue.tif', ellipse_slide(256, 256), mpp=1.0,
                  levels=1)
    slides = [str(folder / 'glass.tif'), str(folder / 'tissue.tif')]
    out = folder / 'out'
    said = []
    results = run_slides(
        SlideSegmenter.from_model(ColourModel(),
                                  blend=dict(tile=64, stride=32),
                                  resolution=dict(mpp=1.0), progress=False),
        slides, str(out), say=said.append)
    paths = write_run_report(slides, str(out), results)
    with open(paths['slides.csv'], newline='') as f:
        rows = list(csv.DictReader(f))
    with open(paths['report.html']) as f:
        page = f.read()
    return dict(results=results, rows=rows, page=page, said=said, out=out,
                slides=slides)


def test_no_tissue_is_said_in_the_summary_csv_html_and_run(report):
    glass, tissue = report['results']
    on_disk = json.loads((report['out'] / 'glass.summary.json').read_text())
    for summary in (glass, on_disk):
        assert summary['status'] == 'done'
        assert summary['tissue_found'] is False
        assert summary['warnings'] == [NO_TISSUE]
    assert tissue['tissue_found'] is True
    assert NO_TISSUE not in tissue['warnings']
    rows = report['rows']
    assert [(r['status'], r['highest_grade']) for r in rows] == [
        ('no tissue', ''), ('done', 'CIN3')
    ]
    assert rows[0]['warnings'] == NO_TISSUE
    assert f'<p class="warning">Warning: {NO_TISSUE}</p>' in report['page']
    # (the painted tissue slide is also warned about: not H&E-like)
    assert report['said'][0] == f'{report["slides"][0]}: warning: {NO_TISSUE}'
    assert all(NO_TISSUE not in line for line in report['said'][1:])


def test_the_html_shows_dashes_not_none(report):
    page = report['page']
    assert 'None' not in page
    # the glass slide's table row: no grade, no area, no confidence
    assert ('<td>glass.tif</td><td>no tissue</td><td>-</td><td>0 mm²</td>'
            '<td>-</td><td>-</td>') in page


def test_areas_are_shown_in_a_unit_that_fits():
    assert _area(4.5e-05) == '45 µm²'
    assert _area(0.0099) == '9900 µm²'
    assert _area(0.01) == '0.01 mm²'
    assert _area(12.3456) == '12.35 mm²'
    assert _area(0.0) == '0 mm²'
    assert _area(None) == '-'


def test_a_summary_without_the_flag_is_judged_by_its_area():
    summary = dict(slide='s.svs', status='done', classes=['bg', 'normal'],
                   areas=dict(bg=dict(pixels=0, mm2=0.0),
                              normal=dict(pixels=0, mm2=0.0)),
                   geojson_features_per_class=dict(normal=0),
                   analysed_mm2=0.0, confidence=dict(mean=None, unsure=None),
                   resolution=dict(mpp=1.0, source='metadata'),
                   seconds=dict(total=1.0))
    row = slide_row(summary)
    assert (row['status'], row['highest_grade']) == ('no tissue', '')
