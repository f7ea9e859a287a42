"""``--cfg-options`` (and the API's ``cfg_options``) name keys the config
has: a typo is one line naming the nearest key, never a silent new key."""
import glob
import os
import os.path as osp
import subprocess
import sys

import pytest
from conftest import REPO_ROOT, TESTS_DIR
from fixtures.wsi_slides import TINY_FCN_OPTIONS
from mmengine.config import Config

from mmseg_hsp.config_options import merge_cfg_options

TINY_CFG = osp.join(TESTS_DIR, 'configs', 'tiny_fcn.py')
HSPNET = osp.join(REPO_ROOT, 'configs', 'hspnet_r101_mtchi.py')
# The overrides the docs, the tests and the tools pass (every shipped
# config takes them).
COMMON = {
    'model.test_cfg.mode': 'gauss',
    'model.test_cfg.crop_size': (128, 128),
    'model.test_cfg.stride': (32, 32),
    'model.test_cfg.amp': 'bf16',
    'model.backbone.init_cfg': None,
    'train_cfg.val_interval': 2,
    'default_hooks.checkpoint.interval': 1,
    'default_hooks.visualization.draw': True,  # a keyword of the hook
    'train_dataloader.batch_size': 2,
    'train_dataloader.num_workers': 0,
    'train_dataloader.persistent_workers': False,
    'train_dataloader.dataset.data_root': '/data',
    'test_dataloader.dataset.data_root': '/data',
    'test_dataloader.num_workers': 0,
    'model.data_preprocessor.size': (32, 32),
    'total_batch_size': 16,
    'randomness.seed': 1,
    'load_from': None,
}


def config(path=HSPNET):
    return Config.fromfile(path)


@pytest.mark.parametrize('path', sorted(
    glob.glob(osp.join(REPO_ROOT, 'configs', '*.py'))))
def test_common_overrides_of_every_shipped_config(path):
    cfg = config(path)
    options = dict(COMMON)
    if 'init_cfg' not in cfg.model.backbone:
        del options['model.backbone.init_cfg']
    # an iteration or an epoch schedule, as the loop counts
    length = 'max_iters' if 'max_iters' in cfg.train_cfg else 'max_epochs'
    options[f'train_cfg.{length}'] = 2
    merge_cfg_options(cfg, options)
    assert cfg.model.test_cfg.mode == 'gauss'
    assert cfg.train_cfg[length] == 2
    assert cfg.randomness.seed == 1


def test_list_items_keywords_and_replaced_dicts():
    cfg = config()
    merge_cfg_options(cfg, {
        'param_scheduler.0.end': 10,
        'train_dataloader.dataset.pipeline.2.prob': 0.25,
        'optim_wrapper.accumulative_counts': 2,  # OptimWrapper's keyword
        'model.decode_head.loss_decode': dict(_delete_=True,
                                              type='CrossEntropyLoss'),
    })
    merge_cfg_options(cfg, {'model': dict(test_cfg=dict(mode='none'))})
    assert cfg.param_scheduler[0].end == 10
    assert cfg.train_dataloader.dataset.pipeline[2].prob == 0.25
    assert cfg.optim_wrapper.accumulative_counts == 2
    assert cfg.model.decode_head.loss_decode.type == 'CrossEntropyLoss'
    assert cfg.model.test_cfg.mode == 'none'
    merge_cfg_options(cfg, {'model.decode_head.loss_decode.use_sigmoid':
                            False})  # a keyword of the loss now set


@pytest.mark.parametrize('options, message', [
    ({'model.test_cfg.mdoe': 'gauss'},
     "cfg option 'model.test_cfg.mdoe': the config has no key 'mdoe' under "
     "'model.test_cfg'; did you mean 'model.test_cfg.mode'? To add a new "
     "key, mark it with a leading '+': +model.test_cfg.mdoe=..."),
    ({'test_dataloder.batch_size': 2},
     "no key 'test_dataloder' at the top; did you mean "
     "'test_dataloader.batch_size'?"),
    ({'train_cfg.max_epoch': 2}, "did you mean 'train_cfg.max_epochs'?"),
    ({'train_cfg.val_begn': 2},  # a keyword of the loop, not in the config
     "did you mean 'train_cfg.val_begin'?"),
    ({'model': {'test_cfg': {'mdoe': 'none'}}},
     "'model.test_cfg.mdoe': the config has no key 'mdoe'"),
    ({'model.decode_head.loss_decode.loss_wieght': 1.0},
     "no key 'loss_wieght' under 'model.decode_head.loss_decode'"),
])
def test_unknown_key_names_the_nearest(options, message):
    cfg = config()
    before = cfg.to_dict()
    with pytest.raises(ValueError) as error:
        merge_cfg_options(cfg, options)
    assert message in str(error.value)
    assert cfg.to_dict() == before  # nothing merged


def test_a_plus_marks_a_new_key():
    cfg = config()
    merge_cfg_options(cfg, {'+model.test_cfg.new_key': 1})
    assert cfg.model.test_cfg.new_key == 1
    assert '+model' not in cfg


@pytest.mark.parametrize('key, value, choices', [
    ('model.test_cfg.mode', 'gaus', 'whole, slide, gauss, mean, none'),
    ('model.test_cfg.amp', 'bf17', 'auto, bf16, fp16, fp32, True, False'),
    ('model.test_cfg.weight', 'gauss', 'gaussian, cosine, exponential'),
    ('model.test_cfg.scores', 'probs', 'softmax, logits'),
])
def test_value_outside_our_choices(key, value, choices):
    with pytest.raises(ValueError) as error:
        merge_cfg_options(config(), {key: value})
    assert str(error.value) == \
        f"cfg option '{key}': {value!r} is not one of {choices}"


def test_loss_type_must_be_a_registered_loss():
    with pytest.raises(ValueError) as error:
        merge_cfg_options(config(), {
            'model.decode_head.loss_decode.type': 'CrossEntropyLos'})
    assert "'CrossEntropyLos' is not one of" in str(error.value)
    assert 'AdaptiveElasticLoss' in str(error.value)
    assert 'CrossEntropyLoss' in str(error.value)


def test_the_slide_api_raises_value_error():
    from mmseg_hsp.apis import init_slide_segmenter
    with pytest.raises(ValueError, match="'model.test_cfg.mdoe'"):
        init_slide_segmenter(TINY_CFG, None, cfg_options={
            **TINY_FCN_OPTIONS, 'model.test_cfg.mdoe': 'none'})


@pytest.mark.parametrize('tool, args, key, near', [
    ('test.py', [TINY_CFG, 'no.pth'], 'model.test_cfg.mdoe=gauss',
     'model.test_cfg.mode'),
    ('test.py', [TINY_CFG, 'no.pth'], 'test_dataloder.batch_size=2',
     'test_dataloader.batch_size'),
    ('train.py', [TINY_CFG], 'train_cfg.max_iterz=2', 'train_cfg.max_iters'),
    ('infer_wsi.py', [TINY_CFG, 'no.pth', 'slide.tif', '--out-dir', 'out'],
     'model.test_cfg.mdoe=none', 'model.test_cfg.mode'),
])
def test_tools_refuse_a_mistyped_key(tmp_path, tool, args, key, near):
    (tmp_path / 'slide.tif').write_bytes(b'')
    proc = subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools', tool), *args,
         '--cfg-options', key],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=300,
        # the config imports fixtures.probe_hooks
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(
            [TESTS_DIR, REPO_ROOT, os.environ.get('PYTHONPATH', '')])))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert f"'{key.split('=')[0]}'" in last
    assert f"did you mean '{near}'?" in last
