"""The amp agreement check (tools/analysis/amp_agreement.py): pixel
agreement of two folders of label maps."""
import cv2
import numpy as np
import pytest

from mmseg_hsp.experiments.amp_agreement import agreement


def write_labels(folder, **maps):
    folder.mkdir()
    for name, labels in maps.items():
        cv2.imwrite(str(folder / f'{name}.png'), np.asarray(labels, np.uint8))


def test_agreement_is_the_share_of_equal_pixels_over_all_maps(tmp_path):
    write_labels(tmp_path / 'a', x=[[1, 2], [3, 4]], y=[[0, 0, 0, 0]])
    write_labels(tmp_path / 'b', x=[[1, 2], [3, 0]], y=[[0, 0, 1, 1]])
    # 3 of 4 equal in x, 2 of 4 in y.
    assert agreement(str(tmp_path / 'a'), str(tmp_path / 'b')) == 5 / 8


def test_agreement_refuses_other_or_no_predictions(tmp_path):
    write_labels(tmp_path / 'a', x=[[1]])
    write_labels(tmp_path / 'b', z=[[1]])
    with pytest.raises(RuntimeError, match='do not hold the same'):
        agreement(str(tmp_path / 'a'), str(tmp_path / 'b'))
    write_labels(tmp_path / 'empty')
    with pytest.raises(RuntimeError, match='do not hold the same'):
        agreement(str(tmp_path / 'empty'), str(tmp_path / 'empty'))
