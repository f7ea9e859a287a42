"""Issue 22: the run report, slides.csv and report.html (in Chromium)."""
import csv
import shutil
import subprocess

import cv2
import pytest
from fixtures.wsi_slides import ColourModel, ellipse_slide, write_pyramid

from mmseg_hsp.wsi.report import slide_row, write_run_report
from mmseg_hsp.wsi.runner import run_slides
from mmseg_hsp.wsi.segmenter import SlideSegmenter

GREEN, BLUE = (0, 200, 0), (0, 0, 200)
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')


@pytest.fixture(scope='module')
def run_folder(tmp_path_factory):
    """A run of three slides: a x40 slide with every grade, an MTCHI-style
    region (magnification only) with CIN1 and a speck of CIN2 smaller than
    the GeoJSON's minimum area, and a missing slide."""
    folder = tmp_path_factory.mktemp('run')
    write_pyramid(folder / 'a_cin3.tif', ellipse_slide(960, 1280), mpp=0.25,
                  levels=3)
    region = ellipse_slide(192, 256, lesions=False)
    region[60:90, 80:120] = GREEN
    region[130:134, 150:154] = BLUE
    cv2.imwrite(str(folder / 'b_cin1.png'), region[..., ::-1])
    slides = [str(folder / name)
              for name in ('a_cin3.tif', 'b_cin1.png', 'c_missing.svs')]
    out = folder / 'out'
    segmenter = SlideSegmenter.from_model(
        ColourModel(), blend=dict(tile=64, stride=32, batch_size=16),
        progress=False)
    results = run_slides(segmenter, slides[:1] + slides[2:], str(out))
    # the region has no resolution metadata: run with its magnification
    region_segmenter = SlideSegmenter.from_model(
        ColourModel(), blend=dict(tile=64, stride=32, batch_size=16),
        resolution=dict(input_magnification=10), progress=False)
    results.insert(1, region_segmenter.run(slides[1], str(out)))
    paths = write_run_report(slides, str(out), results)
    return dict(slides=slides, results=results, paths=paths, out=out)


def read_csv(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def test_slides_csv_numbers_equal_the_summaries(run_folder):
    rows = read_csv(run_folder['paths']['slides.csv'])
    assert [row['slide'] for row in rows] == [
        'a_cin3.tif', 'b_cin1.png', 'c_missing.svs'
    ]
    assert [row['status'] for row in rows] == ['done', 'done', 'failed']
    assert [row['highest_grade'] for row in rows] == ['CIN3', 'CIN1', '']
    for row, summary in zip(rows[:2], run_folder['results']):
        assert float(row['tissue_mm2']) == summary['analysed_mm2']
        assert float(row['mean_confidence']) == \
            summary['confidence']['mean']
        assert float(row['mpp']) == summary['resolution']['mpp']
        assert row['mpp_source'] == summary['resolution']['source']
        epithelium = sum(summary['areas'][name]['pixels']
                         for name in summary['classes'][1:])
        for name in summary['classes'][1:]:
            assert float(row[f'{name}_mm2']) == summary['areas'][name]['mm2']
            assert float(row[f'{name}_share']) == round(
                summary['areas'][name]['pixels'] / epithelium, 4)
    assert rows[0]['mpp_source'] == 'metadata'
    assert rows[1]['mpp_source'] == 'nominal'
    # the CIN2 speck is in the areas, but does not make the grade
    assert float(rows[1]['CIN2_mm2']) == 4 * 4 * 1e-6
    assert 'no such file' in rows[2]['error']


def test_highest_grade_counts_drawn_regions_only():
    summary = dict(slide='s.svs', status='done',
                   classes=['background', 'normal', 'CIN1', 'CIN2'],
                   areas=dict(background=dict(pixels=5, mm2=5e-6),
                              normal=dict(pixels=6, mm2=6e-6),
                              CIN1=dict(pixels=0, mm2=0.0),
                              CIN2=dict(pixels=2, mm2=2e-6)),
                   geojson_features_per_class=dict(normal=1, CIN1=0, CIN2=0),
                   analysed_mm2=13e-6,
                   confidence=dict(mean=0.9, unsure=0.0),
                   resolution=dict(mpp=1.0, source='metadata'),
                   seconds=dict(total=1.5))
    row = slide_row(summary)
    assert row['highest_grade'] == 'normal'
    assert (row['normal_share'], row['CIN1_share'],
            row['CIN2_share']) == (0.75, 0.0, 0.25)
    summary['geojson_features_per_class'] = dict(normal=0, CIN1=0, CIN2=0)
    assert slide_row(summary)['highest_grade'] == 'none'


def test_report_html_is_self_contained(run_folder):
    with open(run_folder['paths']['report.html']) as f:
        page = f.read()
    assert page.count('<section>') == 3
    assert page.count('data:image/png;base64,') == 2
    assert 'src="http' not in page and '<link' not in page
    assert 'nominal pixel size' in page  # the region's areas
    assert 'c_missing.svs' in page and 'no such file' in page


@pytest.mark.skipif(CHROMIUM is None,
                    reason='chromium is not installed (Debian: apt-get '
                    'install chromium); the HTML is not checked in a browser')
def test_report_html_renders_in_chromium(run_folder, tmp_path):
    page = run_folder['paths']['report.html']
    flags = [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu',
             f'--user-data-dir={tmp_path / "profile"}']
    dom = subprocess.run(flags + ['--dump-dom', f'file://{page}'],
                         capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    # the browser parsed the page: three slide sections, two images
    assert dom.stdout.count('<section>') == 3
    assert dom.stdout.count('<img') == 2
    shot = tmp_path / 'report.png'
    subprocess.run(flags + ['--window-size=1200,1600', '--hide-scrollbars',
                            f'--screenshot={shot}', f'file://{page}'],
                   capture_output=True, timeout=120, check=True)
    image = cv2.imread(str(shot))
    assert image.shape[:2] == (1600, 1200)
    # not a blank page: text, table rules and the overlay thumbnails
    assert image.std() > 20
