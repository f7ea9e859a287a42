"""The slides converter's bad input: one line each, a summary, exit codes
(2 nothing done, 1 partly, 0 all); label images; patients' folds."""
import json
import os

import cv2
import numpy as np
import pytest
from fixtures.annotation_files import write_qupath_geojson
from fixtures.wsi_slides import painted_slide, write_pyramid

from mmseg_hsp.cli.convert_slides import main

CROP = ['--patch-size', '32', '--stride', '16', '--folds', '2',
        '--no-progress']
# One CIN3 square over most of a 160x128 (level 0, x10) slide.
SQUARE = [('CIN3', [(8, 8), (150, 8), (150, 120), (8, 120)], [])]


@pytest.fixture
def folders(tmp_path):
    """Slides A, B, C (x10, 160x128) and an empty annotation folder."""
    slides = tmp_path / 'slides'
    slides.mkdir()
    rgb = painted_slide(128, 160, [(4, 4, 120, 150, (0, 0, 200))])
    for name in 'ABC':
        write_pyramid(str(slides / f'{name}.tiff'), rgb, mpp=1.0, levels=2)
    (tmp_path / 'ann').mkdir()
    return slides, tmp_path / 'ann', tmp_path / 'out'


def run(folders, *flags):
    slides, annotations, out = folders
    return main([str(slides), str(annotations), '--out-dir', str(out)] +
                CROP + list(flags))


def geojson(folder, name, polygons=SQUARE):
    write_qupath_geojson(str(folder / f'{name}.geojson'), polygons)


def lines(capsys):
    return capsys.readouterr().err.strip().splitlines()


def test_all_converted_exit_0(folders, capsys):
    for name in 'ABC':
        geojson(folders[1], name)
    assert run(folders) == 0
    assert lines(capsys) == []
    img = sorted(os.listdir(folders[2] / 'CrossVal' / 'Patches' / 'Img'))
    assert {n[0] for n in img} == set('ABC')


def test_unpaired_and_empty_files_are_listed_and_the_rest_done(
        folders, capsys):
    _, ann, out = folders
    geojson(ann, 'A')
    geojson(ann, 'B')
    geojson(ann, 'Z')  # no slide Z
    (ann / 'B.geojson').write_text('  \n')  # empty
    (ann / 'notes.txt').write_text('not an annotation')  # not listed
    for name in 'DE':  # two more slides, annotated
        write_pyramid(str(folders[0] / f'{name}.tiff'),
                      painted_slide(128, 160, []), mpp=1.0, levels=2)
        geojson(ann, name)
    assert run(folders) == 1
    err = lines(capsys)
    assert err[0].endswith(f'C.tiff: no annotation file C.'
                           '{geojson,json,xml,png,tif,tiff} in '
                           f'{ann}; slide skipped')
    assert err[1] == f'convert_slides: {ann}/Z.geojson: no slide named Z; ' \
        'file not used'
    assert err[2] == f'convert_slides: {ann}/B.geojson: empty annotation ' \
        'file; export the annotations again (QuPath GeoJSON or ASAP XML); ' \
        'slide skipped'
    assert err[-1] == 'convert_slides: 3 problems (listed above); the other ' \
        'slides were converted'
    img = os.listdir(out / 'CrossVal' / 'Patches' / 'Img')
    assert {n[0] for n in img} == set('ADE')


def test_unknown_class_names_stop_with_one_line_and_write_nothing(
        folders, capsys):
    _, ann, out = folders
    geojson(ann, 'A', SQUARE + [('HSIL', [(0, 0), (9, 0), (9, 9)], [])] * 2)
    geojson(ann, 'B', [('Tumor', [(0, 0), (9, 0), (9, 9)], [])])
    geojson(ann, 'C')
    assert run(folders) == 2
    assert lines(capsys)[-1] == (
        "convert_slides: error: unknown class names in the annotations: "
        "'HSIL' (2 polygons), 'Tumor' (1 polygon); map each to one of "
        'background, normal, CIN1, CIN2, CIN3 with --class-map NAME=CLASS, '
        'or leave it out with --ignore-class NAME')
    assert not out.exists()
    # Mapped and left out, the same files convert.
    assert run(folders, '--class-map', 'HSIL=CIN3', '--ignore-class',
               'tumor') == 0
    assert lines(capsys) == [
        "convert_slides: left out (--ignore-class): 'Tumor' (1 polygons)"
    ]


def test_class_map_from_a_json_file(folders, tmp_path):
    for name in 'ABC':
        geojson(folders[1], name, [('High grade', *SQUARE[0][1:])])
    (tmp_path / 'map.json').write_text(json.dumps({'High grade': 'CIN3'}))
    assert run(folders, '--class-map', str(tmp_path / 'map.json')) == 0
    mask = cv2.imread(
        str(folders[2] / 'CrossVal' / 'Patches' / 'Truth' /
            'Mask_A_00032_00032.png'), cv2.IMREAD_UNCHANGED)
    assert (mask == 4).all()


@pytest.mark.parametrize('where', ['slides', 'ann', '.'])
def test_out_dir_overlapping_an_input_is_refused(folders, capsys, where):
    slides, ann, _ = folders
    out = {'slides': slides / 'out', 'ann': ann / 'out',
           '.': slides.parent}[where]
    geojson(ann, 'A')
    assert main([str(slides), str(ann), '--out-dir', str(out)] + CROP) == 2
    err = lines(capsys)
    assert len(err) == 1 and 'the input folder' in err[0] and \
        'would replace the inputs; choose another --out-dir' in err[0]
    assert sorted(os.listdir(slides)) == ['A.tiff', 'B.tiff', 'C.tiff']


def test_out_dir_beside_a_list_file_is_fine_but_not_holding_a_slide(
        folders, tmp_path, capsys):
    slides, ann, out = folders
    for name in 'ABC':
        geojson(ann, name)
    listing = tmp_path / 'slides.txt'
    listing.write_text('slides/A.tiff\nslides/B.tiff\n')
    assert main([str(listing), str(ann), '--out-dir', str(out)] + CROP) == 1
    assert lines(capsys)[0].endswith('C.geojson: no slide named C; file '
                                     'not used')
    # A list naming a file inside the output folder is refused.
    listing.write_text('slides/A.tiff\nout/x.tiff\n')
    assert main([str(listing), str(ann), '--out-dir', str(out),
                 '--overwrite'] + CROP) == 2
    assert lines(capsys)[-1].startswith(
        f'convert_slides: error: --out-dir {out} is the input folder {out}')


def test_label_images_at_a_level_size(folders, capsys):
    slides, ann, out = folders
    # Level 1 of a 160x128 slide is 80x64: a label image of that size is
    # read at downsample 2 (nearest to each x10 window).
    mask = np.zeros((64, 80), np.uint8)
    mask[4:60, 4:76] = 2
    for name in 'AB':
        cv2.imwrite(str(ann / f'{name}.png'), mask)
    cv2.imwrite(str(ann / 'C.png'), np.full((50, 50), 2, np.uint8))
    assert run(folders) == 1
    err = lines(capsys)
    assert err[0] == (
        f'convert_slides: {ann}/C.png: mask is 50x50, which fits no level of '
        f'slide {slides}/C.tiff (160x128, 80x64); give its downsample with '
        '--mask-downsample; slide skipped')
    label = cv2.imread(
        str(out / 'CrossVal' / 'Patches' / 'Truth' / 'Mask_A_00016_00016.png'),
        cv2.IMREAD_UNCHANGED)
    expected = cv2.resize(mask, (160, 128), interpolation=cv2.INTER_NEAREST)
    assert (label == expected[16:48, 16:48]).all()
    # The same image with its downsample stated.
    assert run(folders, '--mask-downsample', '2', '--overwrite') == 1
    assert run(folders, '--mask-downsample', '3', '--overwrite') == 2


def test_a_patients_slides_share_a_fold(folders, tmp_path):
    for name in 'ABC':
        geojson(folders[1], name)
    csv = tmp_path / 'patients.csv'
    csv.write_text('slide,patient\nA.tiff,P1\nB,P1\nC,P2\n')
    assert run(folders, '--patients', str(csv)) == 0
    folds = json.loads(
        (folders[2] / 'CrossVal' / 'splits' / 'folds.json').read_text())
    assert folds['folds']['A'] == folds['folds']['B'] != folds['folds']['C']
    assert folds['patients'] == {'A': 'P1', 'B': 'P1', 'C': 'P2'}
    csv.write_text('A,P1\nB,P1\n')
    assert run(folders, '--patients', str(csv), '--overwrite') == 2


def test_a_bad_class_map_is_argparses_one_line(folders, capsys):
    with pytest.raises(SystemExit) as exit:
        run(folders, '--class-map', 'HSIL')
    assert exit.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        "error: argument --class-map: 'HSIL' is not NAME=CLASS; give "
        'NAME=CLASS,NAME=CLASS or a JSON file')
