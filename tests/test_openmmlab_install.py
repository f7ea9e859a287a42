"""The plugin at the ecosystem's edges: ``mmseg_hsp::`` configs in
mmengine's and mmseg's own entry points from a fresh interpreter (wheel,
PEP 660 editable, ``mim install``), the start-up hook's footprint, the
extras, and the packaging files."""
import glob
import importlib.util
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
from mmengine.config import Config

from conftest import REPO_ROOT, make_venv

# A user's config outside the repository: one changed key.
USER_CONFIG = ("_base_ = ['mmseg_hsp::hspnet_r101_mtchi.py']\n"
               "train_dataloader = dict(batch_size=3)\n")
# Run in a fresh interpreter that has not imported the plugin: mmengine's
# Config, mmseg's init_model and mmengine.hub.get_config.
ENTRY_POINTS = """
import sys
loaded_first = 'mmseg_hsp' in sys.modules
from mmengine.config import Config
cfg = Config.fromfile('user_config.py')
from mmseg.apis import init_model
model = init_model('user_config.py', device='cpu')
from mmengine.hub import get_config
hub_cfg = get_config('mmseg_hsp::hspnet_r18_synthetic_demo.py')
import mmseg_hsp
print(loaded_first, mmseg_hsp.__file__)
print(cfg.train_dataloader.batch_size, cfg.model.backbone.depth,
      type(model.decode_head).__name__, hub_cfg.model.backbone.depth)
"""


def run(args, cwd=REPO_ROOT, check=True, **extra_env):
    """Run ``args`` without this checkout on PYTHONPATH (what an installed
    package sees), with ``extra_env`` set."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update({'OMP_NUM_THREADS': '1', **extra_env})
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed:\n{proc.stdout[-3000:]}\n'
                             f'{proc.stderr[-3000:]}')
    return proc


def copy_project(dest):
    """The repository's tracked files (links as links), as a clean clone
    has them: a file the build needs but git ignores is missing here too.
    """
    names = run(['git', '-C', REPO_ROOT, 'ls-files', '-z']).stdout
    for name in filter(None, names.split('\0')):
        src, dst = osp.join(REPO_ROOT, name), osp.join(dest, name)
        if not osp.lexists(src):
            continue  # deleted in the working tree, not yet committed
        os.makedirs(osp.dirname(dst), exist_ok=True)
        if osp.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)
    return dest


def site_packages(python):
    return run([python, '-c', 'import sysconfig; '
                'print(sysconfig.get_path("purelib"))']).stdout.strip()


def install_wheel(tmp_path):
    run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
         '--no-build-isolation', copy_project(str(tmp_path / 'src')), '-w',
         str(tmp_path / 'wheel')])
    python = make_venv(tmp_path / 'venv')
    wheel = next((tmp_path / 'wheel').glob('mmseg_hsp-*.whl'))
    run([python, '-m', 'pip', 'install', '-q', '--no-deps',
         '--ignore-installed', str(wheel)])
    return python, osp.join(site_packages(python), 'mmseg_hsp')


def install_editable(tmp_path):
    src = copy_project(str(tmp_path / 'src'))
    python = make_venv(tmp_path / 'venv')
    run([python, '-m', 'pip', 'install', '-q', '--no-deps',
         '--ignore-installed', '--no-build-isolation', '-e', src])
    return python, osp.join(src, 'mmseg_hsp')


@pytest.fixture(scope='module')
def wheel_install(tmp_path_factory):
    return install_wheel(tmp_path_factory.mktemp('wheel_install'))


@pytest.fixture
def installed(request, wheel_install, tmp_path):
    if request.param == 'wheel':
        return wheel_install
    return install_editable(tmp_path)


@pytest.mark.parametrize('installed', ['wheel', 'pep660-editable'],
                         indirect=True)
def test_package_config_in_fresh_interpreter(tmp_path, installed):
    """mmengine's and mmseg's own entry points inherit ``mmseg_hsp::`` in
    a process that never imported the plugin (the .pth hook)."""
    python, package_dir = installed
    assert osp.isfile(osp.join(site_packages(python),
                               'mmseg_hsp-configs.pth'))
    user = tmp_path / 'user'
    user.mkdir()
    (user / 'user_config.py').write_text(USER_CONFIG)
    out = run([python, '-c', ENTRY_POINTS], cwd=str(user)).stdout
    first, values = out.strip().splitlines()[-2:]
    assert first == f'False {osp.join(package_dir, "__init__.py")}'
    assert values == '3 101 HSPHead 18'


def test_installed_commands_help(wheel_install):
    """Each console command of a wheel install, and its ``python -m`` form,
    runs; the whole-slide and Table 5 tools are among them."""
    python, _ = wheel_install
    listing = run([python, '-c', (
        'from importlib.metadata import distribution\n'
        'for e in distribution("mmseg_hsp").entry_points:\n'
        '    print(e.group, e.name, e.value)')]).stdout
    commands = {
        name: value.partition(':')[0]
        for group, name, value in map(str.split, listing.splitlines())
        if group == 'console_scripts'
    }
    assert {'mmseg-hsp-infer-wsi', 'mmseg-hsp-table5',
            'mmseg-hsp-reproduce-table5', 'mmseg-hsp-convert-mtchi'
            } <= set(commands)
    for name, module in commands.items():
        out = run([osp.join(osp.dirname(python), name), '--help']).stdout
        assert out.startswith(f'usage: {name} '), name
        out = run([python, '-m', module, '--help']).stdout
        assert out.startswith('usage: ') and 'options:' in out, module


def write_demo_data(root):
    """The demo's layout, small: two training regions cut into 128 px
    patches, one test region."""
    from mmseg_hsp.datasets import write_synthetic_mtchi
    from mmseg_hsp.datasets.mtchi_patches import convert_regions
    write_synthetic_mtchi(root, 2, 1, (256, 256))
    convert_regions(osp.join(root, 'Training'),
                    osp.join(root, 'TrainingPatches'),
                    patch_size=128,
                    stride=64,
                    progress=False)


@pytest.mark.skipif(importlib.util.find_spec('mim') is None,
                    reason='needs openmim (the tests extra)')
def test_mim_install_train_and_test(tmp_path):
    """``mim install -e`` of a clean clone, then ``mim train mmseg_hsp`` and
    ``mim test mmseg_hsp`` with a config found in the package, as mmseg's
    users run them (mim runs the package's .mim/tools)."""
    src = copy_project(str(tmp_path / 'src'))
    python = make_venv(tmp_path / 'venv')
    run([python, '-m', 'mim', 'install', '-q', '--no-deps',
         '--no-build-isolation', '-e', src])
    assert osp.isfile(osp.join(site_packages(python),
                               'mmseg_hsp-configs.pth'))
    user = tmp_path / 'user'
    write_demo_data(str(user / 'data' / 'synthetic_mtchi' / 'Task2'))
    config = 'configs/hspnet_r18_synthetic_demo.py'  # not in user/
    out = run([python, '-m', 'mim', 'train', 'mmseg_hsp', config,
               '--cfg-options', 'train_cfg.max_iters=2'],
              cwd=str(user)).stdout
    assert f'{src}/mmseg_hsp/.mim/tools/train.py' in out
    checkpoint = user / 'work_dirs' / 'hspnet_r18_synthetic_demo' / 'iter_2.pth'
    assert checkpoint.is_file()
    run([python, '-m', 'mim', 'test', 'mmseg_hsp', config, '--checkpoint',
         str(checkpoint), '--gpus', '0', '--work-dir', 'test_run'],
        cwd=str(user))
    scores, = glob.glob(str(user / 'test_run' / '2*' / '2*.json'))
    with open(scores) as f:
        assert '"Dice"' in f.read()


def test_startup_hook_imports_nothing_else():
    """The hook the .pth file loads at every start-up costs one module and
    one finder; mmengine is patched only when something imports it."""
    probe = ('import sys; before = set(sys.modules); '
             'import _mmseg_hsp_configs as h; h.install(); h.install(); '
             'print(sorted(set(sys.modules) - before)); '
             'print(sum(isinstance(f, h.PatchingFinder) '
             'for f in sys.meta_path), "mmengine" in sys.modules)')
    out = run([sys.executable, '-S', '-c', probe],
              PYTHONPATH=REPO_ROOT).stdout.splitlines()
    assert out == ["['_mmseg_hsp_configs']", '1 False']


def test_package_config_after_import():
    """With the plugin imported (a checkout on PYTHONPATH: no .pth),
    ``Config._get_cfg_path`` and ``mmengine.hub.get_config`` know it."""
    import mmengine.hub

    import mmseg_hsp  # noqa: F401
    path, scope = Config._get_cfg_path('mmseg_hsp::_base_/datasets/mtchi.py',
                                       'any.py')
    assert path == osp.join(REPO_ROOT, 'mmseg_hsp', '.mim', 'configs',
                            '_base_', 'datasets', 'mtchi.py')
    assert scope == 'mmseg_hsp'
    cfg = mmengine.hub.get_config('mmseg_hsp::hspnet_r18_synthetic_demo.py')
    assert cfg.model.backbone.depth == 18
    with pytest.raises(FileNotFoundError, match='no_such.py: no such config'):
        Config._get_cfg_path('mmseg_hsp::no_such.py', 'any.py')
    with pytest.raises(ValueError, match='no pretrained weights'):
        mmengine.hub.get_config('mmseg_hsp::hspnet_r101_mtchi.py',
                                pretrained=True)
    # Other packages stay mmengine's.
    with pytest.raises(ValueError, match='_get_package_and_cfg_path'):
        Config._get_cfg_path('mmdet::no_folder.py', 'any.py')


def test_import_does_not_load_the_slide_stack():
    """``import mmseg_hsp`` (every config's custom_imports) loads no slide
    or stain library: training needs none of the extras. (tifffile is
    mmcv's own import.)"""
    heavy = ('openslide', 'rasterio', 'skimage', 'torchstain', 'pydicom',
             'shapely')
    probe = (f'import sys, mmseg_hsp; print([m for m in {heavy!r} '
             'if m in sys.modules])')
    out = run([sys.executable, '-c', probe], PYTHONPATH=REPO_ROOT).stdout
    assert out.strip().splitlines()[-1] == '[]'


def test_missing_extra_is_one_line(monkeypatch):
    """The stain maths without scikit-image: one line naming the extra."""
    from mmseg_hsp.optional import MissingExtraError, import_extra
    monkeypatch.setitem(sys.modules, 'skimage', None)
    for name in ('skimage.color', 'mmseg_hsp.stain.hed'):
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.raises(MissingExtraError,
                       match=r"^skimage is not installed: "
                       r"pip install 'mmseg_hsp\[stain\]'$"):
        importlib.import_module('mmseg_hsp.stain.hed')
    assert import_extra('json', 'stain') is sys.modules['json']


def test_packaging_files():
    """The licence setup.py names, the citation, a PEP 517 build."""
    with open(osp.join(REPO_ROOT, 'LICENSE')) as f:
        assert 'Apache License\n' in f.read().replace('  ', '')
    with open(osp.join(REPO_ROOT, 'setup.py')) as f:
        assert "license='Apache-2.0'" in f.read()
    with open(osp.join(REPO_ROOT, 'CITATION.cff')) as f:
        citation = f.read()
    from mmseg_hsp import __version__
    assert f'version: {__version__}\n' in citation
    assert 'Hierarchical Spatial Pyramid Network for Cervical Precancerous' \
        in citation
    with open(osp.join(REPO_ROOT, 'pyproject.toml')) as f:
        assert 'build-backend = "setuptools.build_meta"' in f.read()
