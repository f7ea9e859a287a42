"""mmseg_hsp: HSP-Net (Meng et al.) as an MMSegmentation 1.x plugin."""
import os.path as osp

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))
# Loads _mmseg_hsp_configs at start-up so that `mmseg_hsp::` configs resolve
# in a process that never imported the plugin (see that module). Written by
# the build, not kept as a file (the repository ignores *.pth: checkpoints).
CONFIGS_PTH = 'mmseg_hsp-configs.pth'
CONFIGS_PTH_LINE = 'import _mmseg_hsp_configs; _mmseg_hsp_configs.install()\n'
# Installed command (mmseg-hsp-<name>) -> its module in mmseg_hsp/cli.
COMMANDS = {
    'train': 'train',
    'test': 'test',
    'infer-wsi': 'infer_wsi',
    'reproduce-table5': 'reproduce_table5',
    'table5': 'table5',
    'convert-mtchi': 'convert_mtchi',
    'make-synthetic-mtchi': 'make_synthetic_mtchi',
}


def read_requirements(name):
    with open(osp.join(HERE, 'requirements', name)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


class BuildPyWithPth(build_py):
    """``build_py`` that also puts :data:`CONFIGS_PTH` in site-packages.

    A ``.pth`` file works only at the root of site-packages, where neither
    ``package_data`` nor ``data_files`` (installed under ``sys.prefix``)
    puts it. A wheel installs ``build_lib``'s root there. An editable
    (PEP 660) wheel is made from the folder that ``install_lib`` names (the
    unpacked wheel); ``build_lib`` is only a scratch folder then.
    """

    def run(self):
        super().run()
        if self.editable_mode:
            root = self.get_finalized_command('install').install_lib
        else:
            root = self.build_lib
        self.mkpath(root)
        with open(osp.join(root, CONFIGS_PTH), 'w') as f:
            f.write(CONFIGS_PTH_LINE)

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        return outputs + [osp.join(self.build_lib, CONFIGS_PTH)]


def read_version():
    scope = {}
    with open(osp.join(HERE, 'mmseg_hsp', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmseg_hsp',
    version=read_version(),
    description='HSP-Net for cervical precancerous segmentation of H&E '
    'slides, as an MMSegmentation plugin, with whole-slide inference',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    author='mmseg_hsp contributors',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(exclude=('tests', 'tools', 'configs')),
    py_modules=['_mmseg_hsp_configs'],
    cmdclass={'build_py': BuildPyWithPth},
    # Configs and tools travel inside the package, as mmseg ships
    # mmseg/.mim/configs and .mim/tools, so `_base_ = 'mmseg_hsp::<cfg>.py'`
    # and `mim train/test mmseg_hsp` work after install. In the repo,
    # mmseg_hsp/.mim/configs and .mim/tools are links to configs/, tools/.
    package_data={
        'mmseg_hsp': ['.mim/model-index.yml', '.mim/configs/**/*.py',
                      '.mim/tools/**/*.py', '.mim/tools/**/*.sh']
    },
    include_package_data=False,
    # The plugin's own tools, installed as commands (docs/install.md); each
    # is also `python -m mmseg_hsp.cli.<module>` and tools/<script>.py.
    entry_points={
        'console_scripts': [
            f'mmseg-hsp-{name}=mmseg_hsp.cli.{module}:main'
            for name, module in COMMANDS.items()
        ]
    },
    install_requires=read_requirements('runtime.txt'),
    # Training needs no extra; slides need `wsi` (which includes `stain`).
    extras_require=dict(
        stain=read_requirements('stain.txt'),
        wsi=read_requirements('wsi.txt') + read_requirements('stain.txt'),
        tests=(read_requirements('tests.txt') + read_requirements('wsi.txt')
               + read_requirements('stain.txt'))),
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Image Recognition',
        'Topic :: Scientific/Engineering :: Medical Science Apps.',
    ],
    zip_safe=False)
