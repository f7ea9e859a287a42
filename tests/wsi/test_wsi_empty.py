"""Issue 11, case 9: nothing to do is never a silent success.

The converter writing 0 patches exited 0, upper-case ``.PNG`` regions were
skipped without a word, an empty split file or an empty evaluation failed
with an error that did not name the cause, and an all-background truth gave
NaN scores without a warning. (``infer_wsi.py`` on an empty folder is in
``test_cli_error_lines.py``.)
"""
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

import mmseg_hsp  # noqa: F401 (registers the dataset and metric)
from conftest import REPO_ROOT
from mmseg.registry import DATASETS, METRICS
from mmseg_hsp.datasets.mtchi_patches import convert_regions


def write_region(split_dir, name, mask, ext='.png'):
    for sub in ('Img', 'Truth'):
        (split_dir / sub).mkdir(parents=True, exist_ok=True)
    image = np.full(mask.shape + (3, ), 200, np.uint8)
    cv2.imwrite(str(split_dir / 'Img' / f'{name}{ext}'), image)
    cv2.imwrite(str(split_dir / 'Truth' / f'Mask_{name}{ext}'), mask)


def build_dataset(root, **kwargs):
    init_default_scope('mmseg')
    return DATASETS.build(
        dict(type='MTCHIDataset',
             data_root=str(root),
             data_prefix=dict(img_path='Test/Img', seg_map_path='Test/Truth'),
             pipeline=[dict(type='LoadImageFromFile'),
                       dict(type='LoadMTCHIAnnotations'),
                       dict(type='PackSegInputs')],
             **kwargs))


def test_converter_writing_no_patch_fails_naming_the_cause(tmp_path):
    # annotated, but nowhere near the 20% a patch needs
    mask = np.zeros((48, 48), np.uint8)
    mask[0, 0] = 2
    write_region(tmp_path / 'Training', 'Crop_A', mask)
    done = subprocess.run(
        [sys.executable, 'tools/dataset_converters/mtchi.py',
         str(tmp_path), '--patch-size', '16', '--stride', '8',
         '--no-progress'],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert 'no patch' in last and '--min-annotated' in last
    assert not (tmp_path / 'TrainingPatches').exists()


def test_upper_case_png_regions_are_used(tmp_path):
    mask = np.zeros((32, 32), np.uint8)
    mask[:, :16] = 1
    write_region(tmp_path / 'Test', 'Crop_lower', mask)
    write_region(tmp_path / 'Test', 'Crop_UPPER', mask, ext='.PNG')
    dataset = build_dataset(tmp_path)
    paths = sorted(os.path.basename(dataset.get_data_info(i)['img_path'])
                   for i in range(len(dataset)))
    assert paths == ['Crop_UPPER.PNG', 'Crop_lower.png']
    assert dataset[paths.index('Crop_UPPER.PNG')]['data_samples'] \
        .gt_sem_seg.data.shape[-2:] == (32, 32)
    # the patch converter crops them too
    write_region(tmp_path / 'Training', 'Crop_UPPER', mask, ext='.PNG')
    patches = convert_regions(str(tmp_path / 'Training'),
                              str(tmp_path / 'Patches'), patch_size=16,
                              stride=16, min_annotated=0.2, progress=False)
    assert len(patches['Crop_UPPER']) == 2  # the annotated left half
    assert sorted(os.listdir(tmp_path / 'Patches' / 'Img'))[0].startswith(
        'Crop_UPPER_')


def test_empty_split_file_names_itself(tmp_path):
    write_region(tmp_path / 'Test', 'Crop_A', np.ones((8, 8), np.uint8))
    split = tmp_path / 'fold1.txt'
    split.write_text('\n  \n')
    with pytest.raises(ValueError, match=f'{split}: lists no sample'):
        build_dataset(tmp_path, ann_file=str(split))


def evaluate(pairs):
    metric = METRICS.build(dict(type='MTCHIMetric'))
    for pred, truth in pairs:
        metric.process(dict(inputs=[None]), [
            dict(pred_sem_seg=dict(data=torch.tensor([pred])),
                 gt_sem_seg=dict(data=torch.tensor([truth])),
                 img_path='Img/x.png')
        ])
    return metric.compute_metrics(metric.results)


def test_empty_evaluation_names_the_cause():
    with pytest.raises(ValueError, match='no sample was evaluated'):
        evaluate([])


def test_all_background_truth_warns():
    with pytest.warns(UserWarning, match='background.*not evaluated'):
        metrics = evaluate([([[1, 2]], [[0, 0]])])
    assert np.isnan(metrics['mIoU']) and np.isnan(metrics['AP'])
