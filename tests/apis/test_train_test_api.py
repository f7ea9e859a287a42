"""mmseg_hsp.apis.train_model / test_model: what they return, resume, the
errors naming their arguments, and many test runs in one process."""
import glob
import json
import os.path as osp
import shutil
import time

import pytest
import torch
from fixtures.tiny_training import read_probe, write_tiny_dataset

from conftest import TESTS_DIR
from mmseg_hsp.apis import test_model, train_model
from mmseg_hsp.arguments import ArgumentError

CONFIG = osp.join(TESTS_DIR, 'configs', 'tiny_fcn_test.py')


def data_options(root, **options):
    return {
        'train_dataloader.dataset.data_root': root,
        'test_dataloader.dataset.data_root': root,
        **options
    }


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """The tiny FCN trained 3 iterations; a copy of its weights perturbed."""
    root = write_tiny_dataset(str(tmp_path_factory.mktemp('data')))
    work_dir = str(tmp_path_factory.mktemp('run'))
    run = train_model(CONFIG, work_dir, cfg_options=data_options(root))
    weights = torch.load(run['checkpoint'], weights_only=True)['state_dict']
    torch.manual_seed(0)
    other = osp.join(work_dir, 'perturbed.pth')
    torch.save(
        dict(state_dict={
            k: v + torch.randn_like(v) if v.is_floating_point() else v
            for k, v in weights.items()
        }), other)
    return root, work_dir, run, other


def run_folder(work_dir):
    """The one run folder of a test run's work_dir: its scores, config."""
    (folder, ) = glob.glob(osp.join(work_dir, '2*'))
    (scores, ) = glob.glob(osp.join(folder, '2*.json'))
    with open(scores) as f:
        scores = json.load(f)
    with open(osp.join(folder, 'vis_data', 'config.py')) as f:
        return scores, f.read()


def test_train_model_returns_its_work_dir_and_last_checkpoint(trained):
    _, work_dir, run, _ = trained
    assert run == dict(work_dir=work_dir,
                       checkpoint=osp.join(work_dir, 'iter_3.pth'))
    assert osp.isfile(run['checkpoint'])
    assert read_probe(work_dir)['iters'] == [0, 1, 2]


def test_train_model_resumes(trained, tmp_path):
    root, work_dir, _, _ = trained
    shutil.copytree(work_dir, tmp_path / 'run')
    run = train_model(CONFIG, str(tmp_path / 'run'), resume=True,
                      cfg_options=data_options(root,
                                               **{'train_cfg.max_iters': 5}))
    assert run['checkpoint'] == str(tmp_path / 'run' / 'iter_5.pth')
    probe = read_probe(str(tmp_path / 'run'))
    assert (probe['start_iter'], probe['iters']) == (3, [3, 4])


def test_test_model_many_times_in_one_process(trained, tmp_path):
    """Two checkpoints, two protocols, then the first again: each call
    scores its own checkpoint in its own mode into its own run folder."""
    root, _, run, other = trained
    calls = [(run['checkpoint'], 'none'), (other, 'gauss'),
             (run['checkpoint'], 'none')]
    results = []
    for i, (checkpoint, mode) in enumerate(calls):
        work_dir = str(tmp_path / str(i))
        scores = test_model(CONFIG, checkpoint, work_dir=work_dir, mode=mode,
                            cfg_options=data_options(root))
        saved, config = run_folder(work_dir)
        assert {k: saved[k] for k in scores} == pytest.approx(scores)
        assert f"load_from = '{checkpoint}'" in config
        assert f"mode='{mode}'" in config
        results.append(scores)
    assert 0 <= results[0]['mIoU'] <= 1
    assert results[2] == results[0]
    assert results[1]['mIoU'] != results[0]['mIoU']


class FrozenClock:
    """``time.time`` standing still; ``time.sleep`` moves it on."""

    def __init__(self):
        self.now = time.time()

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.mark.parametrize('same_work_dir', [False, True])
def test_runs_started_in_one_second_keep_apart(trained, tmp_path,
                                                monkeypatch, same_work_dir):
    """mmengine names a runner's global instances and its folder by the
    second: a second run in the same second would write into the first's."""
    root, _, run, _ = trained
    clock = FrozenClock()
    monkeypatch.setattr(time, 'time', clock.time)
    monkeypatch.setattr(time, 'sleep', clock.sleep)
    work_dirs = [str(tmp_path / ('a' if same_work_dir else name))
                 for name in 'ab']
    for work_dir, mode in zip(work_dirs, ('none', 'gauss')):
        test_model(CONFIG, run['checkpoint'], work_dir=work_dir, mode=mode,
                   cfg_options=data_options(root))
    folders = sorted(glob.glob(str(tmp_path / '*' / '2*')))
    assert len(folders) == 2
    for folder, mode in zip(folders, ('none', 'gauss')):
        assert len(glob.glob(osp.join(folder, '2*.json'))) == 1
        with open(osp.join(folder, 'vis_data', 'config.py')) as f:
            assert f"mode='{mode}'" in f.read()


@pytest.mark.parametrize('amp, message', [
    ('half', "amp='half': unknown; use one of auto, bf16, fp16, fp32"),
    pytest.param('fp16', "amp='fp16': float16 autocast is for CUDA",
                 marks=pytest.mark.skipif(torch.cuda.is_available(),
                                          reason='CPU only')),
])
def test_an_impossible_amp_is_named(tmp_path, amp, message):
    with pytest.raises(ArgumentError, match=message):
        train_model(CONFIG, str(tmp_path / 'train'), amp=amp)
    with pytest.raises(ArgumentError, match=message):
        test_model(CONFIG, __file__, work_dir=str(tmp_path / 'test'),
                   amp=amp)


def test_a_missing_checkpoint_is_named(tmp_path):
    missing = str(tmp_path / 'missing.pth')
    with pytest.raises(FileNotFoundError,
                       match=f'checkpoint {missing}: no such file'):
        test_model(CONFIG, missing, work_dir=str(tmp_path / 'work'))
    assert not (tmp_path / 'work').exists()


@pytest.mark.parametrize('arguments, message', [
    (dict(mode='blend'),
     "mode='blend': unknown; use one of whole, slide, gauss, mean, none"),
    (dict(mode='gauss', cfg_options={'model.type': 'EncoderDecoder'}),
     "mode='gauss': the model is a EncoderDecoder, which tests whole"),
    (dict(show_dir='vis'),
     "show_dir='vis': the config's default_hooks have no visualization"),
])
def test_test_model_names_an_argument_it_cannot_use(trained, arguments,
                                                    message):
    _, _, run, _ = trained
    with pytest.raises(ArgumentError, match=message):
        test_model(CONFIG, run['checkpoint'], **arguments)
