"""MTCHIDataset on a tiny Task 2 tree: layout, splits and clear errors."""
import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

import mmseg_hsp  # noqa: F401 (registers the dataset and transform)
from mmseg.registry import DATASETS

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMTCHIAnnotations'),
    dict(type='PackSegInputs')
]


def write_region(split_dir, name, mask, image_shape=None):
    (split_dir / 'Img').mkdir(parents=True, exist_ok=True)
    (split_dir / 'Truth').mkdir(parents=True, exist_ok=True)
    image = np.full(image_shape or mask.shape[:2] + (3, ), 200, np.uint8)
    cv2.imwrite(str(split_dir / 'Img' / f'{name}.png'), image)
    if mask is not None:
        cv2.imwrite(str(split_dir / 'Truth' / f'Mask_{name}.png'), mask)


def build(root, **kwargs):
    init_default_scope('mmseg')  # the pipeline's transforms are mmseg's
    return DATASETS.build(
        dict(
            type='MTCHIDataset',
            data_root=str(root),
            data_prefix=dict(img_path='Test/Img', seg_map_path='Test/Truth'),
            pipeline=PIPELINE,
            **kwargs))


def test_reads_task2_layout_with_mask_prefix(tmp_path):
    labels = np.array([[0, 1, 2], [3, 4, 0]], np.uint8)
    write_region(tmp_path / 'Test', 'Crop_B2', labels)
    write_region(tmp_path / 'Test', 'Crop_B1', labels[::-1].copy())
    dataset = build(tmp_path)
    assert image_names(dataset) == ['Crop_B1.png', 'Crop_B2.png']
    assert osp_name(
        dataset.get_data_info(1)['seg_map_path']) == 'Mask_Crop_B2.png'
    assert dataset.metainfo['classes'] == ('background', 'normal', 'CIN1',
                                           'CIN2', 'CIN3')
    assert dataset.metainfo['palette'] == [[0, 0, 0], [255, 176, 0],
                                           [0, 255, 0], [0, 0, 255],
                                           [255, 0, 0]]
    gt = dataset[1]['data_samples'].gt_sem_seg.data[0].numpy()
    assert (gt == labels).all()


def osp_name(path):
    return path.replace('\\', '/').rsplit('/', 1)[-1]


def image_names(dataset):
    return [
        osp_name(dataset.get_data_info(i)['img_path'])
        for i in range(len(dataset))
    ]


def test_split_file_selects_samples(tmp_path):
    for name in ('a', 'b', 'c'):
        write_region(tmp_path / 'Test', name, np.ones((4, 4), np.uint8))
    (tmp_path / 'fold1.txt').write_text('c\na\n')
    dataset = build(tmp_path, ann_file='fold1.txt')
    assert image_names(dataset) == ['c.png', 'a.png']
    (tmp_path / 'bad.txt').write_text('a\nzz\n')
    with pytest.raises(FileNotFoundError, match='zz.png'):
        build(tmp_path, ann_file='bad.txt')


def test_missing_mask_names_the_file(tmp_path):
    write_region(tmp_path / 'Test', 'ok', np.ones((4, 4), np.uint8))
    write_region(tmp_path / 'Test', 'Crop_lost', None, (4, 4, 3))
    with pytest.raises(FileNotFoundError, match='Mask_Crop_lost.png'):
        build(tmp_path)


def test_empty_or_absent_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match='image folder not found'):
        build(tmp_path)
    (tmp_path / 'Test' / 'Img').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match='no \\*.png images'):
        build(tmp_path)


@pytest.mark.parametrize(
    'mask, image_shape, message',
    [(np.array([[0, 1], [5, 9]], np.uint8), None, r'labels 5, 9 are outside'),
     (np.ones((4, 4), np.uint8), (4, 6, 3), r'mask is 4x4 .* image is 4x6'),
     (np.ones((4, 4, 3), np.uint8), None, r'single-channel'),
     (np.full((2, 2), 260, np.uint16), None, r'labels 260 are outside')])
def test_bad_mask_content_fails_on_load(tmp_path, mask, image_shape, message):
    write_region(tmp_path / 'Test', 'Crop_bad', mask, image_shape)
    dataset = build(tmp_path)
    with pytest.raises(ValueError, match=message) as error:
        dataset[0]
    assert 'Mask_Crop_bad.png' in str(error.value)
