"""Annotation class names matched to a config's classes: by themselves,
through --class-map, left out with --ignore-class, or one error line."""
from collections import Counter

import pytest

from mmseg_hsp.annotations import class_mapping, parse_class_map

CLASSES = ('background', 'normal', 'CIN1', 'CIN2', 'CIN3')


def test_names_equal_to_a_class_map_by_themselves():
    found = Counter({'Normal': 3, 'CIN 1': 1, 'cin-2': 2, 'Cin_3': 1,
                     'BACKGROUND': 1})
    assert class_mapping(found, CLASSES) == {
        'Normal': 1, 'CIN 1': 2, 'cin-2': 3, 'Cin_3': 4, 'BACKGROUND': 0}


def test_class_map_and_ignore():
    found = Counter({'HSIL': 4, 'LSIL': 1, 'Tumor': 2, 'normal': 5})
    mapping = class_mapping(found, CLASSES,
                            {'hsil': 'cin 3', 'LSIL': 'CIN1'},
                            ignore={'TUMOR'})
    assert mapping == {'HSIL': 4, 'LSIL': 2, 'normal': 1}
    # A mapping overrides a name's own class.
    assert class_mapping(Counter({'CIN2': 1}), CLASSES,
                         {'CIN2': 'CIN3'}) == {'CIN2': 4}


def test_unknown_names_are_listed_in_one_line_with_counts_and_the_fix():
    found = Counter({'Tumor': 1, 'HSIL': 12, 'normal': 3, 'Stroma': 2})
    with pytest.raises(ValueError) as error:
        class_mapping(found, CLASSES, {'Stroma': 'background'})
    assert str(error.value) == (
        "unknown class names in the annotations: 'HSIL' (12 polygons), "
        "'Tumor' (1 polygon); map each to one of background, normal, CIN1, "
        'CIN2, CIN3 with --class-map NAME=CLASS, or leave it out with '
        '--ignore-class NAME')


def test_a_map_to_no_class_is_an_error():
    with pytest.raises(ValueError, match=r"--class-map HSIL=CIN4: 'CIN4' is "
                       'not a class; the classes are background, normal'):
        class_mapping(Counter({'HSIL': 1}), CLASSES, {'HSIL': 'CIN4'})


def test_parse_class_map_text_and_json(tmp_path):
    assert parse_class_map('HSIL=CIN3, CIN 2/3 = CIN3,LSIL=CIN1') == {
        'HSIL': 'CIN3', 'CIN 2/3': 'CIN3', 'LSIL': 'CIN1'}
    path = tmp_path / 'map.json'
    path.write_text('{"High grade": "CIN3", "Low grade": "CIN1"}')
    assert parse_class_map(str(path)) == {'High grade': 'CIN3',
                                          'Low grade': 'CIN1'}


@pytest.mark.parametrize('text, message', [
    ('HSIL', "'HSIL' is not NAME=CLASS"),
    ('HSIL=CIN3,=CIN1', "'=CIN1' is not NAME=CLASS"),
    (',', 'no NAME=CLASS given'),
])
def test_parse_class_map_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_class_map(text)


def test_parse_class_map_json_must_be_an_object_of_names(tmp_path):
    for content in ('["HSIL", "CIN3"]', '{"HSIL": 4}', '{'):
        path = tmp_path / 'map.json'
        path.write_text(content)
        with pytest.raises(ValueError, match=f'^{path}: '):
            parse_class_map(str(path))

